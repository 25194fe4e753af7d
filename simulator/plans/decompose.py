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

import calendar
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction
from typing import Literal, cast, get_args

import pandas as pd

from salesim.simulator.scenario.worktime import weekday_number

__all__ = [
    "DEPARTMENT",
    "POLICIES",
    "Decomposition",
    "Manager",
    "PlanError",
    "PlanRow",
    "Policy",
    "RollupPeriod",
    "RollupRow",
    "WorkDay",
    "apportion",
    "cumulative_split",
    "decompose",
    "explain",
    "month_days",
    "parse_weekdays",
    "rollup",
    "to_frame",
]

Policy = Literal["next_day", "spread", "none"]
"""Carry-over policy: ``next_day`` (the source's), ``spread`` or ``none``."""

POLICIES: tuple[str, ...] = get_args(Policy)

RollupPeriod = Literal["week", "month", "quarter"]

Status = Literal["done", "next", "projected"]
"""``done``: the day's actual is known; ``next``: the first day without an actual (today's
target); ``projected``: later days, shown as if every day met its target."""

DEPARTMENT = "department"
"""The ``who`` of the department's rows (a reserved manager name)."""

Money = Decimal | int
DayRef = dt.date | int
"""A day in a manager's availability: a calendar date, or a working-day number (1-based)."""

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class PlanError(ValueError):
    """Bad input to the plan decomposition; the message is one line meant for the user."""


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class WorkDay:
    """One working day of the period.

    Attributes:
        number: 1-based position among the period's working days.
        date: The calendar date, or ``None`` when the period is just "N working days".
    """

    number: int
    date: dt.date | None = None

    @property
    def label(self) -> str:
        """The ISO date, or the day number when there is no date."""
        return self.date.isoformat() if self.date is not None else str(self.number)

    @property
    def long_label(self) -> str:
        """``day 2 (Tue 2026-12-02)`` or ``day 2``."""
        if self.date is None:
            return f"day {self.number}"
        return f"day {self.number} ({self.date.strftime('%a')} {self.date.isoformat()})"


@dataclass(frozen=True)
class Manager:
    """A sales manager taking part in the plan.

    Attributes:
        name: Unique, non-empty name (``"department"`` is reserved).
        weight: Share weight, > 0; shares are proportional to weights (default equal).
        start: First day the manager works (a date, or a working-day number), or ``None``.
        end: Last day the manager works (a date, or a working-day number), or ``None``.
        vacation: Days off (dates, or working-day numbers); dates that are not working days
            are ignored.
    """

    name: str
    weight: Decimal = Decimal(1)
    start: DayRef | None = None
    end: DayRef | None = None
    vacation: frozenset[DayRef] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PlanRow:
    """One day for the department or one manager.

    Attributes:
        day: Working-day number, 1-based.
        date: Calendar date, or ``None`` for numbered days.
        label: ISO date or day number as text.
        who: ``"department"`` or the manager's name.
        status: ``done`` (actual known), ``next`` (first day without an actual) or
            ``projected``.
        working: Whether ``who`` works that day (always true for the department).
        plan: Base daily plan (the department's share of the period plan; a manager's share of
            the department's base figure).
        actual: Actual sales that day, or ``None`` if not known (not yet, or not given per
            manager).
        target: The day's target under the carry-over policy, as recomputed from the actuals
            known before that day (clamped at 0 unless clamping is off).
        cum_plan: Cumulative base plan up to and including this day.
        cum_actual: Cumulative actual up to and including this day, or ``None``.
        gap: ``cum_plan − cum_actual``: positive = behind plan (shortfall), negative = ahead;
            ``None`` when the actual is not known.
        clamped: Whether the target was raised to 0 from a negative figure.
    """

    day: int
    date: dt.date | None
    label: str
    who: str
    status: Status
    working: bool
    plan: Decimal
    actual: Decimal | None
    target: Decimal
    cum_plan: Decimal
    cum_actual: Decimal | None
    gap: Decimal | None
    clamped: bool


