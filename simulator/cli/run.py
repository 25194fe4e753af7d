"""``salesim run``: simulate a scenario, confirm its bottleneck, write and print the results."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from salesim.simulator.cli.console import LabBar, err, out, runs_progress
from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, chosen_locale, fail
from salesim.simulator.cli.run_print import print_run
from salesim.simulator.cli.scenario import (
    MaxMemoryOption,
    budget_or_fail,
    default_scenario,
    load_or_fail,
)
from salesim.simulator.cli.signals import exit_signalled, stop_signals
from salesim.simulator.engine.budget import DEFAULT_MAX_MEMORY_GB
from salesim.simulator.engine.structure import organised
from salesim.simulator.experiments.executors import open_backend
from salesim.simulator.experiments.lab import Interrupted, Lab
from salesim.simulator.experiments.records import reduce_run
from salesim.simulator.experiments.verdict import (
    DEFAULT_CANDIDATES,
    DEFAULT_REPLICATIONS,
    Confirmation,
    bottleneck_document,
    confirm_bottleneck,
    screen_of,
)
from salesim.simulator.metrics.summary import summary
from salesim.simulator.runner import MeasuredRun, replicate
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import OutputError, check_target, write_folder
from salesim.simulator.store.documents import (
    ConfirmationCost,
    RunInfo,
    now_stamp,
    python_version,
)
from salesim.simulator.store.run_folder import default_out_dir, run_files, salesim_version

__all__ = ["register"]


def run(
    scenario_path: Annotated[Path | None, typer.Argument(
        metavar="[SCENARIO]", help="Scenario YAML file (default: scenarios/b2b_baseline.yaml).",
        show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the scenario's).")] = None,
    days: Annotated[float | None, typer.Option(help="Calendar days to measure, after the "
                                                     "scenario's warm-up (default: "
                                                     "horizon_days − warmup_days).")] = None,
    replications: Annotated[int, typer.Option("--replications", "-r", min=1, max=10_000,
                                              help="Independent replications; with more than "
                                                   "one, every figure gets a 95% CI.")] = 1,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes "
                                             "for replications (default: one per core).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default: "
                                                 "runs/<scenario>-<time>).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output "
                                        "folder.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Also write report.html and "
                                         "report.md into the output folder.")] = False,
    locale: LocaleOption = None,
    quick: Annotated[bool, typer.Option("--quick", help="Name the bottleneck by the queue "
                                        "screen alone: skip its confirmation by simulation "
                                        "(up to 3 × R_c + R_c more runs).")] = False,
    confirm_replications: Annotated[int, typer.Option(
        "--confirm-replications", min=2, max=1000,
        help="R_c: replications of the relief test that confirms the bottleneck (one more "
             "person in each of the queue screen's 3 leading roles, against the scenario, on "
             "common random numbers). With -r R above it, R is used.")
    ] = DEFAULT_REPLICATIONS,
    max_memory_gb: MaxMemoryOption = DEFAULT_MAX_MEMORY_GB,
) -> None:
    """Simulate a scenario and write its results (default: scenarios/b2b_baseline.yaml).

    The bottleneck is first screened by where leads queue, then confirmed by simulation: one
    more person in each of the screen's leading roles, on the same random numbers; the
    bottleneck is the role whose relief raises revenue most, significantly (docs/model.md).
    """
    scenario_path = scenario_path or default_scenario()
    scenario = load_or_fail(scenario_path, seed, days)
    budget_or_fail(scenario, scenario_path, replications, max_memory_gb)
    target = out_dir or default_out_dir(scenario.name)
    try:
        check_target(target, force, inputs=[scenario_path])
    except OutputError as exc:
        fail(str(exc))
    with stop_signals() as received:
        try:
            started = time.perf_counter()
            runs = _simulate(scenario, replications, jobs)
            elapsed = time.perf_counter() - started
            doc = summary(organised(scenario), scenario.seed, [r.metrics for r in runs])
            check = None if quick else _confirm(scenario, runs, doc["bottleneck"],
                                                confirm_replications, jobs)
            doc["bottleneck"] = bottleneck_document(
                doc["bottleneck"], None if check is None else check.confirmation,
                (doc.get("stability") or {}).get("warning"))
            info = _run_info(scenario_path, replications, elapsed, check)
            write_folder(target, run_files(scenario, doc, runs, info), force, kind="run",
                         inputs=[scenario_path])
        except OutputError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            exit_signalled(received, f"nothing written to {target}")
    language = chosen_locale(locale, scenario.locale)
    print_run(scenario, doc, replications, language)
    if check is not None:
        cost = (f"; confirming the bottleneck took {check.runs} more runs, "
                f"{check.seconds:.1f} s")
    else:
        cost = "; bottleneck by the queue screen alone (--quick)" if quick else ""
    out().print(f"\nSimulated {replications} × {scenario.horizon_days:g} days in {elapsed:.1f} s"
                f"{cost}. Results written to [bold]{target}/[/bold]")
    if report:
        _report(target, force, language)


def _report(target: Path, force: bool, locale: str) -> None:
    from salesim.reports import ReportError, build_report  # heavy (matplotlib): only if asked

    try:
        paths = build_report(target, force=force, locale=locale)
    except ReportError as exc:
        fail(str(exc))
    out().print(f"Report: [bold]{paths[0]}[/bold]")


def _simulate(scenario: Scenario, replications: int, jobs: int | None) -> list[MeasuredRun]:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err(), transient=True, disable=not err().is_terminal) as progress:
        task = progress.add_task(f"Simulating {scenario.name}", total=replications)
        return replicate(scenario, replications, jobs=jobs,
                         on_done=lambda _r: progress.advance(task))


@dataclass(frozen=True)
class _Check:
    """The bottleneck's confirmation and what it cost."""

    confirmation: Confirmation
    runs: int  # simulated for it (the run's own replications are reused)
    seconds: float


