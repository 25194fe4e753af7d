"""``salesim plan``: plan decomposition and the bottom-up forecast (see ``docs/plans.md``).

The lead wires it into the main CLI with :func:`register`. Every user error prints one line
``error: ...`` on stderr and exits with code 2, without a traceback.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import os
import re
import tempfile
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.table import Table

from salesim.simulator.cli.errors import OneLineErrors, fail
from salesim.simulator.plans.decompose import (
    DEPARTMENT,
    POLICIES,
    Decomposition,
    Manager,
    PlanError,
    PlanRow,
    RollupPeriod,
    RollupRow,
    decompose,
    explain,
    month_days,
    parse_weekdays,
    rollup,
)
from salesim.simulator.plans.forecast import Forecast, Forecaster, accuracy_by_day
from salesim.simulator.plans.planfact import UNASSIGNED
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario, read_yaml
from salesim.simulator.scenario.schema import CalendarSpec, Scenario

__all__ = ["plan_app", "read_run", "register"]

_ROLLUPS: dict[str, RollupPeriod] = {"week": "week", "month": "month", "quarter": "quarter"}






plan_app = typer.Typer(
    help="Sales plans: exact daily targets (decompose) and the bottom-up forecast of a run "
    "against its plan (forecast).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` sub-app to the main CLI.

    Args:
        app: The main typer application.
    """
    app.add_typer(plan_app, name="plan")


