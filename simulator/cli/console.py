"""The consoles the commands print to, made on first use (not when the CLI is imported)."""

from __future__ import annotations

import functools

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["LabBar", "err", "out", "runs_progress"]


@functools.cache
def out() -> Console:
    """Standard output; piped or captured, wide enough for the tables."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=120)


@functools.cache
def err() -> Console:
    """Standard error: progress, warnings."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def runs_progress() -> Progress:
    """A progress bar of runs on stderr (with the ETA); silent when stderr is not a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total} runs"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err(), transient=True,
                    disable=not err().is_terminal)


class LabBar:
    """The Lab's progress sink on a rich progress bar (ETA from the runs done so far)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task
        self.total = 0

    def add(self, total: int) -> None:
        self.total += total
        self.progress.update(self.task, total=self.total)

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)
