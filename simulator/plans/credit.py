"""Who, when, how much: the sales a plan covers, the day each counts on and who sold it.

Pure functions of an event log and its scenario (rules in :mod:`plans.planfact`): a sale is
credited to the person of the plan's role who did the lead's last staffed step of that role,
on its day or the next working day, to the kopeck.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from salesim.simulator.metrics.money import booked, recognised
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.schema import SalesPlan, Scenario

__all__ = ["KOPECK", "UNASSIGNED", "cash_received", "credit_day", "event_text", "is_working",
           "kopecks", "owner_so_far", "require_plan", "sales"]

KOPECK = Decimal("0.01")
UNASSIGNED = "unassigned"
"""The ``manager`` of sales (and deals in progress) that nobody of the plan's role worked on."""

MAX_CREDIT_SEARCH_DAYS = 7305
"""A sale on a non-working day looks this far ahead (20 years) for the next working day."""


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


def is_working(calendar: WorkCalendar, date: dt.date) -> bool:
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
        if is_working(calendar, start + dt.timedelta(days=day + step)):
            return day + step
    raise PlanError(f"no working day within 20 years after day {day}")  # pragma: no cover


def kopecks(amount: float) -> Decimal:
    return Decimal(repr(float(amount))).quantize(KOPECK, rounding=ROUND_HALF_UP)



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
    won["amount_exact"] = pd.Series([kopecks(a) for a in won["amount"]], dtype=object)
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
    rows += [(int(lead), float(t), kopecks(amount), str(owner[int(lead)]), credit_day(calendar, t))
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
