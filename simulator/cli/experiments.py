"""``salesim compare | sweep | whatif | optimize``: experiments on the engine (issue 5).

The lead wires these into the main CLI with :func:`register`. Every user error prints one line
``error: ...`` on stderr and exits with code 2, without a traceback, before any output is
written; an interrupted experiment keeps its finished runs and continues when run again.
See ``docs/experiments.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, chosen_locale, fail
from salesim.simulator.experiments.compare import (
    compare_document,
    metric_catalogue,
    runs_table,
    summary_table,
)
from salesim.simulator.experiments.executors import Backend, RunStore, open_backend
from salesim.simulator.experiments.lab import (
    Interrupted,
    Lab,
    Replicated,
    detect_warmup,
    replicate_variants,
    warmup_report,
)
from salesim.simulator.experiments.optimize import (
    Budget,
    Objective,
    Optimizer,
    Problem,
    candidates_rows,
    check_replications,
    constraint_metrics,
    default_bounds,
    optimize_document,
    parse_budget,
    parse_constraint,
)
from salesim.simulator.experiments.records import PLAN_ATTAINMENT, has_plan, metric_names
from salesim.simulator.experiments.stats import Precision, parse_precision
from salesim.simulator.experiments.sweep import (
    sweep_document,
    sweep_runs_table,
    sweep_summary_table,
)
from salesim.simulator.experiments.variants import (
    Axis,
    ExperimentError,
    Variant,
    grid,
    load_variants,
    parse_vary,
    scenario_key,
    with_settings,
)
from salesim.simulator.experiments.whatif import (
    levers,
    tornado_table,
    whatif_document,
    working_roles,
)
from salesim.simulator.numbers import NumberFormat, ci_rounding, number_format
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.names import variant_file
from salesim.simulator.store.run_folder import (
    OutputError,
    check_target,
    default_out_dir,
    json_writer,
    salesim_version,
    scenario_writer,
    write_folder,
)

__all__ = ["register"]

EXIT_INTERRUPTED = 130

out = Console(highlight=False)
if not out.is_terminal:
    out = Console(highlight=False, width=120)
err = Console(stderr=True, highlight=False, soft_wrap=True)






# -- shared options ------------------------------------------------------------------------------

Replications = Annotated[int, typer.Option(
    "--replications", "-r", min=2, max=10_000,
    help="Replications per variant (the same r = 0..R-1 for every variant).")]
Seed = Annotated[int | None, typer.Option(
    help="Root seed for every variant (default: the base scenario's).")]
Days = Annotated[float | None, typer.Option(
    help="Calendar days measured for every variant, after its warm-up (default: the "
    "scenario's horizon_days − warmup_days).")]
Jobs = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, help="Local worker processes (default: one per core; 1 = in this "
    "process). With --scheduler local: the embedded Dask cluster's workers.")]
Scheduler = Annotated[str | None, typer.Option(
    help="Dask scheduler address, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS if "
         "set, else local processes); 'local' starts an embedded Dask LocalCluster. Needs "
         "salesim[dask].", show_default=False)]
PrecisionOpt = Annotated[str | None, typer.Option(
    "--precision", help="Add replications until the 95% CI half-width of --metric is within "
    "this target for every variant: '2%' of the mean, or an amount.", show_default=False)]
MetricOpt = Annotated[str, typer.Option(
    "--metric", help="The metric --precision applies to.")]
MaxReps = Annotated[int, typer.Option(
    "--max-replications", min=2, max=10_000, help="Upper limit for --precision.")]
WarmupOpt = Annotated[str | None, typer.Option(
    "--warmup", help="Warm-up to cut from the measured window: DAYS, or 'auto' to detect it "
    "with MSER-5 on the base's runs (for steady-state questions). The detected warm-up is "
    "reported either way.", show_default=False)]
Plan = Annotated[float | None, typer.Option(
    "--plan", help="Sales plan, revenue a month, for the metric plan_attainment = revenue a "
    "month ÷ plan (default: the scenario's own plan, if it has one).", show_default=False)]
OutDir = Annotated[Path | None, typer.Option(
    "--out", help="Output folder (default: runs/<scenario>-<command>-<time>).",
    show_default=False)]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")]


# -- progress ------------------------------------------------------------------------------------


class _Bar:
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


@contextmanager
def _session(kind: str, description: str, target: Path, identity: dict[str, Any], seed: int,
             jobs: int | None, scheduler: str | None) -> Iterator[tuple[Lab, Backend]]:
    """Backend, checkpoints and a progress bar; one line and exit 2 if the backend fails."""
    store = RunStore.beside(target, kind, {"kind": kind, "version": salesim_version(), **identity})
    try:
        backend_cm = open_backend(jobs, scheduler)
        backend = backend_cm.__enter__()
    except ExperimentError as exc:
        fail(str(exc))
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} runs"), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as progress:
            task = progress.add_task(description, total=0)
            lab = Lab(backend, seed, store, _Bar(progress, task))
            yield lab, backend
    except Interrupted as exc:
        where = f" in {exc.folder}" if exc.folder else ""
        typer.echo(f"interrupted: {exc.saved} finished runs kept{where}; run the same command "
                   f"again to continue", err=True)
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    finally:
        backend_cm.__exit__(None, None, None)


def _finish(target: Path, files: dict[str, Callable[[Path], None]], force: bool,
            store: RunStore) -> None:
    try:
        write_folder(target, files, force)
    except OutputError as exc:
        fail(str(exc))
    store.discard()


# -- inputs --------------------------------------------------------------------------------------


def _load_base(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        fail(str(exc))


def _target(out_dir: Path | None, name: str, kind: str, force: bool) -> Path:
    target = out_dir or default_out_dir(f"{name}-{kind}")
    try:
        check_target(target, force)
    except OutputError as exc:
        fail(str(exc))
    return target



def _normalise(variants: Sequence[Variant], seed: int, days: float | None,
               warmup_days: float | None) -> list[Variant]:
    """Every variant on the experiment's seed (and --days / --warmup); same horizon required."""
    out = []
    for v in variants:
        scenario = with_settings(v.scenario, seed=seed, days=days, warmup_days=warmup_days,
                                 source=v.source)
        out.append(Variant(v.name, scenario, v.source, v.settings, v.description))
    base = out[0].scenario
    for v in out[1:]:
        s = v.scenario
        if s.horizon_days != base.horizon_days:
            raise ExperimentError(f"{v.source}: horizon_days {s.horizon_days:g} differs from the "
                                  f"base's {base.horizon_days:g}; variants are compared over the "
                                  f"same horizon (or pass --days)")
        if s.warmup_days != base.warmup_days:
            raise ExperimentError(f"{v.source}: warmup_days {s.warmup_days:g} differs from the "
                                  f"base's {base.warmup_days:g} (or pass --warmup DAYS)")
        if s.currency != base.currency:
            raise ExperimentError(f"{v.source}: currency {s.currency} differs from the base's "
                                  f"{base.currency}")
    return out


