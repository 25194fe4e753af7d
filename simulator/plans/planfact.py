"""Plan/fact: the scenario's monthly revenue plan against the simulated sales, day by day.

Everything here is pure: an event log (``simulate(...).events`` or the ``events.csv.gz`` of a run
folder, one replication) and its :class:`~scenario.schema.Scenario` in, pandas tables out. The
decomposition of a month's plan into daily targets per manager is :func:`plans.decompose.decompose`;
this module only decides which sales count on which day and for whom (see ``docs/plans.md``):

* **Managers** are the people of ``scenario.plan.role`` (staff ids ``closer-1`` … ``closer-N``),
  with equal weights.
* **Credit.** A won deal's revenue is credited to the person of the plan's role who did the lead's
  last staffed step of that role up to the win (the ``staff_id`` of the last ``start`` of that
  role), or to :data:`UNASSIGNED` if nobody of the role worked on the lead.
* **Date.** The sale counts on the day it is revenue (:func:`metrics.money.recognised`: the
  day its order ships, by default; the day it is won with ``revenue_recognition: win``) in the
  company calendar; a sale on a non-working day counts towards the next working day (so a
  Saturday shipment on the 31st belongs to the next month).
* **Months** cover the working days of the company calendar inside the measured window
  ``[warmup_days, horizon_days)``. A month the run covers only in part gets the plan pro rata:
  ``plan × (its working days inside the run) / (all its working days)``, rounded half-up to the
  kopeck; such months have ``complete = False``.
* **Money** is exact: each deal is rounded to the kopeck (half-up) and summed as ``Decimal``.
* **Cash** is the money received for the won deals (:func:`cash_received`); it equals the
  invoiced sales unless the log has ``paid`` events for them.
* What counts is what the plan covers (``plan.covers``): ``new_business`` (the default), the
  first deals of new clients; ``all_revenue``, their repeat orders and upsells too (credited to
  :data:`UNASSIGNED`: the plan's managers did not sell them).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from salesim.simulator.metrics.money import booked, recognised
from salesim.simulator.plans.decompose import (
    DEPARTMENT,
    Decomposition,
    Manager,
    PlanError,
    decompose,
)
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.schema import SalesPlan, Scenario

__all__ = [
    "DEPARTMENT",
    "KOPECK",
    "UNASSIGNED",
    "PlanMonth",
    "cash_received",
    "credit_day",
    "event_text",
    "manager_plans",
    "owner_so_far",
    "plan_fact",
    "plan_managers",
    "plan_months",
    "require_plan",
    "sales",
]

KOPECK = Decimal("0.01")
UNASSIGNED = "unassigned"
"""The ``manager`` of sales (and deals in progress) that nobody of the plan's role worked on."""

MAX_CREDIT_SEARCH_DAYS = 7305
"""A sale on a non-working day looks this far ahead (20 years) for the next working day."""

DAILY_COLUMNS = (
    "month", "date", "working_day", "manager", "working", "base_plan", "target", "actual",
    "deals", "cum_plan", "cum_actual", "gap", "attainment", "invoiced", "cash",
)
MONTHLY_COLUMNS = (
    "month", "manager", "complete", "working_days", "plan", "actual", "deals", "gap",
    "attainment", "invoiced", "cash",
)


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


# ------------------------------------------------------------------------------------------------
# Small shared helpers


def require_plan(scenario: Scenario) -> SalesPlan:
    """The scenario's plan, or a :class:`PlanError` saying how to add one."""
    if scenario.plan is None:
        raise PlanError(
            f"scenario {scenario.name!r} has no plan: add a 'plan:' block with monthly_revenue "
            f"and role (see docs/plans.md)"
        )
    return scenario.plan


def event_text(column: pd.Series) -> np.ndarray:
    """A label column (categorical, string or object with NaN) as an object array of ``str``.

    Missing values become ``""``, as in the in-memory event log.
    """
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    labels = np.array([*(str(c) for c in cat.cat.categories), ""], dtype=object)
    return np.asarray(labels[cat.cat.codes.to_numpy()], dtype=object)


