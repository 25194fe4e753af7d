"""``salesim report`` and ``salesim export``: the report commands of the main CLI.

The lead wires them in with :func:`register`. Heavy modules (pandas, matplotlib, Jinja2) are
imported when a command runs, not when the CLI starts, so ``salesim --help`` stays fast. Every
user error prints one line ``error: …`` on stderr and exits with code 2, without a traceback.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

__all__ = ["register"]

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=EXIT_USAGE)


def _usage_error_type() -> type[Exception]:
    """The CLI library's ``UsageError`` (typer exports only its subclass ``BadParameter``)."""
    for klass in typer.BadParameter.__mro__:
        if klass.__name__ == "UsageError":
            return klass
    return typer.BadParameter  # pragma: no cover - every typer/click version has UsageError


_USAGE_ERROR = _usage_error_type()


class _OneLineErrors(TyperCommand):
    """A command whose parse errors (bad values, unknown options) print one line, exit 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _USAGE_ERROR as exc:
            format_message = getattr(exc, "format_message", None)
            text = format_message() if callable(format_message) else str(exc)
            _fail(" ".join(str(text).split()))


def _progress(message: str) -> AbstractContextManager[Any]:
    """A spinner on stderr while something takes seconds; nothing when stderr is not a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    return console.status(message) if console.is_terminal else nullcontext()


RunDir = Annotated[Path, typer.Argument(metavar="RUN_DIR", show_default=False,
                                        help="The folder `salesim run` wrote.")]


def report(
    run_dir: RunDir,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing report.")] = False,
) -> None:
    """Write report.html (one self-contained file) and report.md with chart PNGs for a run."""
    from reports.run_report import build_report
    from reports.rundata import ReportError

    started = time.perf_counter()
    try:
        with _progress(f"Building the report of {run_dir}"):
            paths = build_report(run_dir, force=force)
    except ReportError as exc:
        _fail(str(exc))
    elapsed = time.perf_counter() - started
    charts_dir = paths[2].parent if len(paths) > 2 else run_dir
    typer.echo(f"Report written in {elapsed:.1f} s: {paths[0]} (open it in any browser), "
               f"{paths[1]} and {len(paths) - 2} charts in {charts_dir}/")


def export(
    run_dir: RunDir,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="xes|csv",
                                     help="xes: XES 1.0 with lifecycle transitions; csv: one row "
                                          "per activity with start and end time stamps.")
                   ] = "xes",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: "
                                             "RUN_DIR/eventlog.<format>).")] = None,
    replication: Annotated[int, typer.Option("--replication", "-r", help="Which replication "
                                             "to export (0 = the first).")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Export a run's event log for process-mining tools (Disco, Celonis, ProM, pm4py)."""
    from reports.export import export_log
    from reports.rundata import ReportError

    try:
        with _progress(f"Writing the event log of {run_dir}"):
            path = export_log(run_dir, fmt.lower(), out=out, replication=replication,
                              force=force)
    except ReportError as exc:
        _fail(str(exc))
    typer.echo(f"Event log written: {path}")


def register(app: typer.Typer) -> None:
    """Add the ``report`` and ``export`` commands to the main CLI.

    Args:
        app: The main typer application.
    """
    app.command("report", cls=_OneLineErrors)(report)
    app.command("export", cls=_OneLineErrors)(export)