def _warmup_option(text: str | None) -> float | str | None:
    if text is None:
        return None
    t = text.strip().lower()
    if t == "auto":
        return "auto"
    try:
        days = float(t)
    except ValueError:
        fail(f"--warmup must be a number of days or 'auto', not {text!r}")
    if not math.isfinite(days) or days < 0:
        fail(f"--warmup must be 0 or more days, not {text!r}")
    return days


def _precision(text: str | None, metric: str, scenario: Scenario, plan: float | None
               ) -> Precision | None:
    allowed = [*metric_names(scenario), *([PLAN_ATTAINMENT] if has_plan(scenario, plan) else [])]
    if metric not in allowed:
        hint = (" (the scenario has no plan: give --plan AMOUNT)" if metric == PLAN_ATTAINMENT
                else "")
        fail(f"--metric: unknown metric '{metric}'{hint}; allowed: {', '.join(allowed)}")
    if text is None:
        return None
    try:
        return parse_precision(text, metric)
    except ValueError as exc:
        fail(str(exc))


def _plan(plan: float | None) -> float | None:
    if plan is not None and not (math.isfinite(plan) and plan > 0):
        fail(f"--plan must be a positive amount a month, got {plan:g}")
    return plan


def _run_measured(lab: Lab, variants: list[Variant], warmup: float | str | None,
                  replications: int, precision: Precision | None, max_replications: int,
                  plan: float | None) -> tuple[list[Variant], Replicated, dict[str, Any]]:
    """Settle the warm-up (MSER-5 on the base's runs for 'auto'), then replicate."""
    if warmup == "auto":
        pilot = lab.records(variants[:1], replications)
        detected = detect_warmup(pilot[0])
        try:
            variants = _normalise(variants, lab.seed, None, float(detected.days))
        except ExperimentError as exc:
            fail(f"--warmup auto: {exc}")
    result = replicate_variants(lab, variants, replications, precision, max_replications, plan)
    detected = detect_warmup(result.records[0])
    base = variants[0].scenario
    return variants, result, warmup_report(detected, base.warmup_days, base.horizon_days)


