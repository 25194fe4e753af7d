"""The ``salesim`` command: the only module that prints or exits."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import time
from dataclasses import dataclass, replace
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

from salesim.scenarios import shipped_scenario
from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, chosen_locale, fail
from salesim.simulator.cli.experiments import register as register_experiment_commands
from salesim.simulator.cli.plan import register as register_plan_commands
from salesim.simulator.cli.report import register as register_report_commands
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
from salesim.simulator.metrics.summary import aggregate_table, summary
from salesim.simulator.metrics.verdict import bottleneck_text, screen_verdict
from salesim.simulator.numbers import NumberFormat, number_format
from salesim.simulator.plans.forecast import plan_tables
from salesim.simulator.runner import replicate
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.run_folder import (
    OutputError,
    check_target,
    csv_writer,
    default_out_dir,
    events_writer,
    json_writer,
    salesim_version,
    scenario_writer,
    write_folder,
)
from salesim.simulator.units import HIGH_UTILIZATION

DEFAULT_SCENARIO = Path("scenarios/b2b_baseline.yaml")


def _default_scenario() -> Path:
    """The default scenario: ./scenarios/… if present, else the one installed with salesim."""
    if DEFAULT_SCENARIO.exists():
        return DEFAULT_SCENARIO
    return shipped_scenario(DEFAULT_SCENARIO.name)

app = typer.Typer(
    name="salesim",
    help="Simulate a B2B sales department: funnel, queues, utilisation and the bottleneck.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False)
if not out.is_terminal:  # piped or captured: wide enough for the funnel table
    out = Console(highlight=False, width=120)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _load(path: Path, seed: int | None = None, days: float | None = None) -> Scenario:
    try:
        scenario = load_scenario(path)
        if seed is not None or days is not None:
            scenario = _override(scenario, path, seed, days)
        return scenario
    except ScenarioError as exc:
        fail(str(exc))


def _override(scenario: Scenario, path: Path, seed: int | None, days: float | None) -> Scenario:
    try:
        return scenario.with_overrides(seed=seed, days=days)
    except ScenarioError as exc:
        option = "--seed" if exc.path == "seed" else "--days"
        message = f"{option}: {exc.message}"
        if option == "--days" and exc.path == "horizon_days" and days is not None \
                and scenario.warmup_days:
            message = (f"--days: the {scenario.warmup_days:g}-day warm-up plus {days:g} "
                       f"measured days: {exc.message}")
        raise ScenarioError(message, source=str(path)) from None


@app.command(cls=OneLineErrors)
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
) -> None:
    """Simulate a scenario and write its results (default: scenarios/b2b_baseline.yaml).

    The bottleneck is first screened by where leads queue, then confirmed by simulation: one
    more person in each of the screen's leading roles, on the same random numbers; the
    bottleneck is the role whose relief raises revenue most, significantly (docs/model.md).
    """
    scenario_path = scenario_path or _default_scenario()
    scenario = _load(scenario_path, seed, days)
    target = out_dir or default_out_dir(scenario.name)
    try:
        check_target(target, force)
    except OutputError as exc:
        fail(str(exc))
    started = time.perf_counter()
    runs = _simulate(scenario, replications, jobs)
    elapsed = time.perf_counter() - started
    metrics = [r.metrics for r in runs]
    doc = summary(organised(scenario), scenario.seed, metrics)
    check = None if quick else _confirm(scenario, runs, doc["bottleneck"], confirm_replications,
                                        jobs)
    doc["bottleneck"] = bottleneck_document(doc["bottleneck"],
                                            None if check is None else check.confirmation,
                                            (doc.get("stability") or {}).get("warning"))
    files = {
        "summary.json": json_writer(doc),
        "stages.csv": csv_writer(aggregate_table([m.stages for m in metrics], ["stage"])),
        "steps.csv": csv_writer(aggregate_table([m.steps for m in metrics], ["stage", "step"])),
        "losses.csv": csv_writer(aggregate_table([m.losses for m in metrics],
                                                 ["stage", "step", "reason"])),
        "roles.csv": csv_writer(aggregate_table([m.roles for m in metrics], ["role"])),
        "people.csv": csv_writer(aggregate_table([m.people for m in metrics],
                                                 ["staff_id", "role"])),
        "channels.csv": csv_writer(aggregate_table([m.channels for m in metrics], ["channel"])),
        "monthly.csv": csv_writer(aggregate_table([m.monthly for m in metrics], ["month"])),
        "pnl.csv": csv_writer(aggregate_table([m.pnl for m in metrics], ["month"])),
        "cash.csv": csv_writer(aggregate_table([m.cash for m in metrics], ["month"])),
        "clients.csv": csv_writer(aggregate_table([m.clients for m in metrics], ["segment"])),
        "activity.csv": csv_writer(aggregate_table([m.activity for m in metrics],
                                                   ["staff_id", "role", "stage", "step"])),
        "warnings.csv": csv_writer(aggregate_table([m.warnings for m in metrics],
                                                   ["stage", "step", "staff_id"])),
        "ranking.csv": csv_writer(metrics[0].ranking),
        "payroll.csv": csv_writer(_payroll_table([m.payroll for m in metrics])),
        "events.csv.gz": events_writer(scenario, [r.result.events for r in runs]),
        "scenario.yaml": scenario_writer(scenario),
        "run.json": json_writer(_run_info(scenario_path, replications, elapsed, check)),
    }
    # plan/fact and forecast accuracy of replication 0, the plain run (Decimal kopecks)
    plain = runs[0].result
    for name, table in plan_tables(plain.events, plain.scenario, plain.staff).items():
        files[f"{name}.csv"] = csv_writer(table)
    try:
        write_folder(target, files, force)
    except OutputError as exc:
        fail(str(exc))
    language = chosen_locale(locale, scenario.locale)
    _print_run(scenario, doc, replications, language)
    if check is not None:
        cost = (f"; confirming the bottleneck took {check.runs} more runs, "
                f"{check.seconds:.1f} s")
    else:
        cost = "; bottleneck by the queue screen alone (--quick)" if quick else ""
    out.print(f"\nSimulated {replications} × {scenario.horizon_days:g} days in {elapsed:.1f} s"
              f"{cost}. Results written to [bold]{target}/[/bold]")
    if report:
        from salesim.reports import ReportError, build_report

        try:
            paths = build_report(target, force=force, locale=language)
        except ReportError as exc:
            fail(str(exc))
        out.print(f"Report: [bold]{paths[0]}[/bold]")


def _payroll_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Exact kopecks for one run; means (as floats) with CIs over replications."""
    if len(tables) == 1:
        return tables[0]
    as_float = [t.assign(**{c: t[c].astype(float) for c in t.columns
                            if c not in ("month", "staff_id", "role")}) for t in tables]
    return aggregate_table(as_float, ["month", "staff_id", "role"])


