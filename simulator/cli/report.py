"""``salesim report`` and ``salesim export``: the report commands of the main CLI.

The lead wires them in with :func:`register`. Heavy modules (pandas, matplotlib, Jinja2) are
imported when a command runs, not when the CLI starts, so ``salesim --help`` stays fast. Every
user error prints one line ``error: …`` on stderr and exits with code 2, without a traceback.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, fail

__all__ = ["register"]


def _check_output(path: Path, force: bool, inputs: tuple[Path, ...] = ()) -> None:
    """Where the command writes is checked before any work (one line, exit 2)."""
    from salesim.simulator.store.atomic import OutputError, check_file_target

    try:
        check_file_target(path, force, inputs)
    except OutputError as exc:
        fail(str(exc))


def _progress(message: str) -> AbstractContextManager[Any]:
    """A spinner on stderr while something takes seconds; nothing when stderr is not a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    return console.status(message) if console.is_terminal else nullcontext()


# how an exported log begins (reports/export.py): XES, then the CSV's header
_EXPORT_SIGNATURES = (b'<log xes.version="1.0"', b"case_id,activity,start_timestamp,")


def _exported_log(path: Path) -> bool:
    """Whether a file looks like an event log `salesim export` wrote (its first bytes)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(200)
    except OSError:
        return False
    return any(signature in head for signature in _EXPORT_SIGNATURES)


RunDir = Annotated[Path, typer.Argument(metavar="RUN_DIR", show_default=False,
                                        help="The folder `salesim run` wrote.")]


def report(
    run_dir: RunDir,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing report.")] = False,
    locale: LocaleOption = None,
) -> None:
    """Write report.html (one self-contained file) and report.md with chart PNGs for a run."""
    from salesim.reports.run_report import build_report
    from salesim.simulator.store.run_reader import ReportError

    _check_output(run_dir / "report.html", True)  # where; an existing report: build_report
    started = time.perf_counter()
    try:
        with _progress(f"Building the report of {run_dir}"):
            paths = build_report(run_dir, force=force,
                                 locale=None if locale is None else locale.value)
    except ReportError as exc:
        fail(str(exc))
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
    from salesim.reports.export import export_log
    from salesim.simulator.store.atomic import OutputError
    from salesim.simulator.store.run_reader import ReportError

    if out is not None:
        _check_output(out, force, (run_dir / "events.csv.gz", run_dir / "scenario.yaml"))
        if out.is_file() and not _exported_log(out):
            fail(f"{out}: is not an event log salesim exported; --force replaces only such a "
                 f"file; choose another --out or move the file away")
    try:
        with _progress(f"Writing the event log of {run_dir}"):
            path = export_log(run_dir, fmt.lower(), out=out, replication=replication,
                              force=force)
    except (ReportError, OutputError) as exc:
        fail(str(exc))
    typer.echo(f"Event log written: {path}")


def register(app: typer.Typer) -> None:
    """Add the ``report`` and ``export`` commands to the main CLI.

    Args:
        app: The main typer application.
    """
    app.command("report", cls=OneLineErrors)(report)
    app.command("export", cls=OneLineErrors)(export)