def _experiment_info(kind: str, backend: Backend, lab: Lab, started: float,
                     argv: Sequence[str]) -> dict[str, Any]:
    """What differs between identical experiments lives here, not in the results."""
    return {
        "salesim_version": salesim_version(), "command": kind, "arguments": list(argv),
        "backend": backend.description, "workers": backend.workers,
        "runs_simulated": lab.executed,
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "elapsed_seconds": round(time.perf_counter() - started, 3),
        "python": sys.version.split()[0],
    }



def csv_file(frame: pd.DataFrame) -> Callable[[Path], None]:
    """A tidy CSV writer with enough digits for money (10 significant)."""
    def write(path: Path) -> None:
        frame.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
    return write


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
    report: Annotated[bool, typer.Option(
        "--report", help="Also write the comparison report into the folder: report.html, "
        "report.md and their charts (see docs/reports.md).")] = False,
    locale: LocaleOption = None,
) -> None:
    """Compare variants on common random numbers: paired differences with 95% CIs and a verdict."""
    started = time.perf_counter()
    plan = _plan(plan)
    warm = _warmup_option(warmup)
    try:
        variants = load_variants(files)
        if len(variants) < 2:
            raise ExperimentError("compare needs at least two variants: two scenario files, or "
                                  "a variant-set file with at least one variant")
        seed_value = variants[0].scenario.seed if seed is None else seed
        variants = _normalise(variants, seed_value, days,
                              warm if isinstance(warm, float) else None)
    except ExperimentError as exc:
        fail(str(exc))
    base = variants[0].scenario
    prec = _precision(precision, metric, base, plan)
    target = _target(out_dir, base.name, "compare", force)
    identity = {"variants": [v.key for v in variants], "warmup": warmup}
    with _session("compare", f"Comparing {len(variants)} variants", target, identity,
                  seed_value, jobs, scheduler) as (lab, backend):
        variants, result, warm_doc = _run_measured(lab, variants, warm, replications, prec,
                                                   max_replications, plan)
    doc = compare_document(variants, result.records, seed=seed_value,
                           replications=result.replications, plan=plan,
                           precision=result.precision, warmup=warm_doc)
    metrics = [m["key"] for m in metric_catalogue(variants, plan)]
    files_out: dict[str, Callable[[Path], None]] = {
        "compare.json": json_writer(doc),
        "runs.csv": csv_file(runs_table([v.name for v in variants], result.records, metrics,
                                        plan=plan)),
        "summary.csv": csv_file(summary_table(doc)),
    }
    for v in variants:
        files_out[variant_file(v.name)] = scenario_writer(v.scenario)
    files_out["experiment.json"] = json_writer(
        _experiment_info("compare", backend, lab, started, sys.argv[1:]))
    _finish(target, files_out, force, lab.store)
    language = chosen_locale(locale, base.locale)
    _print_compare(doc, target, number_format(language, base.currency), Labels(base, language))
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
    out.print(f"Report written to [bold]{written[0]}[/bold]")