@dataclass(frozen=True)
class RollupRow:
    """A week, month or quarter for the department or one manager.

    Attributes:
        period: ``2026-W49``, ``2026-12``, ``2026-Q4`` (or ``W1``, ``W2``… for numbered days).
        who: ``"department"`` or the manager's name.
        days: Working days in the period (for a manager: days they work).
        first_day: Label of the period's first working day.
        last_day: Label of the period's last working day.
        plan: Sum of the base daily plan.
        actual: Sum of the known actuals, or ``None`` if none is known.
        target: Sum of the daily targets.
        cum_plan: Cumulative plan at the end of the period.
        cum_actual: Cumulative actual at the last day of the period with a known actual.
        gap: Gap at that same day (``cum_plan − cum_actual`` then).
    """

    period: str
    who: str
    days: int
    first_day: str
    last_day: str
    plan: Decimal
    actual: Decimal | None
    target: Decimal
    cum_plan: Decimal
    cum_actual: Decimal | None
    gap: Decimal | None


@dataclass(frozen=True)
class Decomposition:
    """The result of :func:`decompose`.

    Attributes:
        plan: The period plan.
        quantum: The rounding quantum.
        policy: The carry-over policy.
        clamp: Whether negative targets were clamped at 0.
        days: The working days.
        managers: The managers, in input order.
        actual_days: How many days have a known department actual.
        raw_targets: The department's target per day before clamping.
        rows: One row per day for the department, then one per manager (input order).
    """

    plan: Decimal
    quantum: Decimal
    policy: Policy
    clamp: bool
    days: tuple[WorkDay, ...]
    managers: tuple[Manager, ...]
    actual_days: int
    raw_targets: tuple[Decimal, ...]
    rows: tuple[PlanRow, ...]

    def department(self) -> tuple[PlanRow, ...]:
        """The department's rows, one per day."""
        return tuple(row for row in self.rows if row.who == DEPARTMENT)

    def for_manager(self, name: str) -> tuple[PlanRow, ...]:
        """One manager's rows, one per day.

        Args:
            name: The manager's name.

        Returns:
            The rows in day order.

        Raises:
            PlanError: If there is no such manager.
        """
        if name not in {m.name for m in self.managers}:
            raise PlanError(f"no manager named {name!r}")
        return tuple(row for row in self.rows if row.who == name)

    def to_frame(self) -> pd.DataFrame:
        """All rows as a long DataFrame (money columns hold exact ``Decimal`` objects)."""
        return to_frame(self.rows)

    @property
    def daily_plan(self) -> Decimal:
        """``plan / N`` rounded half-up to the quantum: the figure to quote as "the daily plan".

        The base figures of the individual days differ from it by at most one quantum.
        """
        units = _units(self.plan, self.quantum, "plan")
        return _money(_round_div(units, len(self.days)), self.quantum)


# --------------------------------------------------------------------------------------------
# Exact integer helpers (amounts in units of the quantum)


def _round_div(num: int, den: int) -> int:
    """``num / den`` rounded to the nearest integer, halves away from zero (``den`` > 0)."""
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + den) // (2 * den))


def _frac_round(value: Fraction) -> int:
    """A fraction rounded to the nearest integer, halves away from zero."""
    return _round_div(value.numerator, value.denominator)


def cumulative_split(units: int, count: int) -> list[int]:
    """Split ``units`` over ``count`` equal slots so that every running total is exact.

    The running total after slot *k* is ``units × k / count`` rounded once (half away from
    zero); slot *k* gets the difference of consecutive running totals. Every slot gets
    ``units // count`` or one more (for non-negative ``units``) and the slots sum to ``units``.

    Args:
        units: The amount, in whole quanta (may be negative).
        count: The number of slots, >= 1.

    Returns:
        ``count`` integers summing to ``units``.
    """
    if count < 1:
        raise PlanError("cannot split over zero days")
    totals = [_round_div(units * k, count) for k in range(count + 1)]
    return [totals[k] - totals[k - 1] for k in range(1, count + 1)]


