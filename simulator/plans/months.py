"""The plan's months and managers: the months the run covers, each with its plan (pro rata for
a partial month), the people who carry it, and each one's share.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from salesim.simulator.plans.credit import KOPECK, event_text, is_working, require_plan
from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.schedule import Decomposition, Manager
from salesim.simulator.scenario.schema import Scenario

__all__ = ["PlanMonth", "decompose_month", "manager_plans", "plan_managers", "plan_months",
           "window_days"]


@dataclass(frozen=True)
class PlanMonth:
    """A calendar month as far as the run covers it.

    Attributes:
        month: ``YYYY-MM``.
        dates: Its working days inside the measured window, in order.
        day_indices: The same days as day indices (days since ``calendar.start_date``).
        all_working_days: How many working days the whole month has.
        complete: Whether every calendar day of the month is inside the measured window.
        month_plan: The scenario's plan for the whole month, to the kopeck.
        plan: The plan for the covered days: ``month_plan`` pro rata for a partial month.
        first_day: Day index of the month's first calendar day (may be negative).
        last_day: Day index of the month's last calendar day.
    """

    month: str
    dates: tuple[dt.date, ...]
    day_indices: tuple[int, ...]
    all_working_days: int
    complete: bool
    month_plan: Decimal
    plan: Decimal
    first_day: int
    last_day: int

    @property
    def cutoff(self) -> float:
        """The end of the month's last working day (simulation time): later wins count for the
        next month."""
        return float(self.day_indices[-1] + 1)



def window_days(scenario: Scenario) -> range:
    """Day indices of the measured window ``[warmup_days, horizon_days)``."""
    return range(math.ceil(scenario.warmup_days), math.ceil(scenario.horizon_days))



def plan_managers(events: pd.DataFrame, scenario: Scenario,
                  staff: pd.DataFrame | None = None) -> tuple[Manager, ...]:
    """The people who carry the plan, as :class:`plans.decompose.Manager` objects.

    With ``staff`` (the ``Result.staff`` table: ``staff_id``, ``role``, ``hired_at``, ``left_at``)
    each person works from the day of ``hired_at`` to the day of ``left_at``. Without it, the
    role's initial people (``role-1`` … ``role-N``) work throughout and anyone else of the role
    seen in the event log works from the day of their first ``start``.

    Args:
        events: The event log of the run.
        scenario: The scenario; ``scenario.plan.role`` names the role.
        staff: Optional staff table of the run.

    Returns:
        The managers in staff-number order.

    Raises:
        PlanError: If the scenario has no plan or the role has nobody.
    """
    plan = require_plan(scenario)
    role = plan.role
    start = scenario.calendar.start_date

    def day_date(day: float) -> dt.date:
        return start + dt.timedelta(days=max(int(day), 0))

    people: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    if staff is not None and {"staff_id", "role", "hired_at"} <= set(staff.columns):
        members = staff[staff["role"].astype(str) == role]
        left = members["left_at"] if "left_at" in members else pd.Series(np.nan, members.index)
        for sid, hired, gone in zip(members["staff_id"].astype(str), members["hired_at"], left,
                                    strict=True):
            begin = day_date(math.floor(hired)) if hired > 0 else None
            end = day_date(math.ceil(gone) - 1) if pd.notna(gone) else None
            people[sid] = (begin, end)
    else:
        for k in range(1, scenario.role(role).headcount + 1):
            people[f"{role}-{k}"] = (None, None)
        starts = events[(event_text(events["event"]) == "start")
                        & (event_text(events["role"]) == role)]
        first_seen = starts.groupby(event_text(starts["staff_id"]))["time"].min()
        for sid, t in first_seen.items():
            if str(sid) and str(sid) not in people:
                people[str(sid)] = (day_date(math.floor(float(t))), None)
    if not people:
        raise PlanError(f"the plan's role {role!r} has nobody to carry the plan (headcount 0)")
    ordered = sorted(people, key=_staff_number)
    return tuple(Manager(sid, start=people[sid][0], end=people[sid][1]) for sid in ordered)


def _staff_number(staff_id: str) -> tuple[str, int, str]:
    head, _, tail = staff_id.rpartition("-")
    return (head, int(tail), staff_id) if tail.isdigit() else (staff_id, 0, staff_id)


def plan_months(scenario: Scenario) -> list[PlanMonth]:
    """The calendar months with working days inside the measured window, with their plans.

    Args:
        scenario: A scenario with a plan.

    Returns:
        The months in order.

    Raises:
        PlanError: If the scenario has no plan.
    """
    plan = require_plan(scenario)
    calendar = scenario.work_calendar()
    start = scenario.calendar.start_date
    window = window_days(scenario)
    if not window:
        return []
    first = start + dt.timedelta(days=window[0])
    last = start + dt.timedelta(days=window[-1])
    months: list[PlanMonth] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        begin = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        all_dates = [begin + dt.timedelta(days=k) for k in range((end - begin).days + 1)]
        working = [d for d in all_dates if is_working(calendar, d)]
        inside = [d for d in working if (d - start).days in window]
        if inside:
            label = f"{year:04d}-{month:02d}"
            full = Decimal(repr(float(plan.for_month(label)))).quantize(KOPECK, ROUND_HALF_UP)
            share = (full if len(inside) == len(working) else
                     (full * len(inside) / len(working)).quantize(KOPECK, ROUND_HALF_UP))
            months.append(PlanMonth(
                month=label,
                dates=tuple(inside),
                day_indices=tuple((d - start).days for d in inside),
                all_working_days=len(working),
                complete=(begin - start).days in window and (end - start).days in window,
                month_plan=full,
                plan=share,
                first_day=(begin - start).days,
                last_day=(end - start).days,
            ))
        year, month = year + month // 12, month % 12 + 1
    return months


def decompose_month(scenario: Scenario, month: PlanMonth, managers: Sequence[Manager],
                     actuals: Sequence[Decimal] = ()) -> Decomposition:
    """``decompose`` for one month.

    If on some working day nobody of the role is on the staff, the month is split as if every
    manager were present (``decompose`` needs somebody on every day).
    """
    plan = require_plan(scenario)
    try:
        return decompose(month.plan, list(month.dates), list(managers), actuals=actuals,
                         policy=plan.policy)
    except PlanError as exc:
        if "no manager works" not in str(exc):
            raise
    everyone = [Manager(m.name, weight=m.weight) for m in managers]
    return decompose(month.plan, list(month.dates), everyone, actuals=actuals,
                     policy=plan.policy)


def manager_plans(scenario: Scenario, month: PlanMonth,
                  managers: Sequence[Manager]) -> dict[str, Decimal]:
    """Each manager's share of a month's plan (the sum of their base daily figures).

    Args:
        scenario: A scenario with a plan.
        month: One of :func:`plan_months`.
        managers: The managers (:func:`plan_managers`).

    Returns:
        Plan per manager name, plus ``"department"``; the managers' shares sum to it exactly.
    """
    totals: dict[str, Decimal] = {}
    for row in decompose_month(scenario, month, managers).rows:
        totals[row.who] = totals.get(row.who, Decimal("0.00")) + row.plan
    return totals