def _pm(est: dict[str, Any], nf: NumberFormat | None = None, *, signed: bool = False) -> str:
    """``mean ± half-width``, rounded to two significant digits of the half-width."""
    nf = nf or number_format()
    low, high = est["ci95"]
    if est["mean"] is None:
        return nf.number(None)
    half = (high - low) / 2 if low is not None and high is not None else None
    m, h, digits = ci_rounding(est["mean"], half)
    mean = nf.signed(m, digits) if signed else nf.number(m, digits)
    return mean if h is None else f"{mean} ± {nf.number(h, digits)}"


def _where(b: dict[str, Any], labels: Labels | None = None) -> str:
    """The bottleneck in a table cell: ``Lead development (Hunters)``."""
    labels = labels or Labels(None)
    if b["kind"] == "capacity":
        return f"{labels.stage(b['stage'])} ({labels.role(b['role'])})"
    return "no team holds it back" if b["kind"] == "conversion" else "none"


def _print_compare(doc: dict[str, Any], target: Path, nf: NumberFormat, labels: Labels
                   ) -> None:
    cur = doc["currency"]
    out.print(f"[bold]Compare[/bold] — base {doc['base']}, {doc['replications']} paired "
              f"replications, seed {doc['seed']}, {doc['horizon_days']:g} days (mean ± 95% CI)")
    table = Table(title_justify="left")
    for col in ("variant", f"revenue, {cur}/month", f"profit, {cur}/month",
                f"Δ profit vs base, {cur}/month", "won/month", "bottleneck", "stable"):
        table.add_column(col, justify="left" if col in ("variant", "bottleneck", "stable")
                         else "right")
    for v in doc["variants"]:
        m = v["means"]
        delta = ("(base)" if v["is_base"]
                 else _pm(v["differences"]["profit_per_month"], nf, signed=True))
        table.add_row(v["name"], _pm(m["revenue_per_month"], nf), _pm(m["profit_per_month"], nf),
                      delta, _pm(m["won_per_month"], nf), _where(v["bottleneck"], labels),
                      _stable_cell(v["stability"]))
    out.print(table)
    for v in doc["variants"][1:]:
        out.print(v["verdict"], markup=False)
    _print_unstable(doc["variants"])
    _print_notes(doc)
    out.print(f"Results written to [bold]{target}/[/bold]")


def _stable_cell(stability: dict[str, Any]) -> str:
    """'yes', or '[red]NO: 3/10 runs[/red]': whether the variant's queues stay bounded."""
    if stability["stable"]:
        return "yes"
    return (f"[bold red]NO: {stability['unstable_replications']}/{stability['replications']} "
            f"runs[/bold red]")


def _print_unstable(variants: Sequence[dict[str, Any]]) -> None:
    """One line per variant whose queues grow without bound (the table's 'stable' column)."""
    for v in variants:
        if not v["stability"]["stable"]:
            out.print(f"[bold red]⚠ {escape(v['name'])}: {escape(v['stability']['text'])}; its "
                      f"figures at the horizon depend on how long you simulate.[/bold red]")


def _print_notes(doc: dict[str, Any]) -> None:
    p = doc.get("precision")
    if p:
        state = "reached" if p["met"] else "NOT reached (raise --max-replications)"
        out.print(f"Precision target for {p['metric']} {state} with {p['replications']} "
                  f"replications.")
    w = doc.get("warmup")
    if w:
        reliable = "" if w["reliable"] else " (not settled: treat with care)"
        out.print(f"Warm-up (MSER-5 on deals won per day): {w['detected_days']} days detected"
                  f"{reliable}; {w['applied_days']:g} days cut from the measured window.")


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
) -> None:
    """Run a grid of variants: one tidy row per variant × replication, and means with CIs."""
    started = time.perf_counter()
    plan = _plan(plan)
    warm = _warmup_option(warmup)
    base = _load_base(scenario_path)
    try:
        axes: list[Axis] = [parse_vary(v) for v in vary]
        seed_value = base.seed if seed is None else seed
        base = with_settings(base, seed=seed_value, days=days,
                             warmup_days=warm if isinstance(warm, float) else None,
                             source=str(scenario_path))
        variants = grid(base, axes)
    except ExperimentError as exc:
        fail(str(exc))
    prec = _precision(precision, metric, base, plan)
    target = _target(out_dir, base.name, "sweep", force)
    identity = {"variants": [v.key for v in variants], "warmup": warmup}
    with _session("sweep", f"Sweeping {len(variants)} variants", target, identity, seed_value,
                  jobs, scheduler) as (lab, backend):
        variants, result, warm_doc = _run_measured(lab, variants, warm, replications, prec,
                                                   max_replications, plan)
    doc = sweep_document(base.name, axes, variants, result.records, seed=seed_value,
                         replications=result.replications, plan=plan,
                         precision=result.precision, warmup=warm_doc)
    metrics = [m["key"] for m in metric_catalogue(variants, plan)]
    files_out = {
        "sweep.json": json_writer(doc),
        "runs.csv": csv_file(sweep_runs_table(axes, variants, result.records, metrics, plan)),
        "summary.csv": csv_file(sweep_summary_table(doc)),
        "scenario.yaml": scenario_writer(base),
        "experiment.json": json_writer(_experiment_info("sweep", backend, lab, started,
                                                        sys.argv[1:])),
    }
    _finish(target, files_out, force, lab.store)
    _print_sweep(doc, target)


