"""Stopping a command with a signal: SIGTERM and SIGHUP act as Ctrl-C does, and the command
ends with one line and the shell's exit code for the signal (128 + its number)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

import typer

__all__ = ["EXIT_SIGNALLED", "STOP_SIGNALS", "exit_signalled", "stop_signals"]

EXIT_SIGNALLED = 128  # + the signal's number, as a shell reports a process the signal ended
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def stop_signals() -> Iterator[list[int]]:
    """SIGTERM and SIGHUP stop the command as Ctrl-C does (a KeyboardInterrupt); the signal
    received is appended to the list yielded. Later signals are ignored while the command
    stops its workers, so the clean-up is not cut short; a signal the command was started with
    ignored (``nohup``, a background job) stays ignored."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # signal handlers can only be set from the main thread
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        if not received:
            received.append(signum)
            raise KeyboardInterrupt

    previous = {}
    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            previous[number] = signal.signal(number, stop)
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def exit_signalled(received: list[int], what: str) -> NoReturn:
    """One line ``interrupted (SIGTERM): <what>`` on stderr; exit 128 + the signal's number
    (SIGINT when no signal was recorded: a Ctrl-C)."""
    number = received[0] if received else int(signal.SIGINT)
    typer.echo(f"interrupted ({signal.Signals(number).name}): {what}", err=True)
    raise typer.Exit(code=EXIT_SIGNALLED + number)
