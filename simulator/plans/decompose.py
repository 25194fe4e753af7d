"""Exact sales-plan decomposition: period plan → daily targets per manager and department.

Everything here is pure: no I/O, no clocks, no global state. Money is :class:`decimal.Decimal`
and all arithmetic is done in whole *units* of the rounding quantum (kopecks by default), so
nothing is ever lost or created by rounding.

Rounding rules (see ``docs/plans.md``):

* **Cumulative plan.** The cumulative plan to working day *k* of *N* is ``plan × k / N`` rounded
  once, half-up, to the quantum. Day *k*'s base figure is the cumulative plan to day *k* minus
  the cumulative plan to day *k − 1*. The base figures are therefore a largest-remainder
  apportionment of the plan (every day gets ``floor(plan / N)`` or one quantum more, and exactly
  as many days get the extra quantum as the remainder requires), with the ties between the equal
  remainders broken so that every running total is the exact running plan rounded once. They
  sum to the plan exactly. With 1,000,000.00 over 22 days the cumulative plan to day 2 is
  ``2 × 1,000,000 / 22 = 90,909.0909… → 90,909.09``.
* **Per-manager split.** Each day's department figure (base plan or target) is split among the
  managers working that day in proportion to their weights by largest remainder: every share is
  floored to the quantum, then the leftover quanta go to the largest remainders (ties take
  turns: on day *k* the turn starts at the *k*-th manager, cyclically, so nobody is favoured
  every day). The shares sum to the day's figure exactly; a manager who does not
  work that day gets nothing and their share goes to the others in proportion to weights.
* **Spread.** The remaining plan is spread over the remaining days with the cumulative rule
  above, so the remaining targets sum to the remaining plan exactly.
* **Clamp.** A target can be negative only when the actuals run ahead of the plan so far. By
  default such targets are clamped at 0 (the surplus is not turned into a negative target);
  pass ``clamp=False`` to see the raw figure.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import cast

from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.exact import (
    Money,
    apportion,
    check_quantum,
    cumulative_split,
    fmt,
    money,
    round_div,
    units,
)
from salesim.simulator.plans.limits import check_amount, check_size, check_weight
from salesim.simulator.plans.schedule import (
    DEPARTMENT,
    POLICIES,
    Decomposition,
    Manager,
    PlanRow,
    Policy,
    Status,
    WorkDay,
    off_reason,
)

# the decomposition's public names, wherever they live in plans/
__all__ = ["decompose"]


# --------------------------------------------------------------------------------------------
# Validation


def _workdays(days: Sequence[dt.date] | int) -> tuple[WorkDay, ...]:
    if isinstance(days, bool):
        raise PlanError("working days must be a list of dates or a count")
    if isinstance(days, int):
        if days < 1:
            raise PlanError(f"no working days: need at least one, got {days}")
        check_size(days, 1)
        return tuple(WorkDay(k) for k in range(1, days + 1))
    dates = list(days)
    if not dates:
        raise PlanError("no working days: need at least one")
    for d in dates:
        if not isinstance(d, dt.date):
            raise PlanError(f"working days must be dates, not {type(d).__name__}")
    for before, after in itertools.pairwise(dates):
        if after <= before:
            raise PlanError(
                f"working days must be in increasing order without repeats "
                f"({before.isoformat()} then {after.isoformat()})"
            )
    return tuple(WorkDay(k, d) for k, d in enumerate(dates, start=1))


def _staff(managers: Sequence[Manager] | int) -> tuple[Manager, ...]:
    if isinstance(managers, bool):
        raise PlanError("managers must be a list of managers or a count")
    if isinstance(managers, int):
        if managers < 1:
            raise PlanError(f"no managers: need at least one, got {managers}")
        check_size(1, managers)
        return tuple(Manager(f"M{i}") for i in range(1, managers + 1))
    staff = tuple(managers)
    if not staff:
        raise PlanError("no managers: need at least one")
    seen: set[str] = set()
    for m in staff:
        if not isinstance(m, Manager):
            raise PlanError(f"managers must be Manager objects, not {type(m).__name__}")
        if not m.name.strip():
            raise PlanError("a manager's name must not be empty")
        if m.name == DEPARTMENT:
            raise PlanError(f"the manager name {DEPARTMENT!r} is reserved")
        if m.name in seen:
            raise PlanError(f"manager {m.name!r} is listed twice")
        seen.add(m.name)
        weight = m.weight
        if isinstance(weight, bool) or not isinstance(weight, Decimal | int):
            raise PlanError(f"weight of {m.name!r} must be a Decimal, not {type(weight).__name__}")
        if not Decimal(weight).is_finite() or weight <= 0:
            raise PlanError(f"weight of {m.name!r} must be > 0, not {weight}")
        check_weight(Decimal(weight), m.name)
    return staff


def _policy(policy: str) -> Policy:
    if policy not in POLICIES:
        raise PlanError(f"unknown policy {policy!r} (use {', '.join(POLICIES)})")
    return cast(Policy, policy)


def _actual_units(actuals: Sequence[Money], quantum: Decimal, n: int, who: str) -> list[int]:
    if len(actuals) > n:
        raise PlanError(
            f"actuals for {len(actuals)} days{who} but the period has only {n} working days"
        )
    return [units(check_amount(a, f"actual for day {k}{who}"), quantum,
                  f"actual for day {k}{who}") for k, a in enumerate(actuals, 1)]


# --------------------------------------------------------------------------------------------
# Decomposition


def decompose(
    plan: Money,
    days: Sequence[dt.date] | int,
    managers: Sequence[Manager] | int,
    *,
    actuals: Sequence[Money] = (),
    manager_actuals: Mapping[str, Sequence[Money]] | None = None,
    policy: str = "next_day",
    quantum: Money = Decimal("0.01"),
    clamp: bool = True,
) -> Decomposition:
    """Decompose a period plan into daily targets for the department and each manager.

    Args:
        plan: The period plan, >= 0, a whole multiple of ``quantum``.
        days: The working days (increasing dates, e.g. from :func:`month_days`) or their
            number (days are then labelled 1..N).
        managers: The managers, or their number (named ``M1``, ``M2``… with equal weights).
        actuals: The department's actual sales for days 1, 2, … so far.
        manager_actuals: Optional actuals per manager name, each as long as ``actuals``. If
            ``actuals`` is empty and every manager is given, the department's actuals are their
            sums; if every manager is given, their sums must equal ``actuals``. Per-manager
            actuals are reported but do not change the split (carry-over is department-wide).
        policy: ``next_day`` (target = cumulative plan to the day − cumulative actual before
            it), ``spread`` (remaining plan spread evenly over the remaining days) or ``none``
            (targets stay at the base daily plan; the gap is only reported).
        quantum: The rounding quantum (default ``Decimal("0.01")``, the kopeck).
        clamp: Clamp negative targets (actuals ahead of plan) at 0.

    Returns:
        The :class:`Decomposition`.

    Raises:
        PlanError: On zero managers, no working days, a negative plan, an unknown policy,
            actuals for more days than the period has, a weight <= 0, amounts that are not
            whole multiples of the quantum, or a working day on which no manager works.
    """
    q = check_quantum(quantum)
    plan_units = units(check_amount(plan, "plan"), q, "plan")
    if plan_units < 0:
        raise PlanError(f"plan must be >= 0, not {plan}")
    workdays = _workdays(days)
    staff = _staff(managers)
    check_size(len(workdays), len(staff))
    pol = _policy(policy)
    dept_actual = _actual_units(actuals, q, len(workdays), "")
    per_manager = _manager_actuals(manager_actuals or {}, staff, q, len(workdays))
    dept_actual = _department_actuals(dept_actual, per_manager, staff, q)
    working = _working(workdays, staff)
    n, m = len(workdays), len(dept_actual)
    base = cumulative_split(plan_units, n)
    raw = _raw_targets(pol, plan_units, base, _running(base), _running(dept_actual), n, m)
    targets = [max(t, 0) if clamp else t for t in raw]
    ledger = _Ledger(q, base, raw, targets, dept_actual, per_manager)
    return Decomposition(
        plan=money(plan_units, q),
        quantum=q,
        policy=pol,
        clamp=clamp,
        days=workdays,
        managers=staff,
        actual_days=m,
        raw_targets=tuple(money(t, q) for t in raw),
        rows=tuple(_rows(ledger, workdays, staff, working)),
    )


def _manager_actuals(given: Mapping[str, Sequence[Money]], staff: Sequence[Manager],
                     q: Decimal, n: int) -> dict[str, list[int]]:
    names = [m.name for m in staff]
    per_manager: dict[str, list[int]] = {}
    for name, values in given.items():
        if name not in names:
            raise PlanError(f"actuals given for unknown manager {name!r}")
        per_manager[name] = _actual_units(values, q, n, f" of {name!r}")
    return per_manager


def _department_actuals(dept_actual: list[int], per_manager: dict[str, list[int]],
                        staff: Sequence[Manager], q: Decimal) -> list[int]:
    """The department's actuals: as given, or the managers' sums when only they are given;
    checked against the managers' when every manager is given."""
    if not per_manager:
        return dept_actual
    lengths = {len(v) for v in per_manager.values()}
    if not dept_actual and len(per_manager) == len(staff) and len(lengths) == 1:
        dept_actual = [sum(col) for col in zip(*per_manager.values(), strict=True)]
    for name, values in per_manager.items():
        if len(values) != len(dept_actual):
            raise PlanError(
                f"{name!r} has actuals for {len(values)} days but the department for "
                f"{len(dept_actual)}"
            )
    if len(per_manager) == len(staff):
        for k in range(len(dept_actual)):
            total = sum(values[k] for values in per_manager.values())
            if total != dept_actual[k]:
                raise PlanError(
                    f"day {k + 1}: managers' actuals sum to {fmt(money(total, q), q)} but "
                    f"the department's actual is {fmt(money(dept_actual[k], q), q)}"
                )
    return dept_actual


