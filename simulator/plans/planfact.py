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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from salesim.simulator.plans.credit import (
    UNASSIGNED,
    cash_received,
    require_plan,
    sales,
)
from salesim.simulator.plans.months import (
    PlanMonth,
    decompose_month,
    plan_managers,
    plan_months,
)
from salesim.simulator.plans.schedule import DEPARTMENT, Manager
from salesim.simulator.scenario.schema import SalesPlan, Scenario

# plan/fact's public names, wherever they live in plans/
__all__ = ["plan_fact"]

DAILY_COLUMNS = (
    "month", "date", "working_day", "manager", "working", "base_plan", "target", "actual",
    "deals", "cum_plan", "cum_actual", "gap", "attainment", "invoiced", "cash",
)
MONTHLY_COLUMNS = (
    "month", "manager", "complete", "working_days", "plan", "actual", "deals", "gap",
    "attainment", "invoiced", "cash",
)



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
                 for row in decompose_month(scenario, month, managers, dept_actuals).rows}
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