def _print_sweep(doc: dict[str, Any], target: Path) -> None:
    cur = doc["currency"]
    out.print(f"[bold]Sweep[/bold] of {doc['base']} — {len(doc['variants'])} variants × "
              f"{doc['replications']} replications, seed {doc['seed']} (mean ± 95% CI)")
    table = Table(title_justify="left")
    paths = [a["path"] for a in doc["axes"]]
    for p in paths:
        table.add_column(p, justify="right")
    for col in (f"revenue, {cur}/month", f"profit, {cur}/month", "won/month", "bottleneck",
                "stable"):
        table.add_column(col, justify="left" if col in ("bottleneck", "stable") else "right")
    for v in doc["variants"]:
        m = v["means"]
        table.add_row(*(str(v["values"][p]) for p in paths), _pm(m["revenue_per_month"]),
                      _pm(m["profit_per_month"]), _pm(m["won_per_month"]),
                      _where(v["bottleneck"]), _stable_cell(v["stability"]))
    out.print(table)
    _print_unstable(doc["variants"])
    _print_notes(doc)
    out.print(f"Results written to [bold]{target}/[/bold]")


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
) -> None:
    """Value +1 person and a faster process in every role, ranked by profit per rouble."""
    started = time.perf_counter()
    warm = _warmup_option(warmup)
    base = _load_base(scenario_path)
    try:
        seed_value = base.seed if seed is None else seed
        base = with_settings(base, seed=seed_value, days=days,
                             warmup_days=warm if isinstance(warm, float) else None,
                             source=str(scenario_path))
        if not working_roles(base):
            raise ExperimentError(f"{scenario_path}: no role does any step; nothing to value")
        found = levers(base, faster)
    except ExperimentError as exc:
        fail(str(exc))
    prec = _precision(precision, metric, base, None)
    target = _target(out_dir, base.name, "whatif", force)
    variants = [Variant(base.name, base, str(scenario_path)), *(lv.variant for lv in found)]
    identity = {"variants": [v.key for v in variants], "warmup": warmup}
    with _session("whatif", f"Valuing {len(found)} levers", target, identity, seed_value, jobs,
                  scheduler) as (lab, backend):
        variants, result, warm_doc = _run_measured(lab, variants, warm, replications, prec,
                                                   max_replications, None)
    if warm == "auto":  # the levers were re-derived with the warm-up: keep them in step
        found = [type(lv)(lv.role, lv.kind, v, lv.added_cost_per_month)
                 for lv, v in zip(found, variants[1:], strict=True)]
    doc = whatif_document(variants[0], found, result.records, seed=seed_value,
                          replications=result.replications, faster=faster,
                          precision=result.precision, warmup=warm_doc)
    metrics = [m["key"] for m in metric_catalogue(variants, None)]
    files_out = {
        "whatif.json": json_writer(doc),
        "tornado.csv": csv_file(tornado_table(doc)),
        "runs.csv": csv_file(runs_table([v.name for v in variants], result.records, metrics)),
        "scenario.yaml": scenario_writer(variants[0].scenario),
        "experiment.json": json_writer(_experiment_info("whatif", backend, lab, started,
                                                        sys.argv[1:])),
    }
    _finish(target, files_out, force, lab.store)
    _print_whatif(doc, target)