def apportion(
    units: int, weights: Sequence[Fraction], tie_rank: Sequence[int] | None = None
) -> list[int]:
    """Largest-remainder split of ``units`` in proportion to ``weights``.

    Every share is floored (toward zero), then the leftover units go one each to the shares
    with the largest remainders. Ties go to the lower ``tie_rank`` (default: the earlier
    position). The shares sum to ``units``.

    Args:
        units: The amount, in whole quanta (may be negative: the split is then mirrored).
        weights: Positive weights, at least one.
        tie_rank: Optional tie-break rank per weight (lower wins).

    Returns:
        One integer share per weight.
    """
    if not weights:
        raise PlanError("cannot split among zero managers")
    if units < 0:
        return [-share for share in apportion(-units, weights, tie_rank)]
    rank = list(tie_rank) if tie_rank is not None else list(range(len(weights)))
    total = sum(weights, Fraction(0))
    exact = [units * w / total for w in weights]
    shares = [int(x) for x in exact]  # floor: x >= 0
    leftover = units - sum(shares)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), rank[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares


def _units(amount: Money, quantum: Decimal, what: str) -> int:
    """``amount`` as a whole number of quanta, or a :class:`PlanError`."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise PlanError(f"{what} must be a Decimal or an int, not {type(amount).__name__}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise PlanError(f"{what} must be a finite number, not {amount}")
    ratio = Fraction(amount) / Fraction(quantum)
    if ratio.denominator != 1:
        raise PlanError(f"{what} {amount} is not a whole multiple of the quantum {quantum}")
    return ratio.numerator


def _money(units: int, quantum: Decimal) -> Decimal:
    """Whole quanta back to money, exactly."""
    with localcontext() as ctx:
        ctx.prec = len(str(abs(units))) + len(quantum.as_tuple().digits) + 2
        return Decimal(units) * quantum


def _check_quantum(quantum: Money) -> Decimal:
    if isinstance(quantum, bool) or not isinstance(quantum, Decimal | int):
        raise PlanError(f"quantum must be a Decimal, not {type(quantum).__name__}")
    q = Decimal(quantum)
    if not q.is_finite() or q <= 0:
        raise PlanError(f"rounding quantum must be > 0, not {quantum}")
    q = q.normalize()  # 0.010 → 0.01
    exponent = q.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        q = q.quantize(Decimal(1))  # 1E+2 → 100, so money prints in fixed point
    return q


def _decimals(quantum: Decimal) -> int:
    exponent = quantum.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def _fmt(amount: Decimal, quantum: Decimal) -> str:
    """``45,454.55``: thousands separators, at least two decimals."""
    return f"{amount:,.{_decimals(quantum)}f}"


def _fmt_quotient(value: Fraction, quantum: Decimal) -> str:
    """An exact quotient for explanations: ``45,454.5454…`` or ``50,000.00``."""
    places = _decimals(quantum)
    shown = places + 4
    with localcontext() as ctx:
        ctx.prec = 60
        num = Decimal(value.numerator) / Decimal(value.denominator)
        cut = num.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_DOWN)
    if Fraction(cut) == value:
        exponent = cut.normalize().as_tuple().exponent
        digits = max(places, -exponent) if isinstance(exponent, int) else places
        return f"{cut:,.{digits}f}"
    return f"{cut:,.{shown}f}…"


# --------------------------------------------------------------------------------------------
# Calendar


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Parse ``"mon,tue,wed"`` (names, 3-letter abbreviations or 0–6 with 0 = Monday).

    Args:
        text: Comma-separated weekdays.

    Returns:
        Sorted distinct weekday numbers (0 = Monday).

    Raises:
        PlanError: On an unknown weekday or an empty list.
    """
    result: set[int] = set()
    for raw in text.split(","):
        word = raw.strip().lower()
        if not word:
            continue
        number = weekday_number(word, lenient=True)
        if number is None:
            raise PlanError(f"unknown weekday {raw.strip()!r} (use mon,tue,wed,thu,fri,sat,sun)")
        result.add(number)
    if not result:
        raise PlanError("no weekdays given")
    return tuple(sorted(result))


def month_days(
    month: str,
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    holidays: Iterable[dt.date] = (),
) -> list[dt.date]:
    """The working days of a month.

    Args:
        month: ``"YYYY-MM"``.
        weekdays: Working weekdays, 0 = Monday (default Monday to Friday).
        holidays: Dates of the month that are not worked.

    Returns:
        The working dates in order (possibly empty).

    Raises:
        PlanError: On a malformed month, a weekday outside 0–6 or a holiday outside the month.
    """
    try:
        year_text, month_text = month.strip().split("-")
        year, number = int(year_text), int(month_text)
        first = dt.date(year, number, 1)
    except ValueError:
        raise PlanError(f"month must look like 2026-12, not {month!r}") from None
    week = set(weekdays)
    bad = sorted(d for d in week if not 0 <= d <= 6)
    if bad:
        raise PlanError(f"weekday numbers must be 0 (Monday) to 6, not {bad[0]}")
    off = set(holidays)
    for holiday in sorted(off):
        if (holiday.year, holiday.month) != (year, number):
            raise PlanError(f"holiday {holiday.isoformat()} is not in {first:%Y-%m}")
    last = calendar.monthrange(year, number)[1]
    dates = (dt.date(year, number, d) for d in range(1, last + 1))
    return [d for d in dates if d.weekday() in week and d not in off]


# --------------------------------------------------------------------------------------------
# Validation


def _workdays(days: Sequence[dt.date] | int) -> tuple[WorkDay, ...]:
    if isinstance(days, bool):
        raise PlanError("working days must be a list of dates or a count")
    if isinstance(days, int):
        if days < 1:
            raise PlanError(f"no working days: need at least one, got {days}")
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
    return staff


def _policy(policy: str) -> Policy:
    if policy not in POLICIES:
        raise PlanError(f"unknown policy {policy!r} (use {', '.join(POLICIES)})")
    return cast(Policy, policy)


def _matches(ref: DayRef, day: WorkDay, manager: str) -> bool:
    if isinstance(ref, dt.date):
        if day.date is None:
            raise PlanError(
                f"{manager!r}: the period has numbered days, so give day numbers, not dates"
            )
        return ref == day.date
    return ref == day.number


def _before(ref: DayRef, day: WorkDay, manager: str) -> bool:
    """Whether ``day`` comes before the day ``ref``."""
    if isinstance(ref, dt.date):
        if day.date is None:
            raise PlanError(
                f"{manager!r}: the period has numbered days, so give day numbers, not dates"
            )
        return day.date < ref
    return day.number < ref


def _off_reason(manager: Manager, day: WorkDay) -> str | None:
    """Why ``manager`` does not work on ``day`` (``None`` if they do)."""
    if manager.start is not None and _before(manager.start, day, manager.name):
        return "not started yet"
    if (
        manager.end is not None
        and not _before(manager.end, day, manager.name)
        and not _matches(manager.end, day, manager.name)
    ):
        return "left"
    if any(_matches(ref, day, manager.name) for ref in manager.vacation):
        return "vacation"
    return None


def _actual_units(actuals: Sequence[Money], quantum: Decimal, n: int, who: str) -> list[int]:
    if len(actuals) > n:
        raise PlanError(
            f"actuals for {len(actuals)} days{who} but the period has only {n} working days"
        )
    return [_units(a, quantum, f"actual for day {k}{who}") for k, a in enumerate(actuals, 1)]


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
    q = _check_quantum(quantum)
    plan_units = _units(plan, q, "plan")
    if plan_units < 0:
        raise PlanError(f"plan must be >= 0, not {plan}")
    workdays = _workdays(days)
    staff = _staff(managers)
    pol = _policy(policy)
    n = len(workdays)

    dept_actual = _actual_units(actuals, q, n, "")
    per_manager: dict[str, list[int]] = {}
    names = [m.name for m in staff]
    for name, given in (manager_actuals or {}).items():
        if name not in names:
            raise PlanError(f"actuals given for unknown manager {name!r}")
        per_manager[name] = _actual_units(given, q, n, f" of {name!r}")
    if per_manager:
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
                        f"day {k + 1}: managers' actuals sum to {_fmt(_money(total, q), q)} but "
                        f"the department's actual is {_fmt(_money(dept_actual[k], q), q)}"
                    )
    m = len(dept_actual)

    working: list[list[int]] = []
    for day in workdays:
        present = [i for i, mgr in enumerate(staff) if _off_reason(mgr, day) is None]
        if not present:
            raise PlanError(f"no manager works on {day.long_label}")
        working.append(present)

    base = cumulative_split(plan_units, n)
    cum_plan = [0]
    for b in base:
        cum_plan.append(cum_plan[-1] + b)
    cum_actual = [0]
    for a in dept_actual:
        cum_actual.append(cum_actual[-1] + a)

    raw = _raw_targets(pol, plan_units, base, cum_plan, cum_actual, n, m)
    targets = [max(t, 0) if clamp else t for t in raw]

    weights = [Fraction(Decimal(mgr.weight)) for mgr in staff]
    rows: list[PlanRow] = []
    mgr_cum_plan = [0] * len(staff)
    mgr_cum_actual = [0] * len(staff)
    for k, day in enumerate(workdays):
        status: Status = "done" if k < m else ("next" if k == m else "projected")
        known = k < m
        rows.append(
            PlanRow(
                day=day.number,
                date=day.date,
                label=day.label,
                who=DEPARTMENT,
                status=status,
                working=True,
                plan=_money(base[k], q),
                actual=_money(dept_actual[k], q) if known else None,
                target=_money(targets[k], q),
                cum_plan=_money(cum_plan[k + 1], q),
                cum_actual=_money(cum_actual[k + 1], q) if known else None,
                gap=_money(cum_plan[k + 1] - cum_actual[k + 1], q) if known else None,
                clamped=targets[k] != raw[k],
            )
        )
        present = working[k]
        day_weights = [weights[i] for i in present]
        # Ties take turns: on day k the turn starts at the k-th manager (cyclically).
        turn = [(i - k) % len(staff) for i in present]
        plan_share = dict(zip(present, apportion(base[k], day_weights, turn), strict=True))
        target_share = dict(zip(present, apportion(targets[k], day_weights, turn), strict=True))
        for i, mgr in enumerate(staff):
            share = plan_share.get(i, 0)
            mgr_cum_plan[i] += share
            own = per_manager.get(mgr.name)
            has_actual = known and own is not None
            if own is not None and known:
                mgr_cum_actual[i] += own[k]
            rows.append(
                PlanRow(
                    day=day.number,
                    date=day.date,
                    label=day.label,
                    who=mgr.name,
                    status=status,
                    working=i in plan_share,
                    plan=_money(share, q),
                    actual=_money(own[k], q) if own is not None and known else None,
                    target=_money(target_share.get(i, 0), q),
                    cum_plan=_money(mgr_cum_plan[i], q),
                    cum_actual=_money(mgr_cum_actual[i], q) if has_actual else None,
                    gap=_money(mgr_cum_plan[i] - mgr_cum_actual[i], q) if has_actual else None,
                    clamped=targets[k] != raw[k],
                )
            )
    return Decomposition(
        plan=_money(plan_units, q),
        quantum=q,
        policy=pol,
        clamp=clamp,
        days=workdays,
        managers=staff,
        actual_days=m,
        raw_targets=tuple(_money(t, q) for t in raw),
        rows=tuple(rows),
    )


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
    past = [_round_div(plan - cum_actual[k], n - k) for k in range(m)]
    if m == n:
        return past
    return past + cumulative_split(plan - cum_actual[m], n - m)