def _decimal(text: str, option: str) -> Decimal:
    cleaned = text.strip().replace("_", "").replace(" ", "").replace("\u00a0", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PlanError(f"{option} must be a number, not {text!r}") from None
    if not value.is_finite():
        raise PlanError(f"{option} must be a finite number, not {text!r}")
    return value


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PlanError(f"{option} must be a date like 2026-12-31, not {text!r}") from None


def _managers(spec: str, weights: str | None) -> list[Manager]:
    """``4`` → M1..M4; ``Anna,Boris`` → named managers; ``weights`` like ``2,1,1``."""
    text = spec.strip()
    if text.lstrip("-").isdigit():
        count = int(text)
        if count < 1:
            raise PlanError(f"no managers: need at least one, got {count}")
        names = [f"M{i}" for i in range(1, count + 1)]
    else:
        names = [name.strip() for name in text.split(",")]
        if not any(names):
            raise PlanError("no managers: need at least one")
        if not all(names):
            raise PlanError(f"--managers has an empty name in {spec!r}")
    if weights is None:
        return [Manager(name) for name in names]
    values = [_decimal(w, "--weights") for w in weights.split(",")]
    if len(values) != len(names):
        raise PlanError(f"--weights gives {len(values)} weights for {len(names)} managers")
    return [Manager(name, weight=w) for name, w in zip(names, values, strict=True)]


def _calendar_file(path: Path) -> tuple[str, list[dt.date]]:
    """Working weekdays and holidays from a YAML file: a scenario (its ``calendar``) or just a
    calendar mapping (``weekdays``, ``hours``, ``holidays``)."""
    try:
        data, _marks = read_yaml(path)
    except ScenarioError as exc:
        raise PlanError(str(exc)) from None
    block = data.get("calendar", data) if isinstance(data, dict) else data
    if not isinstance(block, dict):
        raise PlanError(f"{path}: not a calendar: expected weekdays, hours and holidays")
    known = {k: v for k, v in block.items() if k in ("weekdays", "holidays", "start_date",
                                                         "hours")}
    try:
        spec = CalendarSpec.model_validate(known)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        raise PlanError(f"{path}: calendar.{where}: {message}") from None
    return ",".join(spec.weekdays), list(spec.holidays)


def _days(
    days: int | None, month: str | None, weekdays: str | None, holidays: list[str],
    calendar_file: Path | None = None,
) -> list[dt.date] | int:
    if calendar_file is not None and month is None:
        raise PlanError("--calendar needs --month YYYY-MM")
    if days is not None and month is not None:
        raise PlanError("give --days or --month, not both")
    if days is None and month is None:
        raise PlanError("give --days N or --month YYYY-MM")
    if days is not None:
        if weekdays is not None or holidays:
            raise PlanError("--weekdays and --holiday only apply with --month")
        if days < 1:
            raise PlanError(f"no working days: need at least one, got {days}")
        return days
    assert month is not None
    file_weekdays, file_holidays = (_calendar_file(calendar_file) if calendar_file is not None
                                    else (None, []))
    off = [d for d in file_holidays if d.strftime("%Y-%m") == month]  # the file covers a year
    week = parse_weekdays(weekdays if weekdays is not None
                          else file_weekdays or "mon,tue,wed,thu,fri")
    off = off + [_date(h, "--holiday") for h in holidays]
    dates = month_days(month, week, off)
    if not dates:
        raise PlanError(f"no working days in {month} with those weekdays and holidays")
    return dates


def _fmt(value: Decimal | None, places: int) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def _places(quantum: Decimal) -> int:
    exponent = quantum.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def _day_tables(result: Decomposition, console: Console) -> list[Table]:
    """The daily table; split into department + manager tables if it is too wide."""
    places = _places(result.quantum)
    title = (
        f"Plan {result.plan:,.{places}f} · {len(result.days)} working days · policy {result.policy}"
    )
    by_day: dict[int, dict[str, PlanRow]] = {}
    for row in result.rows:
        by_day.setdefault(row.day, {})[row.who] = row

    def build(title: str, department: bool, managers: list[Manager]) -> Table:
        table = Table(title=title, box=box.SIMPLE_HEAD)
        table.add_column("Day", no_wrap=True)
        if department:
            for name in ("Plan", "Actual", "Gap", "Target"):
                table.add_column(name, justify="right", no_wrap=True)
        for manager in managers:
            table.add_column(manager.name, justify="right", no_wrap=True)
        for day in result.days:
            rows = by_day[day.number]
            dept = rows[DEPARTMENT]
            cells = [f"{dept.label} ▸" if dept.status == "next" else dept.label]
            if department:
                cells += [
                    _fmt(dept.plan, places),
                    _fmt(dept.actual, places),
                    _fmt(dept.gap, places),
                    _fmt(dept.target, places),
                ]
            for manager in managers:
                row = rows[manager.name]
                cells.append(_fmt(row.target, places) if row.working else "off")
            status = dept.status
            table.add_row(*cells, style="bold" if status == "next" else None)
        return table

    def fits(table: Table) -> bool:
        return _fits(console, table)

    staff = list(result.managers)
    combined = build(title, True, staff)
    if fits(combined):
        return [combined]
    tables = [build(f"{title} · department", True, [])]
    chunk: list[Manager] = []
    for manager in staff:
        if chunk and not fits(build("", False, [*chunk, manager])):
            tables.append(build("Targets per manager", False, chunk))
            chunk = []
        chunk.append(manager)
    tables.append(build("Targets per manager", False, chunk))
    return tables


def _fits(console: Console, table: Table) -> bool:
    """Whether ``table`` fits the console at its natural width (no cell cut short)."""
    natural = console.measure(table, options=console.options.update_width(10_000)).maximum
    return natural <= console.width


def _rollup_tables(rows: tuple[RollupRow, ...], period: str, places: int) -> list[Table]:
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


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_csv(result: Decomposition, path: Path, force: bool) -> None:
    """Write the long table to ``path`` atomically (temp file in the same folder, then replace)."""
    if path.exists() and not force:
        raise PlanError(f"{path} already exists (use --force to overwrite)")
    if path.is_dir():
        raise PlanError(f"{path} is a directory")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PlanError(f"folder {folder} does not exist")
    frame = result.to_frame()
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(frame.columns))
            for record in frame.itertuples(index=False, name=None):
                writer.writerow([_csv_cell(value) for value in record])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@plan_app.command("decompose", cls=OneLineErrors)
