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
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salesim.simulator.plans.credit import UNASSIGNED, require_plan, sales
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.history import Floats, build_history, win_share
from salesim.simulator.plans.months import PlanMonth, manager_plans, plan_managers, plan_months
from salesim.simulator.plans.outlook import Activity, Forecast
from salesim.simulator.plans.planfact import plan_fact
from salesim.simulator.plans.schedule import DEPARTMENT
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import MONTH_DAYS

__all__ = [
    "MIN_SAMPLES",
    "Forecaster",
    "accuracy_by_day",
    "forecast",
    "forecast_accuracy",
    "plan_tables",
]

MIN_SAMPLES = 30
"""Fewest historical observations behind a probability before its window is shortened."""


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
        self._history = build_history(events, plan.role, scenario.horizon_days)
        self._month_sales: dict[str, tuple[Floats, Floats]] = {}
        for key, month in self.months.items():
            mine = self.sales[(self.sales["month"] == key)
                              & self.sales["day"].isin(month.day_indices)]
            self._month_sales[key] = (mine["time"].to_numpy(dtype=np.float64),
                                      mine["amount"].to_numpy(dtype=np.float64))

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
        keys = [self._history.keys[k] for k in self._history.snap_key[rows]]
        current = pd.DataFrame({
            "lead_id": self._history.snap_lead[rows], "stage": [k[0] for k in keys],
            "step": [k[1] for k in keys], "state": self._history.snap_state[rows],
            "amount": self._history.snap_amount[rows], "owner": self._history.snap_owner[rows],
            "p_win": p, "samples": samples, "window_days": windows,
            "expected": self._history.snap_amount[rows] * p,
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
        lo = int(np.searchsorted(self._history.snap_s, moment, side="left"))
        hi = int(np.searchsorted(self._history.snap_s, moment, side="right"))
        return slice(lo, hi)

    def _probabilities(self, rows: slice, moment: float, days_left: int
                       ) -> tuple[Floats, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per lead in progress: P(win within ``days_left``), samples and window used."""
        codes = self._history.snap_key[rows]
        p = np.zeros(len(codes))
        samples = np.zeros(len(codes), dtype=np.int64)
        windows = np.zeros(len(codes), dtype=np.int64)
        if days_left <= 0:
            return p, samples, windows
        for code in np.unique(codes):
            s, tau = self._history.by_key[int(code)]
            share, n, window = win_share(s, tau, moment, days_left, self.min_samples)
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
            if key not in self._history.entries or days_left <= 0:
                continue
            t, tau, amount = self._history.entries[key]
            p, n, window = win_share(t, tau, moment, days_left, self.min_samples)
            value, _, _ = win_share(t, tau, moment, days_left, self.min_samples,
                                    weight=amount)
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
        return won, float((self._history.snap_amount[rows] * p).sum())

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
        scenario has no plan or nobody in the plan's role to carry it (headcount 0).
    """
    if scenario.plan is None:
        return {}
    try:
        tables = plan_fact(events, scenario, staff)
    except PlanError:  # nobody carries the plan: there is no plan/fact to split
        return {}
    tables["forecast_accuracy"] = forecast_accuracy(events, scenario, staff)
    return tables