# --------------------------------------------------------------------------------------------
# Tables


def to_frame(rows: Sequence[PlanRow] | Sequence[RollupRow]) -> pd.DataFrame:
    """Rows (daily or rolled up) as a DataFrame, one column per field.

    Money columns hold exact ``Decimal`` objects (object dtype); convert with
    ``.astype(float)`` only for plotting.

    Args:
        rows: :class:`PlanRow` or :class:`RollupRow` objects.

    Returns:
        A DataFrame with the dataclass fields as columns (empty rows → empty frame with the
        :class:`PlanRow` columns).
    """
    kind: type[PlanRow] | type[RollupRow] = type(rows[0]) if rows else PlanRow
    names = [f.name for f in fields(kind)]
    data = {name: [getattr(row, name) for row in rows] for name in names}
    return pd.DataFrame(data, columns=names, dtype=object)


def _period_key(row: PlanRow, period: RollupPeriod, days_per_week: int) -> str:
    if row.date is None:
        if period != "week":
            raise PlanError(f"a {period} roll-up needs calendar dates (use --month)")
        return f"W{(row.day - 1) // days_per_week + 1}"
    if period == "week":
        year, week, _ = row.date.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{row.date:%Y-%m}"
    return f"{row.date.year}-Q{(row.date.month - 1) // 3 + 1}"