def _print_whatif(doc: dict[str, Any], target: Path) -> None:
    cur = doc["currency"]
    by_name = {r["name"]: r for r in doc["levers"]}
    out.print(f"[bold]What if[/bold] — {doc['base']}, {doc['replications']} paired replications "
              f"(effect a month ± 95% CI)")
    hires = Table(title="+1 person, ranked by profit per rouble of added payroll",
                  title_justify="left")
    bottleneck = doc["bottleneck"]
    out.print(f"Queue screen: {bottleneck['screen']['verdict']}", markup=False)
    out.print(bottleneck["sentence"], markup=False)
    out.print(bottleneck["headline"], style="bold", markup=False)
    for col in ("#", "role", f"added payroll, {cur}/month", f"Δ profit, {cur}/month",
                f"Δ revenue, {cur}/month", "profit per rouble", "bottleneck after", "stable"):
        hires.add_column(col, justify="left" if col in ("role", "bottleneck after", "stable")
                         else "right")
    for i, name in enumerate(doc["ranking"]["hires"], 1):
        r = by_name[name]
        pr = r["profit_per_rouble"]
        nf = number_format()
        hires.add_row(str(i), r["role"], nf.integer(r["added_cost_per_month"]),
                      _pm(r["delta_profit_per_month"], signed=True),
                      _pm(r["delta_revenue_per_month"], signed=True),
                      nf.signed(None if pr is None else pr["mean"], 2),
                      _after(r["bottleneck"]), _stable_cell(r["stability"]))
    out.print(hires)
    faster = Table(title=f"{doc['faster_share']:.0%} less work per step, ranked by profit "
                         f"(what the improvement is worth a month)", title_justify="left")
    for col in ("#", "role", f"Δ profit, {cur}/month", f"Δ revenue, {cur}/month"):
        faster.add_column(col, justify="left" if col == "role" else "right")
    for i, name in enumerate(doc["ranking"]["improvements"], 1):
        r = by_name[name]
        faster.add_row(str(i), r["role"], _pm(r["delta_profit_per_month"], signed=True),
                       _pm(r["delta_revenue_per_month"], signed=True))
    out.print(faster)
    _print_unstable(doc["comparison"]["variants"])
    _print_notes(doc["comparison"])
    out.print(f"Results written to [bold]{target}/[/bold]")