def _confirm(scenario: Scenario, runs: list[Any], screen_doc: dict[str, Any],
             replications: int, jobs: int | None) -> _Check | None:
    """The relief test of the screen's leading roles, on the run's seed (None: nothing to
    relieve). The run's own replications are the base's first ones; R_c = max(N, R)."""
    started = time.perf_counter()
    records = [reduce_run(r.result.scenario, r.metrics, r.result.events) for r in runs]
    screen = replace(screen_of(records), stage=screen_doc["stage"], role=screen_doc["role"],
                     kind=screen_doc["kind"], verdict=screen_doc["verdict"])
    if not screen.candidates:
        return None
    with open_backend(jobs) as backend, runs_progress() as progress:
        task = progress.add_task("Confirming the bottleneck", total=0)
        lab = Lab(backend, scenario.seed, progress=LabBar(progress, task))
        try:
            confirmation = confirm_bottleneck(scenario, scenario.seed, screen,
                                              max(replications, len(runs)),
                                              DEFAULT_CANDIDATES, lab, records)
        except Interrupted:
            typer.echo("interrupted: nothing written", err=True)
            raise typer.Exit(code=130) from None
    return _Check(confirmation, lab.executed, time.perf_counter() - started)


def _run_info(path: Path, replications: int, elapsed: float, check: _Check | None) -> RunInfo:
    """What varies between identical runs lives here, not in summary.json."""
    return RunInfo(
        salesim_version=salesim_version(), scenario_file=str(path), replications=replications,
        finished_at=now_stamp(), elapsed_seconds=round(elapsed, 3),
        confirmation=None if check is None else ConfirmationCost(
            runs_simulated=check.runs, elapsed_seconds=round(check.seconds, 3)),
        python=python_version())


def register(app: typer.Typer) -> None:
    """Add ``run`` to the main CLI."""
    app.command(cls=OneLineErrors)(run)