def rollup(
    rows: Sequence[PlanRow], period: RollupPeriod, *, days_per_week: int = 5
) -> tuple[RollupRow, ...]:
    """Roll the daily table up to weeks, months or quarters.

    Weeks are ISO weeks (``2026-W49``); for numbered days they are consecutive blocks of
    ``days_per_week`` working days (``W1``, ``W2``…). Month and quarter roll-ups need dates.

    Args:
        rows: The daily rows (e.g. ``Decomposition.rows``), in day order.
        period: ``week``, ``month`` or ``quarter``.
        days_per_week: Block size for weeks of numbered days.

    Returns:
        One row per period and ``who``, periods in order, ``who`` in first-seen order.

    Raises:
        PlanError: On an unknown period, or month/quarter for numbered days.
    """
    if period not in get_args(RollupPeriod):
        raise PlanError(f"unknown roll-up period {period!r} (use week, month or quarter)")
    if days_per_week < 1:
        raise PlanError("days_per_week must be >= 1")
    groups: dict[tuple[str, str], list[PlanRow]] = {}
    for row in rows:
        groups.setdefault((_period_key(row, period, days_per_week), row.who), []).append(row)
    result: list[RollupRow] = []
    for (key, who), members in groups.items():
        known = [r for r in members if r.actual is not None]
        last_known = next((r for r in reversed(members) if r.cum_actual is not None), None)
        result.append(
            RollupRow(
                period=key,
                who=who,
                days=sum(1 for r in members if r.working),
                first_day=members[0].label,
                last_day=members[-1].label,
                plan=sum((r.plan for r in members), Decimal(0)),
                actual=sum((cast(Decimal, r.actual) for r in known), Decimal(0)) if known else None,
                target=sum((r.target for r in members), Decimal(0)),
                cum_plan=members[-1].cum_plan,
                cum_actual=last_known.cum_actual if last_known else None,
                gap=last_known.gap if last_known else None,
            )
        )
    return tuple(result)