def _after(b: dict[str, Any]) -> str:
    """A lever's "bottleneck after" cell: stays at the confirmed one, or moves to the screen's."""
    where = f"{b['stage']} ({b['role']})" if b["kind"] == "capacity" else f"none ({b['kind']})"
    return f"moves to {where} (screen)" if b["moved"] else f"stays: {where}"


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
) -> None:
    """Find the headcount per role with the best expected profit, or the cheapest that meets
    the constraints, within a budget."""
    started = time.perf_counter()
    plan = _plan(plan)
    warm = _warmup_option(warmup)
    if warm == "auto":
        fail("--warmup auto is not available for optimize; detect it with compare or sweep "
              "and pass --warmup DAYS")
    base = _load_base(scenario_path)
    try:
        seed_value = base.seed if seed is None else seed
        base = with_settings(base, seed=seed_value, days=days,
                             warmup_days=warm if isinstance(warm, float) else None,
                             source=str(scenario_path))
        problem = _problem(base, objective, constraint or [], budget or [], roles,
                           ranges or [], plan)
        for warning in check_replications(problem.constraints, replications):
            err.print(f"warning: {escape(warning)}")
    except ExperimentError as exc:
        fail(str(exc))
    target = _target(out_dir, base.name, "optimize", force)
    identity = {"base": scenario_key(base), "roles": problem.roles}
    method = ("exhaustive" if exhaustive else
              "marginal analysis (greedy, pairs when no single hire pays) then local search "
              "(±1, then two roles at once), common random numbers")
    with _session("optimize", "Optimising staffing", target, identity, seed_value, jobs,
                  scheduler) as (lab, backend):
        opt = Optimizer(problem, lab, replications)
        try:
            best = opt.exhaustive() if exhaustive else opt.search()
            current_staffing = tuple(base.role(r).headcount for r in problem.roles)
            current = opt.evaluate([current_staffing])[0]
        except ExperimentError as exc:
            fail(str(exc))
    if not best.feasible:
        lab.store.discard()
        shares = "; ".join([f"{c.text} met in {s[1]:.0%}"
                            for c, s in zip(problem.constraints, best.statuses, strict=True)]
                           + ([] if best.stable else
                              [f"unstable in {best.unstable_share:.0%} of replications "
                               f"({best.rejected([])})"]))
        fail(f"no staffing within the ranges and budget meets the constraints with every queue "
             f"stable (closest: {best.variant.name}: {shares}); widen --range or --budget, or "
             f"relax them")
    doc = optimize_document(opt, best, current, seed=seed_value, method=method)
    files_out = {
        "optimize.json": json_writer(doc),
        "candidates.csv": csv_file(pd.DataFrame(candidates_rows(opt))),
        "best.yaml": scenario_writer(best.variant.scenario),
        "experiment.json": json_writer(_experiment_info("optimize", backend, lab, started,
                                                        sys.argv[1:])),
    }
    _finish(target, files_out, force, lab.store)
    out.print(doc["verdict"], markup=False)
    out.print(f"{doc['search']['staffings_evaluated']} staffings evaluated "
              f"({doc['search']['runs']} runs). Results written to [bold]{target}/[/bold]")


def _problem(base: Scenario, objective: str, constraints: list[str], budgets: list[str],
             roles: str | None, ranges: list[str], plan: float | None) -> Problem:
    goal: Objective
    if objective == "profit":
        goal = "profit"
    elif objective == "cost":
        goal = "cost"
    else:
        raise ExperimentError(f"--objective must be profit or cost, not {objective!r}")
    metrics = constraint_metrics(base, plan)
    parsed = [parse_constraint(c, metrics) for c in constraints]
    if goal == "cost" and not parsed:
        raise ExperimentError("--objective cost needs at least one --constraint (else the "
                              "cheapest staffing is the smallest)")
    budget: Budget = parse_budget(budgets)
    names = [r.name for r in base.roles]
    if roles is None:
        chosen = working_roles(base)
    else:
        chosen = [r.strip() for r in roles.split(",") if r.strip()]
        unknown = [r for r in chosen if r not in names]
        if unknown or not chosen:
            raise ExperimentError(f"--roles: unknown role '{unknown[0] if unknown else roles}'; "
                                  f"allowed: {', '.join(names)}")
    if not chosen:
        raise ExperimentError("no role does any step; nothing to staff")
    bounds = dict(zip(chosen, default_bounds(base, chosen), strict=True))
    for item in ranges:
        role, eq, text = item.partition("=")
        role = role.strip()
        lo_text, dots, hi_text = text.partition("..")
        if role not in bounds:
            raise ExperimentError(f"--range {item!r}: '{role}' is not among the roles staffed "
                                  f"({', '.join(chosen)})")
        try:
            lo, hi = int(lo_text), int(hi_text)
        except ValueError:
            lo, hi = -1, -1
        if not eq or not dots or lo < 0:
            raise ExperimentError(f"--range {item!r}: expected ROLE=LOW..HIGH with whole "
                                  f"numbers ≥ 0")
        if hi < lo:
            raise ExperimentError(f"--range {item!r}: empty range ({lo} is above {hi})")
        bounds[role] = (lo, hi)
    return Problem(base, chosen, [bounds[r] for r in chosen], goal, parsed, budget, plan)


# -- wiring --------------------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Add ``compare``, ``sweep``, ``whatif`` and ``optimize`` to the main CLI.

    Args:
        app: The main typer application.
    """
    for command in (compare, sweep, whatif, optimize):
        app.command(cls=OneLineErrors)(command)