def decompose_command(
    plan: Annotated[
        str | None, typer.Option("--plan", help="Period plan amount, e.g. 1000000.")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="Number of working days (labelled 1..N).")
    ] = None,
    managers: Annotated[
        str | None,
        typer.Option("--managers", help="Number of managers (M1, M2…) or names: Anna,Boris."),
    ] = None,
    actual: Annotated[
        list[str] | None,
        typer.Option("--actual", help="Department's actual sales for day 1, 2, … (repeat)."),
    ] = None,
    policy: Annotated[
        str, typer.Option("--policy", help=f"Carry-over policy: {' | '.join(POLICIES)}.")
    ] = "next_day",
    month: Annotated[
        str | None, typer.Option("--month", help="Calendar month YYYY-MM instead of --days.")
    ] = None,
    weekdays: Annotated[
        str | None,
        typer.Option(
            "--weekdays", help="Working weekdays with --month (default mon,tue,wed,thu,fri)."
        ),
    ] = None,
    holiday: Annotated[
        list[str] | None,
        typer.Option("--holiday", help="A non-working date with --month, YYYY-MM-DD (repeat)."),
    ] = None,
    calendar_file: Annotated[
        Path | None,
        typer.Option("--calendar", help="With --month: take working weekdays and holidays from "
                     "a YAML file (a scenario's calendar, or a calendar block)."),
    ] = None,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Manager weights, e.g. 2,1,1 (default: equal).")
    ] = None,
    quantum: Annotated[
        str, typer.Option("--quantum", help="Rounding quantum (0.01 = to the kopeck).")
    ] = "0.01",
    clamp: Annotated[
        bool, typer.Option("--clamp/--no-clamp", help="Clamp negative targets at 0.")
    ] = True,
    period: Annotated[
        str | None,
        typer.Option("--rollup", help="Also print a roll-up by week, month or quarter."),
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the daily table (long format) to FILE.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --csv file.")] = (
        False
    ),
) -> None:
    """Decompose a period plan into exact daily targets (department and per manager).

    Example: salesim plan decompose --plan 1000000 --days 22 --managers 4 --actual 30000
    """
    try:
        if plan is None:
            raise PlanError("--plan is required")
        if managers is None:
            raise PlanError("--managers is required")
        if period is not None and period not in _ROLLUPS:
            raise PlanError(f"--rollup must be week, month or quarter, not {period!r}")
        result = decompose(
            _decimal(plan, "--plan"),
            _days(days, month, weekdays, holiday or [], calendar_file),
            _managers(managers, weights),
            actuals=[_decimal(a, "--actual") for a in actual or []],
            policy=policy,
            quantum=_decimal(quantum, "--quantum"),
            clamp=clamp,
        )
        rolled = rollup(result.rows, _ROLLUPS[period]) if period is not None else None
        if csv_path is not None:
            _write_csv(result, csv_path, force)
    except PlanError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {csv_path}: {exc.strerror or exc}")

    console = Console()
    for table in _day_tables(result, console):
        console.print(table)
    if rolled is not None:
        for table in _rollup_tables(rolled, str(period), _places(result.quantum)):
            console.print(table)
    for line in explain(result):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if csv_path is not None:
        console.print(f"Wrote {csv_path}", markup=False, highlight=False, soft_wrap=True)


# ------------------------------------------------------------------------------------------------
# salesim plan forecast


_EVENT_DTYPES = {"replication": "int64", "time": "float64", "lead_id": "int64", "amount": "float64",
                 "work_hours": "float64", "client_id": "int64"}
_EVENT_LABELS = ("channel", "segment", "stage", "step", "event", "staff_id", "role", "reason")


