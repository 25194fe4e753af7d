"""``salesim plan``: plan decomposition and the bottom-up forecast (see ``docs/plans.md``).

The lead wires it into the main CLI with :func:`register`. Every user error prints one line
``error: ...`` on stderr and exits with code 2, without a traceback.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from salesim.simulator.cli.errors import OneLineErrors, fail
from salesim.simulator.cli.plan_tables import day_tables, forecast_tables, places_of, rollup_tables
from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.explain import explain
from salesim.simulator.plans.forecast import Forecaster, accuracy_by_day
from salesim.simulator.plans.limits import check_size
from salesim.simulator.plans.rollup import rollup
from salesim.simulator.plans.schedule import POLICIES, Decomposition, Manager, RollupPeriod
from salesim.simulator.plans.workdays import month_days, parse_weekdays
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import read_yaml
from salesim.simulator.scenario.schema import CalendarSpec, Scenario
from salesim.simulator.store.atomic import write_file
from salesim.simulator.store.run_reader import ReportError, RunLog, read_run_log

__all__ = ["plan_app", "register"]

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
        check_size(1, count)
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

    def write(temp: Path) -> None:
        with temp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(frame.columns))
            for record in frame.itertuples(index=False, name=None):
                writer.writerow([_csv_cell(value) for value in record])

    write_file(path, write, force=True)  # the checks above give the plan's own messages


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
    for table in day_tables(result, console):
        console.print(table)
    if rolled is not None:
        for table in rollup_tables(rolled, str(period), places_of(result.quantum)):
            console.print(table)
    for line in explain(result):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if csv_path is not None:
        console.print(f"Wrote {csv_path}", markup=False, highlight=False, soft_wrap=True)


# ------------------------------------------------------------------------------------------------
# salesim plan forecast


def _planned_run(run_dir: Path) -> RunLog:
    """The run folder's log, if its scenario has a plan to forecast against."""
    log = read_run_log(run_dir)
    if log.scenario.plan is None:
        raise PlanError(f"{run_dir / 'scenario.yaml'}: the scenario has no plan; add a 'plan:' "
                        f"block (monthly_revenue, role) and run it again (see docs/plans.md)")
    return log


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
    if not 1900 <= year <= 2200:
        raise PlanError(f"--month must be a month of the years 1900 to 2200 (as a scenario's "
                        f"calendar), not {month!r}")
    length = calendar.monthrange(year, number)[1]
    if not 1 <= day <= length:
        raise PlanError(f"--day must be 1 to {length} in {year:04d}-{number:02d}, not {day}")
    return dt.date(year, number, day)


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
        log = _planned_run(run_dir)
        date = _forecast_date(log.scenario, day, month)
        forecaster = Forecaster(log.events, log.scenario, log.staff)
        result = forecaster.at(date)
        accuracy = accuracy_by_day(forecaster.accuracy(days=[date.day]))
    except (PlanError, ReportError, ScenarioError) as exc:
        fail(str(exc))

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 120))
    for table in forecast_tables(result):
        console.print(table)
    for line in result.sentences():
        console.print(line, markup=False, soft_wrap=True)
    if not accuracy.empty:
        row = accuracy.iloc[0]
        console.print(f"In this run, forecasts made at the end of day {date.day} of a month missed "
                      f"the month's sales by {row['mape']:.0%} on average (MAPE over "
                      f"{int(row['months'])} complete months; mean error {row['bias']:+.0%}).",
                      markup=False, soft_wrap=True)
