"""What every section of the run report reads: the run, its number style, labels, colours
and charts so far; and the small helpers the sections share (dates, intervals, order)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from salesim.reports.charts.base import Palette, ReportCharts
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import REPORT_FILES
from salesim.simulator.metrics.timeseries import Periods, day_periods, week_periods
from salesim.simulator.numbers import finite
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.store.run_reader import RunFolder

__all__ = ["CHARTS_DIR", "DAILY_UP_TO_DAYS", "RunContext", "chart_periods", "date_text", "end_date",
           "in_order", "row_ci", "summary_ci", "warmup_until"]

CHARTS_DIR = REPORT_FILES.charts
DAILY_UP_TO_DAYS = 120  # longer runs show weekly averages: daily ones are mostly weekend noise


@dataclass
class RunContext(ReportCharts):
    """What a section of the run report reads, and the report's charts so far."""

    run: RunFolder
    style: NumberStyle
    labels: Labels
    palette: Palette
    one_replication_note: str


def date_text(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def summary_ci(item: dict[str, Any], key: str) -> tuple[float | None, float | None]:
    ci = item.get(f"{key}_ci95")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return finite(ci[0]), finite(ci[1])
    return None, None


def row_ci(row: pd.Series, key: str) -> tuple[float | None, float | None]:
    return finite(row.get(f"{key}_ci95_low")), finite(row.get(f"{key}_ci95_high"))


def in_order(table: pd.DataFrame, key: str, order: list[str]) -> pd.DataFrame:
    rank = {name: i for i, name in enumerate(order)}
    keyed = table.assign(_order=table[key].astype(str).map(rank).fillna(len(order)))
    return keyed.sort_values("_order", kind="stable").drop(columns="_order").reset_index(
        drop=True)


def chart_periods(ctx: RunContext) -> tuple[Periods, str]:
    scenario = ctx.run.scenario
    if scenario.horizon_days <= DAILY_UP_TO_DAYS:
        return day_periods(scenario), "daily"
    return week_periods(scenario), "weekly"


def warmup_until(ctx: RunContext) -> dt.date | None:
    s = ctx.run.scenario
    if s.warmup_days <= 0:
        return None
    return s.calendar.start_date + dt.timedelta(days=float(s.warmup_days))


def end_date(ctx: RunContext) -> dt.date:
    s = ctx.run.scenario
    return s.calendar.start_date + dt.timedelta(days=float(s.horizon_days))
