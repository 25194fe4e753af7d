"""Bottom-up forecast of a month's revenue from the deals in progress, against the top-down plan.

The digest's "internal plan": each manager lists clients with their statuses and forecasts what is
likely to close this month; the head of sales sums it up and compares it with the CEO's plan.
Here the statuses come from the event log and the likelihoods from the run's own history.

At the end of a day *T* of a month whose sales close at the end of its last working day
(``days_left = D`` calendar days later):

* every lead in progress at *T* is at a step (``stage/step``) in a state (``queued``,
  ``in work``, ``with client``);
* ``P(win within D days | step)`` is the share of the leads observed at that step at the end of
  an earlier day *s* that won within *D* days of *s*, over the days with ``s + D ≤ T``: only
  outcomes already known at *T* are used, so the forecast never looks ahead. Each historical
  observation answers the question for every *D*, so no bucketing of *D* is needed. When fewer
  than :data:`MIN_SAMPLES` observations qualify (the first weeks of a run), the window is cut to
  the longest one that has them (an underestimate, flagged as ``window_days < days_left``);
* expected revenue = Σ amount × P, added per manager (the owner: who of the plan's role did the
  lead's last step of that role so far; ``unassigned`` otherwise) and for the department, plus
  the deals already won and credited to the month (:mod:`plans.planfact`).

The gap to the plan is turned into activity: how many more deals entering a step (the pipeline's
first step and the plan role's first step) would close it at the conversion observed so far.

Everything is pure: the event log and the scenario in, tables and sentences out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salesim.simulator.plans.decompose import PlanError
from salesim.simulator.plans.planfact import (
    DEPARTMENT,
    UNASSIGNED,
    PlanMonth,
    event_text,
    manager_plans,
    owner_so_far,
    plan_fact,
    plan_managers,
    plan_months,
    require_plan,
    sales,
)
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import MONTH_DAYS

__all__ = [
    "MIN_SAMPLES",
    "Activity",
    "Forecast",
    "Forecaster",
    "accuracy_by_day",
    "forecast",
    "forecast_accuracy",
    "plan_tables",
]

MIN_SAMPLES = 30
"""Fewest historical observations behind a probability before its window is shortened."""

"""Scale of the "deals a month" figures of :class:`Activity`."""

_FLOW = ("arrive", "enqueue", "start", "finish", "client_wait", "convert", "lose", "win")

_STATE = {"enqueue": "queued", "start": "in work", "finish": "in work",
          "client_wait": "with client", "convert": "deciding", "arrive": "new"}

Floats = npt.NDArray[np.float64]


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


class Forecaster:
    """Forecasts for any day of a run, sharing the history built once from its event log.

    Args:
        events: The event log of one run (``simulate(...).events`` or one replication of a run
            folder's ``events.csv.gz``).
        scenario: The run's scenario, with a ``plan:`` block.
        staff: Optional ``Result.staff`` table (see :func:`plans.planfact.plan_managers`).
        min_samples: Fewest observations behind a probability before its window is shortened.

    Raises:
        PlanError: If the scenario has no plan or the plan's role has nobody.
    """

    def __init__(self, events: pd.DataFrame, scenario: Scenario,
                 staff: pd.DataFrame | None = None, *, min_samples: int = MIN_SAMPLES) -> None:
        plan = require_plan(scenario)
        self.scenario = scenario
        self.min_samples = max(1, int(min_samples))
        self.months = {m.month: m for m in plan_months(scenario)}
        self.managers = plan_managers(events, scenario, staff)
        self.sales = sales(events, scenario, at="win")
        self._plans = {key: manager_plans(scenario, m, self.managers)
                       for key, m in self.months.items()}
        self._steps = [(stage.name, step.name) for stage in scenario.stages
                       for step in stage.steps]
        self._build(events, plan.role)
        self._month_sales: dict[str, tuple[Floats, Floats]] = {}
        for key, month in self.months.items():
            mine = self.sales[(self.sales["month"] == key)
                              & self.sales["day"].isin(month.day_indices)]
            self._month_sales[key] = (mine["time"].to_numpy(dtype=np.float64),
                                      mine["amount"].to_numpy(dtype=np.float64))

    # -- history ----------------------------------------------------------------------------

    def _build(self, events: pd.DataFrame, role: str) -> None:
        """Snapshots (lead positions at the end of each day) and step entries, from the log."""
        ordered = events.sort_values("lead_id", kind="stable")
        kinds = event_text(ordered["event"])
        # the pipeline: the leads' own moves (not repeat orders of clients, payments, churn)
        leads = ordered["lead_id"].to_numpy(dtype=np.int64)
        keep = np.isin(kinds, _FLOW) & np.isin(leads, leads[kinds == "arrive"])
        ordered = ordered[keep]
        lead = ordered["lead_id"].to_numpy(dtype=np.int64)
        t = ordered["time"].to_numpy(dtype=np.float64)
        kind = event_text(ordered["event"])
        stage = event_text(ordered["stage"])
        step = event_text(ordered["step"])
        amount = ordered["amount"].to_numpy(dtype=np.float64)
        owner = owner_so_far(ordered, kind, role)
        n = len(t)
        same_next = np.zeros(n, dtype=bool)
        same_next[:-1] = lead[1:] == lead[:-1]
        t_next = np.full(n, np.inf)
        t_next[:-1] = np.where(same_next[:-1], t[1:], np.inf)
        is_win = kind == "win"
        win_time = pd.Series(t[is_win], index=lead[is_win]).groupby(level=0).min()
        t_win = pd.Series(lead).map(win_time).to_numpy(dtype=np.float64)
        t_win = np.where(np.isnan(t_win), np.inf, t_win)
        done = (is_win | (kind == "lose") | (kind == "arrive")
                | (t_win <= t))  # from the win on, a lead is no longer in progress
        state = kind.copy()
        for event, name in _STATE.items():
            state[kind == event] = name

        # -- snapshots: a lead is at its position at the end of day s (moment s) when the
        #    position began at or before s and the next event comes after s
        horizon = self.scenario.horizon_days
        live = ~done & (t_next > t)
        first = np.maximum(np.ceil(t[live]), 1.0)
        last = np.minimum(np.ceil(t_next[live]) - 1.0, math.floor(horizon))
        count = np.maximum(last - first + 1.0, 0.0).astype(np.int64)
        rows = np.repeat(np.flatnonzero(live), count)
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        s = np.repeat(first, count) + offset
        order = np.lexsort((lead[rows], s))
        rows, s = rows[order], s[order]
        codes, uniques = pd.factorize(pd.Series(stage[rows] + "\x1f" + step[rows]), sort=False)
        self._keys = [tuple(str(u).split("\x1f", 1)) for u in uniques]
        self._snap_s = s
        self._snap_key = np.asarray(codes, dtype=np.int64)
        self._snap_lead = lead[rows]
        self._snap_state = state[rows]
        self._snap_amount = amount[rows]
        self._snap_owner = owner[rows]
        tau = t_win[rows] - s
        self._by_key = [(s[self._snap_key == k], tau[self._snap_key == k])
                        for k in range(len(self._keys))]

        # -- entries: the first event of a lead at each step
        positioned = (stage != "") & (t < t_win)  # after-sale steps are not in progress
        repeat = pd.DataFrame({"lead": lead, "stage": stage, "step": step}).duplicated()
        first_at = positioned & ~repeat.to_numpy()
        entries = pd.DataFrame({
            "t": t[first_at], "stage": stage[first_at], "step": step[first_at],
            "amount": amount[first_at], "tau": t_win[first_at] - t[first_at],
        }).sort_values("t", kind="stable")
        self._entries: dict[tuple[str, str], tuple[Floats, Floats, Floats]] = {}
        for (st, sp), part in entries.groupby(["stage", "step"], sort=False):
            self._entries[(str(st), str(sp))] = (part["t"].to_numpy(dtype=np.float64),
                                                 part["tau"].to_numpy(dtype=np.float64),
                                                 part["amount"].to_numpy(dtype=np.float64))

    def _share(self, s: Floats, tau: Floats, moment: float, days: int,
               weight: Floats | None = None) -> tuple[float, int, int]:
        """Share of observations (at moments ``s``) that won within ``days``; no look-ahead.

        Returns:
            ``(share, samples, window_days)``; the window is shortened when fewer than
            ``min_samples`` observations have a fully observed ``days``-long window before
            ``moment``; ``(0.0, samples, 0)`` when not even a one-day window has enough.
        """
        window = days
        n = int(np.searchsorted(s, moment - window, side="right"))
        if n < self.min_samples:
            if len(s) < self.min_samples:
                return 0.0, n, 0
            window = min(days, math.floor(moment - s[self.min_samples - 1]))
            if window < 1:
                return 0.0, n, 0
            n = int(np.searchsorted(s, moment - window, side="right"))
        hit = tau[:n] <= window
        if weight is None:
            return float(hit.mean()), n, window
        return float((hit * weight[:n]).mean()), n, window

    # -- forecasts --------------------------------------------------------------------------

    def month_of(self, date: dt.date) -> PlanMonth:
        """The plan month a date belongs to, or a :class:`PlanError` if it is outside the run."""
        start = self.scenario.calendar.start_date
        window = range(math.ceil(self.scenario.warmup_days),
                       math.ceil(self.scenario.horizon_days))
        day = (date - start).days
        if day not in window:
            first = start + dt.timedelta(days=window[0]) if window else start
            last = start + dt.timedelta(days=window[-1]) if window else start
            raise PlanError(f"{date.isoformat()} is outside the run's measured days "
                            f"({first.isoformat()} … {last.isoformat()})")
        key = f"{date:%Y-%m}"
        if key not in self.months:
            raise PlanError(f"{key} has no working day inside the run")
        return self.months[key]

    def at(self, date: dt.date) -> Forecast:
        """The forecast of ``date``'s month at the end of ``date``.

        Args:
            date: A day inside the run's measured window.

        Returns:
            The :class:`Forecast`.

        Raises:
            PlanError: If the date is outside the run.
        """
        month = self.month_of(date)
        start = self.scenario.calendar.start_date
        moment = float((date - start).days + 1)
        days_left = max(0, int(month.cutoff - moment))
        rows = self._current(moment)
        p, samples, windows = self._probabilities(rows, moment, days_left)
        keys = [self._keys[k] for k in self._snap_key[rows]]
        current = pd.DataFrame({
            "lead_id": self._snap_lead[rows], "stage": [k[0] for k in keys],
            "step": [k[1] for k in keys], "state": self._snap_state[rows],
            "amount": self._snap_amount[rows], "owner": self._snap_owner[rows],
            "p_win": p, "samples": samples, "window_days": windows,
            "expected": self._snap_amount[rows] * p,
        })
        sold = self.sales[(self.sales["month"] == month.month) & (self.sales["time"] <= moment)
                          & self.sales["day"].isin(month.day_indices)]
        plans = self._plans[month.month]
        by_manager = self._by_manager(current, sold, plans)
        by_step = self._by_step(current)
        won = float(sold["amount"].sum())
        expected = float(current["expected"].sum())
        gap = float(plans[DEPARTMENT]) - won - expected
        return Forecast(
            date=date, month=month.month, cutoff=month.dates[-1], days_left=days_left,
            plan=float(plans[DEPARTMENT]), won=won, expected=expected,
            deals_in_progress=len(current), currency=self.scenario.currency,
            by_manager=by_manager, by_step=by_step,
            activities=self._activities(moment, days_left, gap),
            short_history=bool(days_left > 0 and len(current)
                               and (current["window_days"] < days_left).any()),
        )

    def _current(self, moment: float) -> slice:
        """The snapshot rows of the leads in progress at ``moment`` (the end of a day)."""
        lo = int(np.searchsorted(self._snap_s, moment, side="left"))
        hi = int(np.searchsorted(self._snap_s, moment, side="right"))
        return slice(lo, hi)

    def _probabilities(self, rows: slice, moment: float, days_left: int
                       ) -> tuple[Floats, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per lead in progress: P(win within ``days_left``), samples and window used."""
        codes = self._snap_key[rows]
        p = np.zeros(len(codes))
        samples = np.zeros(len(codes), dtype=np.int64)
        windows = np.zeros(len(codes), dtype=np.int64)
        if days_left <= 0:
            return p, samples, windows
        for code in np.unique(codes):
            s, tau = self._by_key[int(code)]
            share, n, window = self._share(s, tau, moment, days_left)
            mask = codes == code
            p[mask], samples[mask], windows[mask] = share, n, window
        return p, samples, windows

    def _by_manager(self, current: pd.DataFrame, sold: pd.DataFrame,
                    plans: dict[str, Decimal]) -> pd.DataFrame:
        names = [m.name for m in self.managers]
        extra = set(current["owner"]) | set(sold["manager"])
        who = [*names, *([UNASSIGNED] if UNASSIGNED in extra else [])]
        who += sorted(str(x) for x in extra - set(who))  # people of the role not on the plan
        rows = []
        for name in [*who, DEPARTMENT]:
            mine = current if name == DEPARTMENT else current[current["owner"] == name]
            got = sold if name == DEPARTMENT else sold[sold["manager"] == name]
            plan = float(plans.get(name, Decimal(0)))
            won = float(got["amount"].sum())
            expected = float(mine["expected"].sum())
            total = won + expected
            rows.append({
                "manager": name, "plan": plan, "won": won, "won_deals": len(got),
                "deals": len(mine), "pipeline": float(mine["amount"].sum()),
                "expected": expected, "forecast": total, "gap": plan - total,
                "share": total / plan if plan > 0 else math.nan,
            })
        return pd.DataFrame(rows)

    def _by_step(self, current: pd.DataFrame) -> pd.DataFrame:
        columns = ["stage", "step", "state", "deals", "pipeline", "p_win", "expected", "samples",
                   "window_days"]
        if current.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        order = {key: i for i, key in enumerate(self._steps)}
        table = current.groupby(["stage", "step", "state"], sort=False).agg(
            deals=("lead_id", "size"), pipeline=("amount", "sum"), p_win=("p_win", "first"),
            expected=("expected", "sum"), samples=("samples", "first"),
            window_days=("window_days", "first")).reset_index()
        rank = [order.get((str(a), str(b)), len(order)) for a, b in
                zip(table["stage"], table["step"], strict=True)]
        states = {"queued": 0, "in work": 1, "with client": 2}
        table = table.assign(_rank=rank, _state=[states.get(str(x), 3) for x in table["state"]])
        table = table.sort_values(["_rank", "_state"], kind="stable")
        return table[columns].reset_index(drop=True)

    def _activities(self, moment: float, days_left: int, gap: float) -> tuple[Activity, ...]:
        plan = require_plan(self.scenario)
        targets: list[tuple[str, str]] = []
        if self._steps:
            targets.append(self._steps[0])
        for stage in self.scenario.stages:
            role_step = next(((stage.name, st.name) for st in stage.steps
                              if st.role == plan.role), None)
            if role_step is not None:
                if role_step not in targets:
                    targets.insert(0, role_step)  # the plan role's own lever first
                break
        result = []
        for key in targets:
            if key not in self._entries or days_left <= 0:
                continue
            t, tau, amount = self._entries[key]
            p, n, window = self._share(t, tau, moment, days_left)
            value, _, _ = self._share(t, tau, moment, days_left, weight=amount)
            m = int(np.searchsorted(t, moment - window, side="right")) if window else 0
            mean_amount = float(amount[:m].mean()) if m else 0.0
            needed = math.ceil(gap / value) if gap > 0 and value > 0 else None
            seen = int(np.searchsorted(t, moment, side="right"))
            per_month = seen / moment * MONTH_DAYS if moment > 0 else 0.0
            result.append(Activity(stage=key[0], step=key[1], p_win=p, mean_amount=mean_amount,
                                   value=value, samples=n, window_days=window, needed=needed,
                                   per_month=per_month))
        return tuple(result)

    def total_at(self, date: dt.date) -> tuple[float, float]:
        """``(won, expected)`` for ``date``'s month at the end of ``date``, without the tables."""
        month = self.month_of(date)
        moment = float((date - self.scenario.calendar.start_date).days + 1)
        days_left = max(0, int(month.cutoff - moment))
        rows = self._current(moment)
        p, _, _ = self._probabilities(rows, moment, days_left)
        times, amounts = self._month_sales[month.month]
        won = float(amounts[: int(np.searchsorted(times, moment, side="right"))].sum())
        return won, float((self._snap_amount[rows] * p).sum())

    # -- accuracy ---------------------------------------------------------------------------

    def accuracy(self, days: Sequence[int] | None = None) -> pd.DataFrame:
        """The forecast of every complete month at the end of each of its days vs its sales.

        Args:
            days: Days of the month to evaluate (default: all).

        Returns:
            One row per complete month and calendar day: ``month, day, date, days_left, won,
            expected, forecast, actual, error`` (``(forecast − actual) / actual``) and ``ape``
            (``|error|``); months without sales are left out (no percentage error).
        """
        rows = []
        for month in self.months.values():
            if not month.complete:
                continue
            actual = float(self.sales.loc[self.sales["month"] == month.month, "amount"].sum())
            if actual <= 0:
                continue
            first = self.scenario.calendar.start_date + dt.timedelta(days=month.first_day)
            length = month.last_day - month.first_day + 1
            for day in range(1, length + 1):
                if days is not None and day not in days:
                    continue
                date = first + dt.timedelta(days=day - 1)
                won, expected = self.total_at(date)
                moment = float(month.first_day + day)
                error = (won + expected - actual) / actual
                rows.append({
                    "month": month.month, "day": day, "date": date,
                    "days_left": max(0, int(month.cutoff - moment)), "won": won,
                    "expected": expected, "forecast": won + expected, "actual": actual,
                    "error": error, "ape": abs(error),
                })
        columns = ["month", "day", "date", "days_left", "won", "expected", "forecast", "actual",
                   "error", "ape"]
        return pd.DataFrame(rows, columns=columns)


def accuracy_by_day(detail: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute percentage error (and mean signed error) by day of the month.

    Args:
        detail: :meth:`Forecaster.accuracy`.

    Returns:
        ``day, months, mape, bias`` (fractions: 0.12 = 12%).
    """
    if detail.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("day", "months", "mape", "bias")})
    table = detail.groupby("day").agg(months=("month", "size"), mape=("ape", "mean"),
                                      bias=("error", "mean")).reset_index()
    return table


def forecast(events: pd.DataFrame, scenario: Scenario, date: dt.date,
             staff: pd.DataFrame | None = None) -> Forecast:
    """The bottom-up forecast of ``date``'s month at the end of ``date`` (see the module doc).

    Args:
        events: The event log of one run.
        scenario: Its scenario, with a plan.
        date: A day inside the run.
        staff: Optional staff table of the run.

    Raises:
        PlanError: No plan, nobody in the plan's role, or a date outside the run.
    """
    return Forecaster(events, scenario, staff).at(date)


def forecast_accuracy(events: pd.DataFrame, scenario: Scenario,
                      staff: pd.DataFrame | None = None) -> pd.DataFrame:
    """MAPE of the forecast by day of the month over the run's complete months.

    Args:
        events: The event log of one run.
        scenario: Its scenario, with a plan.
        staff: Optional staff table of the run.

    Returns:
        :func:`accuracy_by_day` of :meth:`Forecaster.accuracy`.
    """
    return accuracy_by_day(Forecaster(events, scenario, staff).accuracy())


def plan_tables(events: pd.DataFrame, scenario: Scenario,
                staff: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The plan tables of a run folder: plan/fact and the forecast's accuracy.

    Args:
        events: The event log of one run (the run folder uses replication 0).
        scenario: Its scenario.
        staff: Optional staff table of the run.

    Returns:
        ``{"plan_fact_daily", "plan_fact_monthly", "forecast_accuracy"}`` (see
        :func:`plans.planfact.plan_fact` and :func:`accuracy_by_day`), or ``{}`` when the
        scenario has no plan.
    """
    if scenario.plan is None:
        return {}
    tables = plan_fact(events, scenario, staff)
    tables["forecast_accuracy"] = forecast_accuracy(events, scenario, staff)
    return tables