def _is_working(calendar: WorkCalendar, date: dt.date) -> bool:
    """The company calendar's rule applied to any date (also before the start date)."""
    return date.weekday() in calendar.weekdays and date not in calendar.holidays


def credit_day(calendar: WorkCalendar, t: float) -> int:
    """The day index a sale at moment ``t`` counts on: its day, or the next working day.

    Args:
        calendar: The company calendar (``scenario.work_calendar()``).
        t: Simulation time of the win, in days.

    Returns:
        The day index (days since ``calendar.start_date``) of the first working day at or after
        the day of ``t``.
    """
    day = math.floor(t)
    start = calendar.start_date
    for step in range(MAX_CREDIT_SEARCH_DAYS):
        if _is_working(calendar, start + dt.timedelta(days=day + step)):
            return day + step
    raise PlanError(f"no working day within 20 years after day {day}")  # pragma: no cover


def _kopecks(amount: float) -> Decimal:
    return Decimal(repr(float(amount))).quantize(KOPECK, rounding=ROUND_HALF_UP)


def _window_days(scenario: Scenario) -> range:
    """Day indices of the measured window ``[warmup_days, horizon_days)``."""
    return range(math.ceil(scenario.warmup_days), math.ceil(scenario.horizon_days))


# ------------------------------------------------------------------------------------------------
# Who, when, how much


def sales(events: pd.DataFrame, scenario: Scenario, *, at: str = "plan") -> pd.DataFrame:
    """One row per sale the plan covers, with the day, month and manager it is credited to.

    Args:
        events: The event log of one run (columns ``time``, ``lead_id``, ``event``, ``stage``,
            ``staff_id``, ``role``, ``amount``).
        scenario: The scenario of the run; its plan names the managers' role and what it covers.
        at: ``"plan"``: the sales the plan covers (``plan.covers``: first deals, or repeat orders
            too), when they count as revenue (:func:`metrics.money.recognised`: at shipment
            by default) — the plan/fact "actual"; ``"win"``: first deals when they are won
            (the bottom-up forecast's pipeline view).

    Returns:
        Columns ``lead_id`` (the case), ``time`` (when it counts), ``booked_at`` (when it was
        won or ordered), ``kind`` ('first', 'repeat', 'upsell'), ``amount`` (float),
        ``amount_exact`` (``Decimal``, to the kopeck), ``manager`` (staff id or
        ``"unassigned"``: repeat orders, or nobody of the role worked the lead), ``day``
        (credited day index), ``date``, ``month`` (``YYYY-MM`` of the credited day), in order
        of ``time``.

    Raises:
        PlanError: If the scenario has no plan.
    """
    plan = require_plan(scenario)
    calendar = scenario.work_calendar()
    ordered = events.sort_values("lead_id", kind="stable")
    kind = event_text(ordered["event"])
    owner = owner_so_far(ordered, kind, plan.role)
    is_win = kind == "win"
    managers = pd.Series(owner[is_win], index=ordered["lead_id"].to_numpy()[is_win])
    sold = booked(events) if at == "win" else recognised(events, scenario)
    if at == "win" or plan.covers == "new_business":
        sold = sold[sold["kind"] == "first"]
    booked_at = sold["time"] if at == "win" else sold["booked_at"]
    won = pd.DataFrame({
        "lead_id": sold["case"].to_numpy().astype(np.int64),
        "time": sold["time"].to_numpy(dtype=np.float64),
        "booked_at": booked_at.to_numpy(dtype=np.float64),
        "kind": sold["kind"].to_numpy(dtype=object),
        "amount": sold["amount"].to_numpy(dtype=np.float64),
        "manager": sold["case"].map(managers).fillna(UNASSIGNED).to_numpy(dtype=object),
    }).sort_values(["time", "lead_id"], kind="stable").reset_index(drop=True)
    start = scenario.calendar.start_date
    days = [credit_day(calendar, t) for t in won["time"]]
    dates = [start + dt.timedelta(days=d) for d in days]
    won["amount_exact"] = pd.Series([_kopecks(a) for a in won["amount"]], dtype=object)
    won["day"] = pd.Series(days, dtype=np.int64)
    won["date"] = pd.Series(dates, dtype=object)
    won["month"] = pd.Series([f"{d:%Y-%m}" for d in dates], dtype=object)
    return won[["lead_id", "time", "booked_at", "kind", "amount", "amount_exact", "manager",
                "day", "date", "month"]]