def read_run(run_dir: Path, replication: int = 0
             ) -> tuple[Scenario, pd.DataFrame, pd.DataFrame | None]:
    """A run folder's scenario, the event log of one replication and, if recorded, its staff.

    Args:
        run_dir: A folder written by ``salesim run``.
        replication: Which replication's events to keep.

    Returns:
        ``(scenario, events, staff)``; ``staff`` is ``None`` unless ``people.csv`` records hire
        and leave moments.

    Raises:
        PlanError: Not a run folder, a scenario without a plan, or an unreadable event log.
        ScenarioError: An invalid ``scenario.yaml``.
    """
    if not run_dir.exists():
        raise PlanError(f"{run_dir}: no such folder")
    if not run_dir.is_dir():
        raise PlanError(f"{run_dir}: not a folder; give the folder that 'salesim run' wrote")
    scenario_path = run_dir / "scenario.yaml"
    events_path = run_dir / "events.csv.gz"
    missing = [p.name for p in (scenario_path, events_path) if not p.is_file()]
    if missing:
        raise PlanError(f"{run_dir}: not a run folder (no {' or '.join(missing)}); give the "
                        f"folder that 'salesim run' wrote")
    scenario = load_scenario(scenario_path)
    if scenario.plan is None:
        raise PlanError(f"{scenario_path}: the scenario has no plan; add a 'plan:' block "
                        f"(monthly_revenue, role) and run it again (see docs/plans.md)")
    columns = [*_EVENT_DTYPES, *_EVENT_LABELS]
    try:
        events = pd.read_csv(events_path, usecols=columns, dtype={
            **_EVENT_DTYPES, **dict.fromkeys(_EVENT_LABELS, "category")})
    except ValueError as exc:  # missing columns, bad numbers, bad compression
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PlanError(f"{events_path}: not an event log of salesim ({first})") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise PlanError(f"{events_path}: cannot read ({exc})") from None
    events = events[events["replication"] == replication].drop(columns="replication")
    if events.empty:
        raise PlanError(f"{events_path}: no events of replication {replication}")
    return scenario, events.reset_index(drop=True), _read_staff(run_dir / "people.csv")


def _read_staff(path: Path) -> pd.DataFrame | None:
    """``people.csv`` when it records hire and leave moments (``hired_at``, ``left_at``)."""
    if not path.is_file():
        return None
    try:
        people = pd.read_csv(path)
    except (OSError, ValueError):
        return None
    return people if {"staff_id", "role", "hired_at", "left_at"} <= set(people.columns) else None


def _forecast_date(scenario: Scenario, day: int, month: str | None) -> dt.date:
    """``--day N`` (of the run, or of ``--month``) as a date."""
    start = scenario.calendar.start_date
    if month is None:
        last = math.ceil(scenario.horizon_days)
        if not 1 <= day <= last:
            raise PlanError(f"--day must be a day of the run, 1 to {last} (day 1 is "
                            f"{start.isoformat()}), not {day}; or give --month YYYY-MM and a "
                            f"day of that month")
        return start + dt.timedelta(days=day - 1)
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", month)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PlanError(f"--month must look like 2026-06, not {month!r}")
    year, number = int(match.group(1)), int(match.group(2))
    length = calendar.monthrange(year, number)[1]
    if not 1 <= day <= length:
        raise PlanError(f"--day must be 1 to {length} in {year:04d}-{number:02d}, not {day}")
    return dt.date(year, number, day)


def _forecast_tables(result: Forecast) -> list[Table]:
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


@plan_app.command("forecast", cls=OneLineErrors)
def forecast_command(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR",
                                            help="A folder written by 'salesim run'.")],
    day: Annotated[int, typer.Option("--day", help="Day of the run (1 = the calendar's start "
                                                   "date), or of --month.")],
    month: Annotated[str | None, typer.Option(
        "--month", help="YYYY-MM: --day is then the day of this month.")] = None,
) -> None:
    """Bottom-up forecast of a month's sales at the end of a day of a run, against the plan.

    The deals in progress are weighted by the share of deals at the same step that won within
    the days left, learnt from the run's history before that day (replication 0).

    Example: salesim plan forecast runs/b2b_baseline-… --day 15 --month 2026-06
    """
    try:
        scenario, events, staff = read_run(run_dir)
        date = _forecast_date(scenario, day, month)
        forecaster = Forecaster(events, scenario, staff)
        result = forecaster.at(date)
        accuracy = accuracy_by_day(forecaster.accuracy(days=[date.day]))
    except (PlanError, ScenarioError) as exc:
        fail(str(exc))

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 120))
    for table in _forecast_tables(result):
        console.print(table)
    for line in result.sentences():
        console.print(line, markup=False, soft_wrap=True)
    if not accuracy.empty:
        row = accuracy.iloc[0]
        console.print(f"In this run, forecasts made at the end of day {date.day} of a month missed "
                      f"the month's sales by {row['mape']:.0%} on average (MAPE over "
                      f"{int(row['months'])} complete months; mean error {row['bias']:+.0%}).",
                      markup=False, soft_wrap=True)
