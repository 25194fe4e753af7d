"""The tables ``salesim plan`` prints: daily targets, roll-ups and the forecast."""

from __future__ import annotations

import math
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table

from salesim.simulator.plans.credit import UNASSIGNED
from salesim.simulator.plans.outlook import Forecast
from salesim.simulator.plans.schedule import DEPARTMENT, Decomposition, Manager, PlanRow, RollupRow

__all__ = ["day_tables", "forecast_tables", "places_of", "rollup_tables"]


def _fmt(value: Decimal | None, places: int) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def places_of(quantum: Decimal) -> int:
    exponent = quantum.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def day_tables(result: Decomposition, console: Console) -> list[Table]:
    """The daily table; split into department + manager tables if it is too wide."""
    places = places_of(result.quantum)
    title = (
        f"Plan {result.plan:,.{places}f} · {len(result.days)} working days · policy {result.policy}"
    )
    days = _DayTable(result, places)
    staff = list(result.managers)
    combined = days.build(title, True, staff)
    if _fits(console, combined):
        return [combined]
    tables = [days.build(f"{title} · department", True, [])]
    chunk: list[Manager] = []
    for manager in staff:
        if chunk and not _fits(console, days.build("", False, [*chunk, manager])):
            tables.append(days.build("Targets per manager", False, chunk))
            chunk = []
        chunk.append(manager)
    tables.append(days.build("Targets per manager", False, chunk))
    return tables


class _DayTable:
    """Builds the daily table for the department and any group of managers."""

    def __init__(self, result: Decomposition, places: int) -> None:
        self.result = result
        self.places = places
        self.by_day: dict[int, dict[str, PlanRow]] = {}
        for row in result.rows:
            self.by_day.setdefault(row.day, {})[row.who] = row

    def build(self, title: str, department: bool, managers: list[Manager]) -> Table:
        table = Table(title=title, box=box.SIMPLE_HEAD)
        table.add_column("Day", no_wrap=True)
        if department:
            for name in ("Plan", "Actual", "Gap", "Target"):
                table.add_column(name, justify="right", no_wrap=True)
        for manager in managers:
            table.add_column(manager.name, justify="right", no_wrap=True)
        for day in self.result.days:
            rows = self.by_day[day.number]
            dept = rows[DEPARTMENT]
            table.add_row(*self._cells(rows, department, managers),
                          style="bold" if dept.status == "next" else None)
        return table

    def _cells(self, rows: dict[str, PlanRow], department: bool, managers: list[Manager]
               ) -> list[str]:
        places = self.places
        dept = rows[DEPARTMENT]
        cells = [f"{dept.label} ▸" if dept.status == "next" else dept.label]
        if department:
            cells += [_fmt(dept.plan, places), _fmt(dept.actual, places),
                      _fmt(dept.gap, places), _fmt(dept.target, places)]
        for manager in managers:
            row = rows[manager.name]
            cells.append(_fmt(row.target, places) if row.working else "off")
        return cells


def _fits(console: Console, table: Table) -> bool:
    """Whether ``table`` fits the console at its natural width (no cell cut short)."""
    natural = console.measure(table, options=console.options.update_width(10_000)).maximum
    return natural <= console.width


def rollup_tables(rows: tuple[RollupRow, ...], period: str, places: int) -> list[Table]:
    """The roll-up: one table for the department, one for the managers."""
    dept = Table(title=f"Department by {period}", box=box.SIMPLE_HEAD)
    dept.add_column("Period", no_wrap=True)
    for name in ("Days", "Plan", "Actual", "Target", "Gap"):
        dept.add_column(name, justify="right", no_wrap=True)
    staff = Table(title=f"Managers by {period}", box=box.SIMPLE_HEAD)
    staff.add_column("Period", no_wrap=True)
    staff.add_column("Who", no_wrap=True)
    for name in ("Days", "Plan", "Target"):
        staff.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        if row.who == DEPARTMENT:
            dept.add_row(
                row.period,
                str(row.days),
                _fmt(row.plan, places),
                _fmt(row.actual, places),
                _fmt(row.target, places),
                _fmt(row.gap, places),
            )
        else:
            staff.add_row(
                row.period,
                row.who,
                str(row.days),
                _fmt(row.plan, places),
                _fmt(row.target, places),
            )
    return [dept, staff]


def forecast_tables(result: Forecast) -> list[Table]:
    cur = result.currency
    managers = Table(title=f"Forecast for {result.month} at the end of {result.date.isoformat()} "
                           f"({cur})", box=box.SIMPLE_HEAD, title_justify="left")
    managers.add_column("Manager", no_wrap=True)
    for name in ("Plan", "Won", "Deals", "Expected", "Forecast", "Gap", "% of plan"):
        managers.add_column(name, justify="right", no_wrap=True)
    for row in result.by_manager.to_dict("records"):
        who = str(row["manager"])
        share = "" if math.isnan(row["share"]) else f"{row['share']:.0%}"
        gap = "" if who == UNASSIGNED else f"{row['gap']:,.0f}"
        managers.add_row(
            who, f"{row['plan']:,.0f}", f"{row['won']:,.0f}", f"{row['deals']:,}",
            f"{row['expected']:,.0f}", f"{row['forecast']:,.0f}", gap, share,
            style="bold" if who == DEPARTMENT else None)
    steps = Table(title=f"Deals in progress by step ({result.days_left} days left; "
                        f"P = won within that time, from the run's history before this day)",
                  box=box.SIMPLE_HEAD, title_justify="left")
    steps.add_column("Step", no_wrap=True)
    steps.add_column("State", no_wrap=True)
    for name in ("Deals", "Amount", "P(win)", "Expected"):
        steps.add_column(name, justify="right", no_wrap=True)
    shortened = False
    for row in result.by_step.to_dict("records"):
        short = "*" if int(row["window_days"]) < result.days_left else ""
        shortened = shortened or bool(short)
        steps.add_row(f"{row['stage']}/{row['step']}", str(row["state"]), f"{row['deals']:,}",
                      f"{row['pipeline']:,.0f}", f"{row['p_win']:.1%}{short}",
                      f"{row['expected']:,.0f}")
    if shortened:
        steps.caption = "* over a shorter window: the run's history before this day is too short"
    return [managers, steps]