def cash_received(events: pd.DataFrame, scenario: Scenario,
                  sold: pd.DataFrame | None = None) -> pd.DataFrame:
    """Money received for the won deals, with the day and manager it is credited to.

    The receivables seam of plan/fact. A won deal's money is its ``paid`` events (the amount of
    each, on its day) when the log has them. A won deal without one was paid on its win day,
    unless the scenario's ``payment`` section says first deals are paid later
    (``first_deals: true``): such a deal is still unpaid. Without a ``payment`` section this is
    cash = invoiced, on the win day. Money on a non-working day counts on the next working day.

    Args:
        events: The event log of one run.
        scenario: Its scenario, with a plan.
        sold: :func:`sales` of the same log, if already computed.

    Returns:
        Columns ``lead_id``, ``time``, ``amount_exact`` (``Decimal``), ``manager``, ``day``.
    """
    sold = sales(events, scenario) if sold is None else sold
    calendar = scenario.work_calendar()
    kind = event_text(events["event"])
    paid = events[kind == "paid"]
    paid = paid[paid["lead_id"].isin(sold["lead_id"])]
    owner = dict(zip(sold["lead_id"], sold["manager"], strict=True))
    payment = scenario.payment
    # paid on the spot, when booked: without a payment block everything; with one, first deals
    # whose pipeline's own money step was the payment (``first_deals: false``)
    spot = sold[~sold["lead_id"].isin(paid["lead_id"])]
    if payment is not None:
        spot = spot[(spot["kind"] == "first") & (not payment.first_deals)]
    rows = [
        (int(lead), float(t), amount, str(who), credit_day(calendar, t))
        for lead, t, amount, who in zip(spot["lead_id"], spot["booked_at"], spot["amount_exact"],
                                        spot["manager"], strict=True)]
    rows += [(int(lead), float(t), _kopecks(amount), str(owner[int(lead)]), credit_day(calendar, t))
             for lead, t, amount in zip(paid["lead_id"], paid["time"], paid["amount"],
                                        strict=True)]
    rows.sort(key=lambda r: (r[1], r[0]))
    return pd.DataFrame(rows, columns=["lead_id", "time", "amount_exact", "manager", "day"])


def owner_so_far(ordered: pd.DataFrame, kind: np.ndarray, role: str) -> np.ndarray:
    """For each row of a lead-ordered log: who of ``role`` last started work on the lead so far.

    Rows before any such ``start`` get :data:`UNASSIGNED`.
    """
    staff = event_text(ordered["staff_id"])
    roles = event_text(ordered["role"])
    leads = ordered["lead_id"].to_numpy()
    mark = (kind == "start") & (roles == role) & (staff != "")
    positions = np.arange(len(staff))
    last = np.maximum.accumulate(np.where(mark, positions, -1)) if len(staff) else positions
    # rows are grouped by lead: a mark of an earlier lead does not count
    valid = (last >= 0) & (leads[np.maximum(last, 0)] == leads)
    return np.where(valid, staff[np.maximum(last, 0)], UNASSIGNED).astype(object)


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
    window = _window_days(scenario)
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
        working = [d for d in all_dates if _is_working(calendar, d)]
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