def _working(workdays: Sequence[WorkDay], staff: Sequence[Manager]) -> list[list[int]]:
    """Per day, the positions of the managers who work that day (somebody must)."""
    working: list[list[int]] = []
    for day in workdays:
        present = [i for i, mgr in enumerate(staff) if off_reason(mgr, day) is None]
        if not present:
            raise PlanError(f"no manager works on {day.long_label}")
        working.append(present)
    return working


def _running(values: Sequence[int]) -> list[int]:
    """Running totals from 0: ``[0, v1, v1 + v2, …]``."""
    return [0, *itertools.accumulate(values)]


@dataclass(frozen=True)
class _Ledger:
    """The department's figures of every day in units of the quantum, and the managers'
    actuals."""

    q: Decimal
    base: list[int]
    raw: list[int]
    targets: list[int]
    actual: list[int]
    per_manager: dict[str, list[int]]


def _rows(ledger: _Ledger, workdays: Sequence[WorkDay], staff: Sequence[Manager],
          working: Sequence[list[int]]) -> list[PlanRow]:
    """Each day: the department's row, then one per manager (input order)."""
    q, m = ledger.q, len(ledger.actual)
    cum_plan, cum_actual = _running(ledger.base), _running(ledger.actual)
    weights = [Fraction(Decimal(mgr.weight)) for mgr in staff]
    mgr_cum_plan = [0] * len(staff)
    mgr_cum_actual = [0] * len(staff)
    rows: list[PlanRow] = []
    for k, day in enumerate(workdays):
        status: Status = "done" if k < m else ("next" if k == m else "projected")
        known = k < m
        clamped = ledger.targets[k] != ledger.raw[k]
        rows.append(PlanRow(
            day=day.number, date=day.date, label=day.label, who=DEPARTMENT, status=status,
            working=True, plan=money(ledger.base[k], q),
            actual=money(ledger.actual[k], q) if known else None,
            target=money(ledger.targets[k], q), cum_plan=money(cum_plan[k + 1], q),
            cum_actual=money(cum_actual[k + 1], q) if known else None,
            gap=money(cum_plan[k + 1] - cum_actual[k + 1], q) if known else None,
            clamped=clamped))
        present = working[k]
        day_weights = [weights[i] for i in present]
        # Ties take turns: on day k the turn starts at the k-th manager (cyclically).
        turn = [(i - k) % len(staff) for i in present]
        plan_share = dict(zip(present, apportion(ledger.base[k], day_weights, turn), strict=True))
        target_share = dict(zip(present, apportion(ledger.targets[k], day_weights, turn),
                                strict=True))
        for i, mgr in enumerate(staff):
            share = plan_share.get(i, 0)
            mgr_cum_plan[i] += share
            own = ledger.per_manager.get(mgr.name)
            has_actual = known and own is not None
            if own is not None and known:
                mgr_cum_actual[i] += own[k]
            rows.append(PlanRow(
                day=day.number, date=day.date, label=day.label, who=mgr.name, status=status,
                working=i in plan_share, plan=money(share, q),
                actual=money(own[k], q) if own is not None and known else None,
                target=money(target_share.get(i, 0), q), cum_plan=money(mgr_cum_plan[i], q),
                cum_actual=money(mgr_cum_actual[i], q) if has_actual else None,
                gap=money(mgr_cum_plan[i] - mgr_cum_actual[i], q) if has_actual else None,
                clamped=clamped))
    return rows


def _raw_targets(
    policy: Policy,
    plan: int,
    base: list[int],
    cum_plan: list[int],
    cum_actual: list[int],
    n: int,
    m: int,
) -> list[int]:
    """Department targets per day, before clamping (all in units).

    Days ``1..m`` have actuals; their targets are what they were at the start of each day.
    Day ``m + 1`` is the next day; later days are projected as if every day met its target.
    """
    if policy == "none":
        return list(base)
    if policy == "next_day":
        # Day k (1-based) for k <= m + 1: cumulative plan to k − cumulative actual to k − 1.
        # Later days: if day k − 1 meets its target, the carry is zero and the target is base.
        return [cum_plan[k + 1] - cum_actual[k] if k <= m else base[k] for k in range(n)]
    # spread: on day k the remaining plan is spread over days k..n; its first share is that
    # day's target. From day m + 1 on, the whole remaining split is the projection.
    past = [round_div(plan - cum_actual[k], n - k) for k in range(m)]
    if m == n:
        return past
    return past + cumulative_split(plan - cum_actual[m], n - m)
