"""``salesim validate`` and ``salesim schema``, and loading the scenario a command names."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from salesim.scenarios import shipped_scenario
from salesim.simulator.cli.console import out
from salesim.simulator.cli.errors import LocaleOption, OneLineErrors, chosen_locale, fail
from salesim.simulator.engine.budget import DEFAULT_MAX_MEMORY_GB, BudgetError, check_budget
from salesim.simulator.numbers import NumberFormat, number_format
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario

__all__ = ["MaxMemoryOption", "budget_or_fail", "default_scenario", "load_or_fail", "register"]

MaxMemoryOption = Annotated[float, typer.Option(
    "--max-memory-gb", min=0, max=1e6,
    help="Refuse a run whose estimated memory (leads × events × replications, estimated from "
         "the scenario before simulating) passes this many GB; 0: no limit.")]

DEFAULT_SCENARIO = Path("scenarios/b2b_baseline.yaml")


def default_scenario() -> Path:
    """The default scenario: ./scenarios/… if present, else the one installed with salesim."""
    if DEFAULT_SCENARIO.exists():
        return DEFAULT_SCENARIO
    return shipped_scenario(DEFAULT_SCENARIO.name)


def load_or_fail(path: Path, seed: int | None = None, days: float | None = None) -> Scenario:
    """The scenario at ``path`` with --seed/--days applied, or one line naming the fault."""
    try:
        scenario = load_scenario(path)
        if seed is not None or days is not None:
            scenario = _override(scenario, path, seed, days)
        return scenario
    except ScenarioError as exc:
        fail(str(exc))


def budget_or_fail(scenario: Scenario, path: Path, replications: int = 1,
                   max_memory_gb: float = DEFAULT_MAX_MEMORY_GB) -> None:
    """Refuse, in one line naming the estimate and the limit, a run past the memory budget."""
    try:
        check_budget(scenario, replications, max_memory_gb)
    except BudgetError as exc:
        fail(f"{path}: {exc}")


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


def _money(nf: NumberFormat, value: float | None) -> str:
    return nf.money(value)


def validate(scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO",
                                                           help="Scenario YAML file.")],
             locale: LocaleOption = None) -> None:
    """Check a scenario file and show what it describes."""
    s = load_or_fail(scenario_path)
    nf = number_format(chosen_locale(locale, s.locale), s.currency)
    out().print(f"[green]✓[/green] {scenario_path} is a valid scenario: [bold]{s.name}[/bold]")
    if s.description:
        out().print(s.description)
    cal = s.calendar
    out().print(f"Calendar: from {cal.start_date}, {', '.join(cal.weekdays)} {cal.hours}, "
              f"{len(cal.holidays)} holidays; horizon {s.horizon_days:g} days"
              f"{f', warm-up {s.warmup_days:g}' if s.warmup_days else ''}; seed {s.seed}; "
              f"segments {', '.join(s.segments)}.")
    for c in s.channels:
        unit = "working day" if c.per == "working_day" else "calendar day"
        cost = _money(nf, c.cost_per_lead)
        out().print(f"Channel {c.name}: {c.rate:g} leads per {unit}, {cost} per lead"
                  + (", seasonal" if c.seasonality else ""))
    for r in s.roles:
        own = " (own calendar)" if r.calendar else ""
        out().print(f"Role {r.name}: {r.headcount} people, "
                  f"{_money(nf, r.salary_per_month)} a month{own}")
    win = s.win_step()
    for si, stage in enumerate(s.stages):
        steps = []
        for ki, step in enumerate(stage.steps):
            who = step.role or "client"
            mark = " [won here]" if (si, ki) == win else ""
            steps.append(f"{step.name} ({who}){mark}")
        out().print(f"Stage {si + 1} {stage.name} [{stage.assignment}]: " + " → ".join(steps),
                  markup=False)


def schema() -> None:
    """Print the JSON Schema of the scenario format."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``schema`` to the main CLI."""
    app.command(cls=OneLineErrors)(validate)
    app.command()(schema)