def _decompose_month(scenario: Scenario, month: PlanMonth, managers: Sequence[Manager],
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
    for row in _decompose_month(scenario, month, managers).rows:
        totals[row.who] = totals.get(row.who, Decimal("0.00")) + row.plan
    return totals


# ------------------------------------------------------------------------------------------------
# Plan attainment: the one definition


@dataclass(frozen=True)
class Attainment:
    """The department's plan and what it sold against it over the measured window.

    Attributes:
        plan: The plan over the window: each month's plan, pro rata to its working days inside
            the window (as ``plan_fact_monthly``'s department rows have it), to the kopeck.
        actual: The sales the plan covers, credited to those months (as plan/fact's ``actual``).
        month_equivalents: The window in months of plan (Σ working days inside ÷ working days
            of the month): ``plan`` is a flat monthly plan times this.
    """

    plan: Decimal
    actual: Decimal
    month_equivalents: float

    @property
    def ratio(self) -> float:
        """actual ÷ plan (NaN without a plan to date)."""
        return float(self.actual / self.plan) if self.plan > 0 else math.nan


def plan_attainment(events: pd.DataFrame, scenario: Scenario,
                    plan: SalesPlan | None = None) -> Attainment:
    """Plan attainment of a run: the one function every command uses (summary, report,
    plan/fact, pay, compare, sweep, what-if, optimise).

    Args:
        events: The event log of one run.
        scenario: Its scenario.
        plan: The plan to measure against (default: the scenario's own).

    Raises:
        PlanError: If there is no plan.
    """
    if plan is not None:
        scenario = scenario.model_copy(update={"plan": plan})
    months = plan_months(scenario)
    sold = sales(events, scenario)
    days = {d for m in months for d in m.day_indices}
    counted = sold[sold["day"].isin(days)]
    return Attainment(plan=sum((m.plan for m in months), Decimal("0.00")),
                      actual=sum(counted["amount_exact"], Decimal("0.00")),
                      month_equivalents=sum(len(m.day_indices) / m.all_working_days
                                            for m in months))


# ------------------------------------------------------------------------------------------------
# The tables


def plan_fact(events: pd.DataFrame, scenario: Scenario,
              staff: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Plan against fact per working day and month, for each manager and the department.

    Args:
        events: The event log of one run.
        scenario: Its scenario, with a ``plan:`` block.
        staff: Optional ``Result.staff`` table (hire and leave moments); see
            :func:`plan_managers`.

    Returns:
        ``{"plan_fact_daily": …, "plan_fact_monthly": …}``.

        ``plan_fact_daily``: one row per working day of the window and per ``manager`` (each
        manager, ``"unassigned"`` in months that have unassigned sales, then ``"department"``):
        ``month``, ``date``, ``working_day`` (1-based in the month), ``working`` (the manager is
        on the staff that day), ``base_plan`` (the day's share of the month's plan), ``target``
        (the day's plan under the scenario's carry-over policy, recomputed from the actual sales
        before that day, as ``plans.decompose.decompose`` gives it), ``actual`` (sales credited
        that day), ``deals``, ``cum_plan`` and ``cum_actual`` (month to date), ``gap``
        (``cum_plan − cum_actual``: positive = behind), ``attainment`` (``cum_actual /
        cum_plan``, float; NaN while the plan to date is 0), ``invoiced`` and ``cash``.

        ``cash`` is money received that day for won deals (:func:`cash_received`): a deal's
        ``paid`` events when the log has them, else its win day, so without receivables
        ``cash == invoiced == actual``. ``invoiced`` is the sales of the day (the deal is
        invoiced when it is won).

        ``plan_fact_monthly``: per month and manager: ``complete`` (the whole month is in the
        window), ``working_days``, ``plan`` (pro rata for a partial month), ``actual``,
        ``deals``, ``gap``, ``attainment``, ``invoiced``, ``cash``.

        Money columns hold ``Decimal`` to the kopeck (object dtype).

    Raises:
        PlanError: If the scenario has no plan or the plan's role has nobody.
    """
    require_plan(scenario)
    managers = plan_managers(events, scenario, staff)
    sold = sales(events, scenario)
    cash = cash_received(events, scenario, sold)
    months = plan_months(scenario)
    daily_parts: list[pd.DataFrame] = []
    for month in months:
        daily_parts.append(_month_daily(scenario, month, managers, sold, cash))
    if daily_parts:
        daily = pd.concat(daily_parts, ignore_index=True)
    else:
        daily = pd.DataFrame({c: pd.Series(dtype=object) for c in DAILY_COLUMNS})
    monthly = _monthly(daily, months)
    return {"plan_fact_daily": daily[list(DAILY_COLUMNS)], "plan_fact_monthly": monthly}


def _month_daily(scenario: Scenario, month: PlanMonth, managers: Sequence[Manager],
                 sold: pd.DataFrame, cash: pd.DataFrame) -> pd.DataFrame:
    zero = Decimal("0.00")
    received: dict[tuple[int, str], Decimal] = {}
    in_cash = cash[cash["day"].isin(month.day_indices)]
    for day, who, amount in zip(in_cash["day"], in_cash["manager"], in_cash["amount_exact"],
                                strict=True):
        for key in ((int(day), str(who)), (int(day), DEPARTMENT)):
            received[key] = received.get(key, zero) + amount
    in_month = sold[sold["day"].isin(month.day_indices)]
    by_day: dict[tuple[int, str], Decimal] = {}
    deals: dict[tuple[int, str], int] = {}
    for day, who, amount in zip(in_month["day"], in_month["manager"], in_month["amount_exact"],
                                strict=True):
        for key in ((int(day), str(who)), (int(day), DEPARTMENT)):
            by_day[key] = by_day.get(key, zero) + amount
            deals[key] = deals.get(key, 0) + 1
    dept_actuals = [by_day.get((d, DEPARTMENT), zero) for d in month.day_indices]
    plan_rows = {(row.day, row.who): row
                 for row in _decompose_month(scenario, month, managers, dept_actuals).rows}
    # decompose lists the department first each day; put it last, after the managers.
    names = [m.name for m in managers]
    unassigned = bool((in_month["manager"] == UNASSIGNED).any()
                      or (in_cash["manager"] == UNASSIGNED).any())
    order = [*names, *([UNASSIGNED] if unassigned else []), DEPARTMENT]
    running: dict[str, Decimal] = dict.fromkeys(order, zero)
    rows: list[dict[str, object]] = []
    for k, (day, date) in enumerate(zip(month.day_indices, month.dates, strict=True)):
        for who in order:
            if who == UNASSIGNED:
                base = target = cum_plan = zero
                working = False
            else:
                row = plan_rows[(k + 1, who)]
                base, target, cum_plan, working = row.plan, row.target, row.cum_plan, row.working
            actual = by_day.get((day, who), zero)
            running[who] += actual
            rows.append({
                "month": month.month, "date": date, "working_day": k + 1, "manager": who,
                "working": working, "base_plan": base, "target": target, "actual": actual,
                "deals": deals.get((day, who), 0), "cum_plan": cum_plan,
                "cum_actual": running[who], "gap": cum_plan - running[who],
                "attainment": _ratio(running[who], cum_plan),
                "invoiced": actual, "cash": received.get((day, who), zero),
            })
    return pd.DataFrame(rows)


def _ratio(actual: Decimal, plan: Decimal) -> float:
    return float(actual / plan) if plan > 0 else math.nan


def _monthly(daily: pd.DataFrame, months: Sequence[PlanMonth]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    info = {m.month: m for m in months}
    zero = Decimal("0.00")
    for (month, who), part in daily.groupby(["month", "manager"], sort=False):
        plan = sum(part["base_plan"], zero)
        actual = sum(part["actual"], zero)
        cash = sum(part["cash"], zero)
        rows.append({
            "month": month, "manager": who, "complete": info[str(month)].complete,
            "working_days": int(part["working"].sum()) if who != UNASSIGNED else 0,
            "plan": plan, "actual": actual, "deals": int(part["deals"].sum()),
            "gap": plan - actual, "attainment": _ratio(actual, plan),
            "invoiced": actual, "cash": cash,
        })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MONTHLY_COLUMNS})
    return pd.DataFrame(rows)[list(MONTHLY_COLUMNS)]