# --------------------------------------------------------------------------------------------
# Explanation


def _day_list(numbers: Sequence[int]) -> str:
    """``1, 3, 5–7`` for day numbers."""
    parts: list[str] = []
    start = prev = None
    for k in [*numbers, None]:
        if start is not None and prev is not None and (k is None or k != prev + 1):
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if k is not None:
            if start is None:
                start = k
            prev = k
    return ", ".join(parts)


def explain(decomposition: Decomposition) -> list[str]:
    """Human-readable lines saying how each figure of a decomposition was obtained.

    Args:
        decomposition: The result of :func:`decompose`.

    Returns:
        Lines of text, without trailing newlines.
    """
    d = decomposition
    q = d.quantum
    n = len(d.days)
    m = d.actual_days
    f = _fmt
    unit = f(q, q)
    plan_units = _units(d.plan, q, "plan")
    dept = d.department()
    lines: list[str] = []

    span = f"{d.days[0].label}…{d.days[-1].label}" if n > 1 else d.days[0].label
    lines.append(
        f"Plan {f(d.plan, q)} over {n} working day{'s' if n != 1 else ''} ({span}), "
        f"{len(d.managers)} manager{'s' if len(d.managers) != 1 else ''}, policy {d.policy}, "
        f"rounding to {unit}."
    )
    lines.append(
        f"Daily plan: {f(d.plan, q)} / {n} = {_quot(Fraction(d.plan) / n, q)}"
        + (
            f" (rounded half-up to {unit}; the figure to quote)."
            if Fraction(d.plan) / n != Fraction(d.daily_plan)
            else "."
        )
    )
    high = [r.day for r in dept if r.plan > d.daily_plan]
    low = [r.day for r in dept if r.plan < d.daily_plan]
    equal = [r.day for r in dept if r.plan == d.daily_plan]
    lines.append(
        f"Rounding rule: the cumulative plan to day k is {f(d.plan, q)} × k / {n} rounded once "
        f"(half-up) to {unit}, and day k's base figure is the cumulative plan to day k minus "
        f"that to day k − 1 (a largest-remainder split whose extra {unit}s are spread through "
        f"the period), so the {_n(n, 'base figure')} sum to exactly {f(d.plan, q)}."
    )
    if high or low:
        figures = sorted({r.plan for r in dept})
        by_figure = {fig: [r.day for r in dept if r.plan == fig] for fig in figures}
        detail = "; ".join(
            f"{_n(len(days), 'day')} at {f(fig, q)} "
            f"(day{'s' if len(days) != 1 else ''} {_day_list(days)})"
            for fig, days in by_figure.items()
        )
        lines.append(f"Base figures: {detail}.")
    else:
        lines.append(f"Base figures: {_n(len(equal), 'day')} at {f(d.daily_plan, q)} exactly.")
    if n >= 2:
        lines.append(
            f"Cumulative plan to day 2: {f(d.plan, q)} × 2 / {n} = "
            f"{_quot(Fraction(d.plan) * 2 / n, q)} "
            f"(= day 1 {f(dept[0].plan, q)} + day 2 {f(dept[1].plan, q)})."
        )

    lines.extend(_explain_managers(d))
    lines.extend(_explain_policy(d))

    if d.clamp:
        lines.append(
            "Targets are clamped at 0: a target is negative only when the actuals run ahead of "
            "the plan so far, and such a surplus is not turned into a negative target."
        )
    else:
        lines.append(
            "Clamping is off: a negative target means the department is that far ahead of plan."
        )
    for row, raw in zip(dept, d.raw_targets, strict=True):
        if row.clamped:
            lines.append(
                f"{_capital(_long(row))}: target would be {f(raw, q)} (actuals ahead of plan); "
                f"clamped at 0."
            )

    if m:
        last = dept[m - 1]
        assert last.cum_actual is not None and last.gap is not None
        state = "behind plan" if last.gap > 0 else ("ahead of plan" if last.gap < 0 else "on plan")
        rest = (
            f"remaining plan {f(d.plan - last.cum_actual, q)} over {_n(n - m, 'day')}"
            if m < n
            else "the period is complete"
        )
        lines.append(
            f"After {_long(last)}: cumulative actual {f(last.cum_actual, q)} against cumulative "
            f"plan {f(last.cum_plan, q)}; gap {f(abs(last.gap), q)} {state}; {rest}."
        )
    lines.extend(_explain_source(d, plan_units))
    return lines


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _quot(value: Fraction, quantum: Decimal) -> str:
    """``45,454.5454… → 45,454.55`` (rounded once, half-up), or just the figure if exact."""
    rounded = _money(_frac_round(value / Fraction(quantum)), quantum)
    if Fraction(rounded) == value:
        return _fmt(rounded, quantum)
    return f"{_fmt_quotient(value, quantum)} → {_fmt(rounded, quantum)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _long(row: PlanRow) -> str:
    return WorkDay(row.day, row.date).long_label


