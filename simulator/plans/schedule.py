"""What a plan decomposition is made of: working days, managers, daily rows and roll-up rows.

Also when a manager works (:func:`off_reason`): from their start to their end, except on
vacation. Money fields are exact :class:`decimal.Decimal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Literal, get_args

import pandas as pd

from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.exact import money, round_div, units

__all__ = ["DEPARTMENT", "POLICIES", "DayRef", "Decomposition", "Manager", "PlanRow", "Policy",
           "RollupPeriod", "RollupRow", "Status", "WorkDay", "off_reason", "to_frame"]


Policy = Literal["next_day", "spread", "none"]
"""Carry-over policy: ``next_day`` (the source's), ``spread`` or ``none``."""

POLICIES: tuple[str, ...] = get_args(Policy)

RollupPeriod = Literal["week", "month", "quarter"]

Status = Literal["done", "next", "projected"]
"""``done``: the day's actual is known; ``next``: the first day without an actual (today's
target); ``projected``: later days, shown as if every day met its target."""

DEPARTMENT = "department"
"""The ``who`` of the department's rows (a reserved manager name)."""

DayRef = dt.date | int
"""A day in a manager's availability: a calendar date, or a working-day number (1-based)."""



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
        plan = units(self.plan, self.quantum, "plan")
        return money(round_div(plan, len(self.days)), self.quantum)


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


def off_reason(manager: Manager, day: WorkDay) -> str | None:
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
