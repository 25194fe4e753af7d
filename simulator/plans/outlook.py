"""The forecast of one month at the end of one day, and what activity would close its gap,
in words (the numbers come from :class:`plans.forecast.Forecaster`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["Activity", "Forecast"]


@dataclass(frozen=True)
class Activity:
    """What one more deal entering a step now is worth by the month's end.

    Attributes:
        stage: The stage of the step.
        step: The step.
        p_win: Share of the deals that entered the step that won within the window.
        mean_amount: Their mean deal size.
        value: Mean revenue per entering deal won within the window (amount × won).
        samples: How many historical entries the estimate rests on.
        window_days: The window used (``days_left``, or less when history is short).
        needed: Deals needed to close the gap (``None`` when there is no gap, or when such a
            deal has never won within the window).
        per_month: How many deals entered the step per 30 days so far in the run, for scale.
    """

    stage: str
    step: str
    p_win: float
    mean_amount: float
    value: float
    samples: int
    window_days: int
    needed: int | None
    per_month: float

    @property
    def name(self) -> str:
        """``stage/step``."""
        return f"{self.stage}/{self.step}"


@dataclass(frozen=True)
class Forecast:
    """The bottom-up forecast of one month at the end of one day.

    Attributes:
        date: The forecast is made at the end of this day.
        month: ``YYYY-MM``.
        cutoff: The month's last working day in the run: later wins count for the next month.
        days_left: Calendar days from the end of ``date`` to the end of ``cutoff`` (0: closed).
        plan: The month's plan (pro rata for a month the run covers in part).
        won: Sales already credited to the month.
        expected: Expected further sales from the deals in progress.
        deals_in_progress: How many leads are in progress.
        currency: The scenario's currency code.
        by_manager: ``manager, plan, won, won_deals, deals, pipeline, expected, forecast, gap,
            share`` (forecast ÷ plan); managers, ``unassigned``, then ``department``.
        by_step: ``stage, step, state, deals, pipeline, p_win, expected, samples,
            window_days`` for the steps with deals in progress, in pipeline order.
        activities: More deals needed at the pipeline's first step and at the plan role's first
            step (one entry when they coincide).
        short_history: Whether some probability used a shortened window.
    """

    date: dt.date
    month: str
    cutoff: dt.date
    days_left: int
    plan: float
    won: float
    expected: float
    deals_in_progress: int
    currency: str
    by_manager: pd.DataFrame
    by_step: pd.DataFrame
    activities: tuple[Activity, ...]
    short_history: bool

    @property
    def total(self) -> float:
        """Won + expected: the bottom-up forecast of the month's sales."""
        return self.won + self.expected

    @property
    def gap(self) -> float:
        """Plan − forecast: positive = the forecast falls short of the plan."""
        return self.plan - self.total

    def sentences(self) -> list[str]:
        """The forecast against the plan, and what activity would close the gap, in words."""
        cur = self.currency
        share = f" ({self.total / self.plan:.0%} of it)" if self.plan > 0 else ""
        if self.days_left <= 0:
            return [f"{self.month} is closed (its last working day was "
                    f"{self.cutoff.isoformat()}): sales {_money(self.won, cur)} against the plan "
                    f"of {_money(self.plan, cur)}{share}."]
        lines = [
            f"Forecast for {self.month} at the end of {self.date:%a} {self.date.isoformat()} "
            f"({_days(self.days_left)} to the end of its last working day, "
            f"{self.cutoff.isoformat()}): {_money(self.total, cur)} = won "
            f"{_money(self.won, cur)} + expected {_money(self.expected, cur)} from "
            f"{self.deals_in_progress} deals in progress, against the plan of "
            f"{_money(self.plan, cur)}{share}."
        ]
        if self.short_history:
            lines.append("The run's history before this day is shorter than the time left, so "
                         "some probabilities cover a shorter window: the forecast is low.")
        if self.gap <= 0:
            lines.append(f"Ahead of plan by {_money(-self.gap, cur)}: no extra activity is "
                         f"needed to meet it.")
            return lines
        lines.append(f"Gap to plan: {_money(self.gap, cur)}." + _activity_text(self.activities,
                                                                              cur))
        return lines


def _activity_text(activities: Sequence[Activity], currency: str) -> str:
    """`` At the conversion observed so far, closing it takes about …`` (leading space)."""
    helps = [a for a in activities if a.needed is not None]
    text = ""
    if helps:
        text += " At the conversion observed so far, closing it takes " + " or ".join(
            f"about {a.needed:,} more deals entering {a.name} (so far {a.per_month:,.0f} a month "
            f"entered it; {_pct(a.p_win)} of them won within {_days(a.window_days)}, "
            f"{_money(a.mean_amount, currency)} on average: {_money(a.value, currency)} each)"
            for a in helps) + "."
    for a in activities:
        if a.needed is not None:
            continue
        if a.window_days < 1:
            text += (f" The run has no history yet of how fast deals entering {a.name} "
                     f"win.")
        else:
            text += (f" More deals entering {a.name} cannot close it this month: none of the "
                     f"{a.samples:,} that entered it won within {_days(a.window_days)}.")
    return text


def _pct(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.2%}"


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"