def _explain_managers(d: Decomposition) -> list[str]:
    q = d.quantum
    f = _fmt
    unit = f(q, q)
    lines: list[str] = []
    staff = d.managers
    total_weight = sum((Decimal(m.weight) for m in staff), Decimal(0))
    equal = len({Decimal(m.weight) for m in staff}) == 1
    n = len(d.days)
    if equal:
        per = Fraction(d.plan) / n / len(staff)
        lines.append(
            f"Per manager ({len(staff)}, equal weights): {f(d.plan, q)} / {n} / {len(staff)} = "
            f"{_quot(per, q)} a day (for reference; the daily shares are split exactly below)."
        )
    else:
        parts = []
        for mgr in staff:
            share = Fraction(d.plan) / n * Fraction(Decimal(mgr.weight)) / Fraction(total_weight)
            parts.append(
                f"{mgr.name} {f(_money(_frac_round(share / Fraction(q)), q), q)} "
                f"(weight {mgr.weight})"
            )
        lines.append(
            f"Per manager, in proportion to weights (total {total_weight}): "
            + ", ".join(parts)
            + " a day."
        )
    first = [r for r in d.rows if r.day == 1 and r.who != DEPARTMENT and r.working]
    lines.append(
        f"Each day's department figure is split among the managers working that day in "
        f"proportion to their weights by largest remainder (shares floored to {unit}, leftover "
        f"{unit}s to the largest remainders; ties take turns, on day k starting at the k-th "
        f"manager), so the shares sum to it exactly; e.g. day 1: {f(d.department()[0].plan, q)} = "
        + " + ".join(f"{f(r.plan, q)} ({r.who})" for r in first)
        + "."
    )
    for mgr in staff:
        off: dict[str, list[WorkDay]] = {}
        for day in d.days:
            reason = _off_reason(mgr, day)
            if reason is not None:
                off.setdefault(reason, []).append(day)
        for reason, days in off.items():
            if reason != "vacation" and len(days) > 2:
                labels = f"{days[0].label}…{days[-1].label} ({len(days)} working days)"
            else:
                labels = ", ".join(day.label for day in days)
            lines.append(
                f"{mgr.name} does not work ({reason}) on {labels}: no target on "
                f"{'that day' if len(days) == 1 else 'those days'}; the share goes to the "
                f"others in proportion to weights."
            )
    return lines


