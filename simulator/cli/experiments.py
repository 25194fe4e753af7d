"""``salesim compare | sweep | whatif | optimize``: experiments on the engine.

Each command parses its options, prepares its experiment (:mod:`experiments.kinds`), and hands
it to :func:`_drive`, which runs the session (:mod:`experiments.session`) with a progress bar.
Every user error prints one line ``error: ...`` on stderr and exits with code 2, without a
traceback, before any output is written. Ctrl-C, SIGTERM and SIGHUP stop an experiment the same
way: its workers are stopped, one line says how many finished runs are kept, the exit code is
128 + the signal's number (130, 143, 129), and the same command run again continues. See
``docs/experiments.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from salesim.simulator.cli.console import LabBar, err, out, runs_progress
from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, chosen_locale, fail
from salesim.simulator.cli.experiment_print import print_compare, print_sweep, print_whatif
from salesim.simulator.cli.options import (
    Days,
    Force,
    Jobs,
    MaxReps,
    MetricOpt,
    OutDir,
    Plan,
    PrecisionOpt,
    Replications,
    Scheduler,
    Seed,
    WarmupOpt,
)
from salesim.simulator.cli.scenario import MaxMemoryOption
from salesim.simulator.cli.signals import exit_signalled, stop_signals
from salesim.simulator.engine.budget import DEFAULT_MAX_MEMORY_GB
from salesim.simulator.experiments.executors import JOBS_PER_CORE, max_jobs
from salesim.simulator.experiments.kinds import (
    StaffingOptions,
    prepare_compare,
    prepare_optimize,
    prepare_sweep,
    prepare_whatif,
)
from salesim.simulator.experiments.lab import Interrupted
from salesim.simulator.experiments.session import Experiment, run_session
from salesim.simulator.experiments.settings import Settings
from salesim.simulator.experiments.variants import ExperimentError
from salesim.simulator.numbers import number_format
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.store.atomic import OutputError, check_target
from salesim.simulator.store.run_folder import default_out_dir

__all__ = ["register"]

E = TypeVar("E", bound=Experiment)


def _prepared(prepare: Callable[[], E]) -> E:
    """The experiment, or one line naming the bad input and exit 2."""
    try:
        return prepare()
    except (ExperimentError, ScenarioError) as exc:
        fail(str(exc))


def _drive(experiment: Experiment, out_dir: Path | None, force: bool, jobs: int | None,
           scheduler: str | None, inputs: Sequence[Path],
           max_memory_gb: float) -> tuple[dict[str, Any], Path]:
    """Run the experiment's session with a progress bar; its document and folder.

    ``inputs`` are the files the command reads: ``--force`` never replaces a folder holding
    one."""
    target = out_dir or default_out_dir(f"{experiment.base.name}-{experiment.kind}")
    if jobs is not None and jobs > max_jobs():
        fail(f"--jobs {jobs}: at most {max_jobs()} worker processes on this machine "
             f"({JOBS_PER_CORE} per core)")
    with stop_signals() as received:
        try:
            check_target(target, force, inputs)
            with runs_progress() as progress:
                bar = LabBar(progress, progress.add_task(experiment.description, total=0))

                def warn(message: str) -> None:
                    progress.console.print(f"warning: {escape(message)}")

                output = run_session(experiment, target, force=force, jobs=jobs,
                                     scheduler=scheduler, progress=bar, arguments=sys.argv[1:],
                                     warn=warn, max_memory_gb=max_memory_gb)
        except (Interrupted, KeyboardInterrupt) as exc:
            _interrupted(exc, received)
        except (ExperimentError, OutputError) as exc:
            if received:  # a worker that the same signal ended broke the pool first
                _interrupted(exc, received)
            fail(str(exc))
    return output.document, target


def _interrupted(exc: BaseException, received: list[int]) -> NoReturn:
    """One line: how many finished runs are kept, and where; exit 128 + the signal's number."""
    if isinstance(exc, Interrupted):
        where = f" in {exc.folder}" if exc.folder and exc.saved else ""
        kept = f"{exc.saved} finished runs kept{where}"
    else:
        kept = "finished runs kept"
    exit_signalled(received, f"{kept}; run the same command again to continue")


# -- compare -------------------------------------------------------------------------------------


def compare(
    files: Annotated[list[Path], typer.Argument(
        metavar="SCENARIO...", help="Scenario files (the first is the base), or a "
        "variant-set file (a base with its variants, see docs/experiments.md).",
        show_default=False)],
    replications: Replications = 10,
    seed: Seed = None,
    days: Days = None,
    precision: PrecisionOpt = None,
    metric: MetricOpt = "revenue_per_month",
    max_replications: MaxReps = 200,
    warmup: WarmupOpt = None,
    plan: Plan = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    force: Force = False,
    max_memory_gb: MaxMemoryOption = DEFAULT_MAX_MEMORY_GB,
    report: Annotated[bool, typer.Option(
        "--report", help="Also write the comparison report into the folder: report.html, "
        "report.md and their charts (see docs/reports.md).")] = False,
    locale: LocaleOption = None,
) -> None:
    """Compare variants on common random numbers: paired differences with 95% CIs and a verdict."""
    settings = Settings(replications, seed, days, warmup, precision, metric, max_replications,
                        plan)
    experiment = _prepared(lambda: prepare_compare(files, settings))
    doc, target = _drive(experiment, out_dir, force, jobs, scheduler, files, max_memory_gb)
    base = experiment.base
    language = chosen_locale(locale, base.locale)
    print_compare(doc, target, number_format(language, base.currency), Labels(base, language))
    if report:
        _write_report(target, language)


