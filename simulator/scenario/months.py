"""Calendar months of a run: the spans of simulation days that each month covers (pure)."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salesim.simulator.scenario.schema import Scenario


@dataclass(frozen=True)
class Month:
    """A calendar month as a span of simulation days, clipped to the run."""

    label: str  # "2026-03"
    start: float
    end: float
    days_in_month: int

    @property
    def covered(self) -> float:
        return self.end - self.start


def months_of(scenario: Scenario, measured: bool = False) -> list[Month]:
    """The calendar months the run touches, each clipped to [0, horizon] (with ``measured``,
    to the measured window [warmup, horizon]: months wholly in the warm-up are left out)."""
    first = scenario.calendar.start_date
    horizon = scenario.horizon_days
    opening = scenario.warmup_days if measured else 0.0
    months = []
    year, month = first.year, first.month
    while True:
        begin = dt.date(year, month, 1)
        days = cal.monthrange(year, month)[1]
        start = float((begin - first).days)
        if start >= horizon:
            break
        end = start + days
        if end > opening:
            months.append(Month(f"{year:04d}-{month:02d}", max(start, opening), min(end, horizon),
                                days))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_labels(times: pd.Series, scenario: Scenario) -> pd.Series:
    """'YYYY-MM' of each simulation time."""
    start = pd.Timestamp(scenario.calendar.start_date)
    stamps = (start + pd.to_timedelta(times, unit="D")).dt
    # formatting each date is slow: format each distinct month once
    months = (stamps.year * 12 + stamps.month - 1).to_numpy(dtype=np.float64, na_value=np.nan)
    known = ~np.isnan(months)
    distinct, which = np.unique(months[known].astype(np.int64), return_inverse=True)
    names = np.array([f"{m // 12:04d}-{m % 12 + 1:02d}" for m in distinct], dtype=object)
    labels = np.full(len(months), np.nan, dtype=object)
    labels[known] = names[which]
    return pd.Series(labels, index=times.index, name=times.name, dtype="str")