def _explain_policy(d: Decomposition) -> list[str]:
    q = d.quantum
    f = _fmt
    n = len(d.days)
    m = d.actual_days
    dept = d.department()
    lines: list[str] = []
    if d.policy == "next_day":
        lines.append(
            "Policy next_day (the source's): each day's target = cumulative plan to that day − "
            "cumulative actual before it, so a shortfall is added to the next day and a surplus "
            "reduces it."
        )
    elif d.policy == "spread":
        lines.append(
            "Policy spread: each day's target is the remaining plan (plan − actual so far) "
            "spread evenly over the remaining working days (same cumulative rounding rule)."
        )
    else:
        lines.append(
            "Policy none: targets stay at the base daily figures; the gap is only reported."
        )
    for k in range(min(m + 1, n)):
        row = dept[k]
        before = dept[k - 1].cum_actual if k else Decimal(0)
        assert before is not None
        raw = d.raw_targets[k]
        if d.policy == "next_day":
            how = (
                f"cumulative plan {f(row.cum_plan, q)} − cumulative actual {f(before, q)} = "
                f"{f(raw, q)} (base {f(row.plan, q)} + carry {f(raw - row.plan, q)})"
            )
        elif d.policy == "spread":
            remaining = d.plan - before
            how = (
                f"({f(d.plan, q)} − {f(before, q)}) / {n - k} = "
                f"{_quot(Fraction(remaining) / (n - k), q)}"
            )
        else:
            how = f"its base figure {f(row.plan, q)}"
            if row.plan != d.daily_plan:
                how += (
                    f" (the quoted daily plan is {f(d.daily_plan, q)}; this day's base figure "
                    f"differs by {f(abs(row.plan - d.daily_plan), q)} so that the base figures "
                    f"sum to the plan exactly)"
                )
        if row.actual is not None:
            assert row.gap is not None
            lines.append(
                f"{_capital(_long(row))} target = {how}; actual {f(row.actual, q)}, "
                f"cumulative gap {f(row.gap, q)}."
            )
        else:
            lines.append(f"Next: {_long(row)} target = {how}.")
    if m + 1 < n:
        rest = dept[m + 1 :]
        so_far = dept[m - 1].cum_actual if m else Decimal(0)
        assert so_far is not None
        remaining = d.plan - so_far
        if d.policy == "next_day":
            lines.append(
                f"Days {rest[0].day}–{n} are projected at their base figures (assuming each day "
                f"meets its target); with day {m + 1} they sum to the remaining plan "
                f"{f(remaining, q)}."
            )
        elif d.policy == "spread":
            lines.append(
                f"Days {m + 1}–{n}: the remaining plan {f(remaining, q)} split over {n - m} "
                f"days by the cumulative rule (each figure rounded once), summing to it exactly."
            )
        else:
            lines.append(f"Days {rest[0].day}–{n} keep their base figures.")
    return lines


def _explain_source(d: Decomposition, plan_units: int) -> list[str]:
    """Notes on the source document's worked example (1,000,000 over 22 days, 4 managers)."""
    q = d.quantum
    if d.plan != Decimal(1_000_000) or len(d.days) != 22:
        return []
    f = _fmt
    daily = d.daily_plan
    cum2 = _money(_round_div(plan_units * 2, 22), q)
    monday = d.department()[0].plan
    shortfall = monday - 30_000
    tuesday = cum2 - 30_000
    lines = [
        f'Source check: the source\'s "45,454.5 a day" is 1,000,000 / 22 cut short; to '
        f"{f(q, q)} it is {f(daily, q)}."
    ]
    if len(d.managers) == 4:
        per = _money(_frac_round(Fraction(d.plan) / 22 / 4 / Fraction(q)), q)
        lines.append(
            f'Source check: its "11,363 per manager" is 1,000,000 / 22 / 4 cut short; to '
            f"{f(q, q)} it is {f(per, q)}."
        )
    lines.append(
        'Source check: its Monday plan "45,545" and Tuesday target "45,545 + 15,545 = 61,090" '
        "contain an arithmetic slip: 45,545 swaps two digits of 45,454.55 (1,000,000 / 22), and "
        "the shortfall 15,545 (= 45,545 − 30,000) inherits it, so 61,090 is "
        f"{f(Decimal(61_090) - tuesday, q)} too high. Correct: Monday's shortfall "
        f"{f(monday, q)} − 30,000.00 = "
        f"{f(shortfall, q)}; Tuesday's target under next_day = cumulative plan to Tuesday "
        f"{f(cum2, q)} − 30,000.00 = {f(tuesday, q)} (= Tuesday's base "
        f"{f(cum2 - monday, q)} + {f(shortfall, q)}), not 61,090."
    )
    return lines