def _write_report(target: Path, locale: str) -> None:
    """The comparison report, built by ``reports.compare_report`` from the folder just written."""
    from salesim.reports.compare_report import (
        build_compare_report,  # heavy (matplotlib): only if asked
    )
    from salesim.simulator.store.run_reader import ReportError

    try:
        written = build_compare_report(target, locale=locale)
    except ReportError as exc:
        fail(str(exc))
    out().print(f"Report written to [bold]{written[0]}[/bold]")


# -- sweep ---------------------------------------------------------------------------------------


def sweep(
    scenario_path: Annotated[Path, typer.Argument(metavar="BASE.yaml",
                                                  help="The scenario to vary.")],
    vary: Annotated[list[str], typer.Option(
        "--vary", help="PATH=VALUES, repeatable: roles.closer.headcount=2..6, "
        "channels.website.rate=10,20,40, roles.warehouse.work_time=0.6..1..0.2 (ranges include "
        "both ends).", show_default=False)],
    replications: Replications = 5,
    seed: Seed = None,
    days: Days = None,
    precision: PrecisionOpt = None,
    metric: MetricOpt = "revenue_per_month",
    max_replications: MaxReps = 200,
    warmup: WarmupOpt = None,
    plan: Plan = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    force: Force = False,
    max_memory_gb: MaxMemoryOption = DEFAULT_MAX_MEMORY_GB,
) -> None:
    """Run a grid of variants: one tidy row per variant × replication, and means with CIs."""
    settings = Settings(replications, seed, days, warmup, precision, metric, max_replications,
                        plan)
    experiment = _prepared(lambda: prepare_sweep(scenario_path, vary, settings))
    print_sweep(*_drive(experiment, out_dir, force, jobs, scheduler, [scenario_path],
                       max_memory_gb))


# -- whatif --------------------------------------------------------------------------------------


def whatif(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                  help="The scenario to examine.")],
    faster: Annotated[float, typer.Option(
        "--faster", min=0.01, max=0.9, help="The process improvement tried in every role: the "
        "share of work per step saved (0.2 = 20% less).")] = 0.2,
    replications: Replications = 10,
    seed: Seed = None,
    days: Days = None,
    precision: PrecisionOpt = None,
    metric: MetricOpt = "profit_per_month",
    max_replications: MaxReps = 200,
    warmup: WarmupOpt = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    force: Force = False,
    max_memory_gb: MaxMemoryOption = DEFAULT_MAX_MEMORY_GB,
) -> None:
    """Value +1 person and a faster process in every role, ranked by profit per rouble."""
    settings = Settings(replications, seed, days, warmup, precision, metric, max_replications)
    experiment = _prepared(lambda: prepare_whatif(scenario_path, faster, settings))
    print_whatif(*_drive(experiment, out_dir, force, jobs, scheduler, [scenario_path],
                        max_memory_gb))


# -- optimize ------------------------------------------------------------------------------------


def optimize(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                  help="The scenario to staff.")],
    objective: Annotated[str, typer.Option(
        "--objective", help="profit: maximise expected profit a month; cost: minimise payroll "
        "while meeting the constraints.")] = "profit",
    constraint: Annotated[list[str] | None, typer.Option(
        "--constraint", help="METRIC>=VALUE [@ p=P], repeatable, e.g. 'plan_attainment>=0.95 "
        "@ p=0.9' (met in at least 90% of replications) or 'cycle_days<=30' (on the mean).",
        show_default=False)] = None,
    budget: Annotated[list[str] | None, typer.Option(
        "--budget", help="headcount=N (whole department) and/or payroll=AMOUNT (a month).",
        show_default=False)] = None,
    roles: Annotated[str | None, typer.Option(
        "--roles", help="Comma-separated roles to staff (default: every role that does a "
        "step); the others keep their headcount.", show_default=False)] = None,
    ranges: Annotated[list[str] | None, typer.Option(
        "--range", help="ROLE=LOW..HIGH headcount range, repeatable (default 1..max(2×now, "
        "now+3)).", show_default=False)] = None,
    exhaustive: Annotated[bool, typer.Option(
        "--exhaustive", help="Evaluate every staffing in range instead of searching (small "
        "problems; for checking).")] = False,
    plan: Plan = None,
    replications: Replications = 10,
    seed: Seed = None,
    days: Days = None,
    warmup: WarmupOpt = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    force: Force = False,
    max_memory_gb: MaxMemoryOption = DEFAULT_MAX_MEMORY_GB,
) -> None:
    """Find the headcount per role with the best expected profit, or the cheapest that meets
    the constraints, within a budget."""
    settings = Settings(replications, seed, days, warmup, plan=plan)
    staffing = StaffingOptions(objective, constraint or [], budget or [], roles, ranges or [],
                               exhaustive)
    experiment = _prepared(lambda: prepare_optimize(scenario_path, staffing, settings))
    for warning in experiment.warnings:
        err().print(f"warning: {escape(warning)}")
    doc, target = _drive(experiment, out_dir, force, jobs, scheduler, [scenario_path],
                         max_memory_gb)
    out().print(doc["verdict"], markup=False)
    out().print(f"{doc['search']['staffings_evaluated']} staffings evaluated "
                f"({doc['search']['runs']} runs). Results written to [bold]{target}/[/bold]")


# -- wiring --------------------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Add ``compare``, ``sweep``, ``whatif`` and ``optimize`` to the main CLI.

    Args:
        app: The main typer application.
    """
    for command in (compare, sweep, whatif, optimize):
        app.command(cls=OneLineErrors)(command)