def _simulate(scenario: Scenario, replications: int, jobs: int | None) -> list[Any]:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
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
    with open_backend(jobs) as backend, _progress() as progress:
        task = progress.add_task("Confirming the bottleneck", total=0)
        lab = Lab(backend, scenario.seed, progress=_LabProgress(progress, task))
        try:
            confirmation = confirm_bottleneck(scenario, scenario.seed, screen,
                                              max(replications, len(runs)),
                                              DEFAULT_CANDIDATES, lab, records)
        except Interrupted:
            typer.echo("interrupted: nothing written", err=True)
            raise typer.Exit(code=130) from None
    return _Check(confirmation, lab.executed, time.perf_counter() - started)


class _LabProgress:
    """The Lab's progress sink on a rich progress bar."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task, self.total = progress, task, 0

    def add(self, total: int) -> None:
        self.total += total
        self.progress.update(self.task, total=self.total)

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total} runs"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=True,
                    disable=not err.is_terminal)


def _run_info(path: Path, replications: int, elapsed: float,
              check: _Check | None = None) -> dict[str, Any]:
    """What varies between identical runs lives here, not in summary.json."""
    return {
        "salesim_version": salesim_version(),
        "scenario_file": str(path),
        "replications": replications,
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "elapsed_seconds": round(elapsed, 3),
        "confirmation": None if check is None else {
            "runs_simulated": check.runs, "elapsed_seconds": round(check.seconds, 3)},
        "python": sys.version.split()[0],
    }



# -- printing -------------------------------------------------------------------------------------


def _ci(item: dict[str, Any], key: str, fmt: Any) -> str:
    """``value ± half-width`` of the 95% CI when the run had replications."""
    text: str = fmt(item.get(key))
    ci = item.get(f"{key}_ci95")
    if ci and ci[0] is not None and ci[1] is not None:
        text += f" ± {fmt((ci[1] - ci[0]) / 2)}"
    return text


def _print_run(scenario: Scenario, doc: dict[str, Any], replications: int, locale: str) -> None:
    nf = number_format(locale, scenario.currency)
    labels = Labels(scenario, locale)
    leads = doc["leads"]
    start = scenario.calendar.start_date
    w0 = start + dt.timedelta(days=float(scenario.warmup_days))
    w1 = start + dt.timedelta(days=float(scenario.horizon_days))
    warm = (f" after a {nf.number(scenario.warmup_days)}-day warm-up"
            if scenario.warmup_days else "")
    head = (f"[bold]{scenario.name}[/bold] — {w0:%d %b %Y} to {w1:%d %b %Y}{warm}, "
            f"seed {doc['seed']}"
            + (f", {replications} replications (mean ± 95% margin of error)"
               if replications > 1 else ""))
    out.print(head)
    stability = doc.get("stability") or {}
    if stability.get("warning"):  # first, before any figure that it puts in doubt
        out.print(f"[bold red]⚠ Not sustainable. {escape(stability['warning'])}[/bold red]")
    out.print(f"Leads: {_ci(leads, 'generated', nf.integer)} generated, "
              f"{_ci(leads, 'won', nf.integer)} won, {_ci(leads, 'lost', nf.integer)} lost, "
              f"{_ci(leads, 'in_progress', nf.integer)} in progress. "
              f"Revenue {_ci(doc, 'revenue', nf.money)}; average deal "
              f"{nf.money(doc['average_deal'])}; lead→deal {nf.pct(doc['lead_to_deal'], 1)}.")

    def pct(value: float | None) -> str:
        return nf.pct(value)

    def one(value: float | None) -> str:
        return nf.number(value, 1)

    funnel = Table(title="Funnel by stage", title_justify="left")
    widest = max((len(labels.stage(s["name"])) for s in doc["stages"]), default=5)
    funnel.add_column("stage", no_wrap=True, min_width=widest)
    for col in ("entered", "moved on", "lost", "cooled", "share moved on", "wait, days",
                "cycle, days", "in stage", "late (SLA)"):
        funnel.add_column(col, justify="right")
    for s in doc["stages"]:
        funnel.add_row(labels.stage(s["name"]), _ci(s, "entered", nf.integer),
                       _ci(s, "converted", nf.integer), _ci(s, "lost", nf.integer),
                       nf.integer(s["lost_cooled"]), _ci(s, "conversion", pct),
                       _ci(s, "wait_days_mean", one), _ci(s, "cycle_days_mean", one),
                       one(s["wip_mean"]), nf.integer(s["sla_breaches"]))
    out.print(funnel)

    roles = Table(title="Teams", title_justify="left")
    for col, justify in (("team", "left"), ("people", "right"), ("busy", "right"),
                         ("", "left"), ("leads waiting (avg)", "right")):
        roles.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in doc["roles"]:
        u = r["utilization"] or 0.0
        bar = "█" * round(min(u, 1.0) * 20)
        colour = "red" if u >= HIGH_UTILIZATION else "yellow" if u >= 0.7 else "green"
        roles.add_row(labels.role(r["name"]), nf.integer(r["headcount"]),
                      _ci(r, "utilization", pct), f"[{colour}]{bar}[/{colour}]",
                      one(r["queue_mean"]))
    out.print(roles)
    b = doc["bottleneck"]
    agreement = b.get("agreement")
    votes = (round(agreement * replications), replications) if agreement is not None else None
    confirmation = b.get("confirmation")
    screen = screen_verdict(b)
    screen_text = bottleneck_text(screen, scenario, locale, agreement=votes)
    if confirmation is None:
        out.print(screen_text, style="bold", markup=False)
    else:
        out.print(f"Queue screen: {screen_text}", markup=False)
        out.print(confirmation["sentence"], markup=False)
        out.print(confirmation["headline"], style="bold", markup=False)
        hint = _inconclusive(confirmation)
        if hint:
            out.print(hint, markup=False)
    if stability.get("stable"):  # an unstable run's warning is printed first
        out.print(_stability_line(stability))


def _inconclusive(confirmation: dict[str, Any]) -> str:
    """A hint when the most promising relief might pay but too few replications tell."""
    if confirmation["chosen"] is not None:
        return ""
    open_ = [c for c in confirmation["candidates"]
             if (c["delta_revenue_per_month"]["mean"] or 0) > 0 and not c["significant"]]
    if not open_:
        return ""
    best = max(open_, key=lambda c: c["delta_revenue_per_month"]["mean"])
    est = best["delta_revenue_per_month"]
    r = confirmation["replications"]
    half = est["half_width"] or math.inf
    needed = min(100, math.ceil(r * (half / est["mean"]) ** 2) + 1) if math.isfinite(half) \
        else 2 * r
    return (f"Inconclusive for {best['role']}: its mean gain is positive but {r} replications "
            f"cannot tell it from zero; about {max(needed, r + 1)} would "
            f"(--confirm-replications {max(needed, r + 1)}).")


def _stability_line(stability: dict[str, Any]) -> str:
    """One line for a stable run: every queue is served, and which ones to watch."""
    watch = "; ".join(
        f"{w['stage']} ({w['role']}) — {w['reason']}"
        + (f", busy {w['utilization_last_quarter']:.0%} in the last quarter"
           if w.get("utilization_last_quarter") is not None else "")
        + (f", in {w['share']:.0%} of replications" if "share" in w else "")
        for w in stability.get("watch", []))
    return "Stability: every queue is served" + (f"; to watch: {escape(watch)}." if watch
                                                  else ".")


def _money(nf: NumberFormat, value: float | None) -> str:
    return nf.money(value)


# -- validate, schema -----------------------------------------------------------------------------


@app.command(cls=OneLineErrors)
def validate(scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                           help="Scenario YAML file.")],
             locale: LocaleOption = None) -> None:
    """Check a scenario file and show what it describes."""
    s = _load(scenario_path)
    nf = number_format(chosen_locale(locale, s.locale), s.currency)
    out.print(f"[green]✓[/green] {scenario_path} is a valid scenario: [bold]{s.name}[/bold]")
    if s.description:
        out.print(s.description)
    cal = s.calendar
    out.print(f"Calendar: from {cal.start_date}, {', '.join(cal.weekdays)} {cal.hours}, "
              f"{len(cal.holidays)} holidays; horizon {s.horizon_days:g} days"
              f"{f', warm-up {s.warmup_days:g}' if s.warmup_days else ''}; seed {s.seed}; "
              f"segments {', '.join(s.segments)}.")
    for c in s.channels:
        unit = "working day" if c.per == "working_day" else "calendar day"
        cost = _money(nf, c.cost_per_lead)
        out.print(f"Channel {c.name}: {c.rate:g} leads per {unit}, {cost} per lead"
                  + (", seasonal" if c.seasonality else ""))
    for r in s.roles:
        own = " (own calendar)" if r.calendar else ""
        out.print(f"Role {r.name}: {r.headcount} people, "
                  f"{_money(nf, r.salary_per_month)} a month{own}")
    win = s.win_step()
    for si, stage in enumerate(s.stages):
        steps = []
        for ki, step in enumerate(stage.steps):
            who = step.role or "client"
            mark = " [won here]" if (si, ki) == win else ""
            steps.append(f"{step.name} ({who}){mark}")
        out.print(f"Stage {si + 1} {stage.name} [{stage.assignment}]: " + " → ".join(steps),
                  markup=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


register_plan_commands(app)
register_experiment_commands(app)
register_report_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()
