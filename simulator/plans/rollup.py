"""The daily plan rows rolled up to weeks, months and quarters."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import cast, get_args

from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.schedule import PlanRow, RollupPeriod, RollupRow

__all__ = ["rollup"]


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
