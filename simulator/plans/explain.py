"""How each figure of a plan decomposition was obtained, in lines a person checks by hand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from salesim.simulator.plans.exact import fmt, fmt_quotient, frac_round, money, round_div, units
from salesim.simulator.plans.schedule import DEPARTMENT, Decomposition, PlanRow, WorkDay, off_reason

__all__ = ["explain"]


def explain(decomposition: Decomposition) -> list[str]:
    """Human-readable lines saying how each figure of a decomposition was obtained.

    Args:
        decomposition: The result of :func:`plans.decompose.decompose`.

    Returns:
        Lines of text, without trailing newlines.
    """
    d = decomposition
    return [*_explain_base(d), *_explain_managers(d), *_explain_policy(d), *_explain_clamp(d),
            *_explain_gap(d), *_explain_source(d, units(d.plan, d.quantum, "plan"))]


def _explain_base(d: Decomposition) -> list[str]:
    """The period, the daily plan and how the base figures are rounded."""
    q = d.quantum
    n = len(d.days)
    f = fmt
    unit = f(q, q)
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
    lines.append(
        f"Rounding rule: the cumulative plan to day k is {f(d.plan, q)} × k / {n} rounded once "
        f"(half-up) to {unit}, and day k's base figure is the cumulative plan to day k minus "
        f"that to day k − 1 (a largest-remainder split whose extra {unit}s are spread through "
        f"the period), so the {_n(n, 'base figure')} sum to exactly {f(d.plan, q)}."
    )
    lines.append(_base_figures(d))
    if n >= 2:
        lines.append(
            f"Cumulative plan to day 2: {f(d.plan, q)} × 2 / {n} = "
            f"{_quot(Fraction(d.plan) * 2 / n, q)} "
            f"(= day 1 {f(dept[0].plan, q)} + day 2 {f(dept[1].plan, q)})."
        )
    return lines


def _base_figures(d: Decomposition) -> str:
    """``Base figures: 12 days at 45,454.55 (days 1, 3–5); …``."""
    q = d.quantum
    f = fmt
    dept = d.department()
    if any(r.plan != d.daily_plan for r in dept):
        figures = sorted({r.plan for r in dept})
        by_figure = {fig: [r.day for r in dept if r.plan == fig] for fig in figures}
        detail = "; ".join(
            f"{_n(len(days), 'day')} at {f(fig, q)} "
            f"(day{'s' if len(days) != 1 else ''} {_day_list(days)})"
            for fig, days in by_figure.items()
        )
        return f"Base figures: {detail}."
    return f"Base figures: {_n(len(dept), 'day')} at {f(d.daily_plan, q)} exactly."


def _explain_clamp(d: Decomposition) -> list[str]:
    """Whether negative targets are clamped, and the days that were."""
    q = d.quantum
    if d.clamp:
        lines = [
            "Targets are clamped at 0: a target is negative only when the actuals run ahead of "
            "the plan so far, and such a surplus is not turned into a negative target."
        ]
    else:
        lines = [
            "Clamping is off: a negative target means the department is that far ahead of plan."
        ]
    for row, raw in zip(d.department(), d.raw_targets, strict=True):
        if row.clamped:
            lines.append(
                f"{_capital(_long(row))}: target would be {fmt(raw, q)} (actuals ahead of plan); "
                f"clamped at 0."
            )
    return lines


def _explain_gap(d: Decomposition) -> list[str]:
    """Where the department stands after the last day with an actual (nothing before one)."""
    q = d.quantum
    f = fmt
    n = len(d.days)
    m = d.actual_days
    if not m:
        return []
    last = d.department()[m - 1]
    assert last.cum_actual is not None and last.gap is not None
    state = "behind plan" if last.gap > 0 else ("ahead of plan" if last.gap < 0 else "on plan")
    rest = (
        f"remaining plan {f(d.plan - last.cum_actual, q)} over {_n(n - m, 'day')}"
        if m < n
        else "the period is complete"
    )
    return [
        f"After {_long(last)}: cumulative actual {f(last.cum_actual, q)} against cumulative "
        f"plan {f(last.cum_plan, q)}; gap {f(abs(last.gap), q)} {state}; {rest}."
    ]


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _quot(value: Fraction, quantum: Decimal) -> str:
    """``45,454.5454… → 45,454.55`` (rounded once, half-up), or just the figure if exact."""
    rounded = money(frac_round(value / Fraction(quantum)), quantum)
    if Fraction(rounded) == value:
        return fmt(rounded, quantum)
    return f"{fmt_quotient(value, quantum)} → {fmt(rounded, quantum)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _long(row: PlanRow) -> str:
    return WorkDay(row.day, row.date).long_label


def _explain_managers(d: Decomposition) -> list[str]:
    q = d.quantum
    f = fmt
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
                f"{mgr.name} {f(money(frac_round(share / Fraction(q)), q), q)} "
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
            reason = off_reason(mgr, day)
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
    """The carry-over rule, each day's target up to the next day, and the projected days."""
    lines = [_POLICY_RULES[d.policy]]
    dept = d.department()
    for k in range(min(d.actual_days + 1, len(d.days))):
        row = dept[k]
        how = _target_how(d, k)
        if row.actual is not None:
            assert row.gap is not None
            lines.append(
                f"{_capital(_long(row))} target = {how}; actual {fmt(row.actual, d.quantum)}, "
                f"cumulative gap {fmt(row.gap, d.quantum)}."
            )
        else:
            lines.append(f"Next: {_long(row)} target = {how}.")
    lines.extend(_explain_projection(d))
    return lines


_POLICY_RULES = {
    "next_day": (
        "Policy next_day (the source's): each day's target = cumulative plan to that day − "
        "cumulative actual before it, so a shortfall is added to the next day and a surplus "
        "reduces it."
    ),
    "spread": (
        "Policy spread: each day's target is the remaining plan (plan − actual so far) "
        "spread evenly over the remaining working days (same cumulative rounding rule)."
    ),
    "none": "Policy none: targets stay at the base daily figures; the gap is only reported.",
}


def _target_how(d: Decomposition, k: int) -> str:
    """How day ``k + 1``'s target follows from the plan and the actuals before it."""
    q = d.quantum
    f = fmt
    dept = d.department()
    row = dept[k]
    before = dept[k - 1].cum_actual if k else Decimal(0)
    assert before is not None
    raw = d.raw_targets[k]
    if d.policy == "next_day":
        return (
            f"cumulative plan {f(row.cum_plan, q)} − cumulative actual {f(before, q)} = "
            f"{f(raw, q)} (base {f(row.plan, q)} + carry {f(raw - row.plan, q)})"
        )
    if d.policy == "spread":
        remaining = d.plan - before
        n = len(d.days)
        return (
            f"({f(d.plan, q)} − {f(before, q)}) / {n - k} = "
            f"{_quot(Fraction(remaining) / (n - k), q)}"
        )
    how = f"its base figure {f(row.plan, q)}"
    if row.plan != d.daily_plan:
        how += (
            f" (the quoted daily plan is {f(d.daily_plan, q)}; this day's base figure "
            f"differs by {f(abs(row.plan - d.daily_plan), q)} so that the base figures "
            f"sum to the plan exactly)"
        )
    return how


def _explain_projection(d: Decomposition) -> list[str]:
    """The days after the next one: projected as if every day met its target."""
    q = d.quantum
    n = len(d.days)
    m = d.actual_days
    if m + 1 >= n:
        return []
    dept = d.department()
    rest = dept[m + 1 :]
    so_far = dept[m - 1].cum_actual if m else Decimal(0)
    assert so_far is not None
    remaining = d.plan - so_far
    if d.policy == "next_day":
        return [
            f"Days {rest[0].day}–{n} are projected at their base figures (assuming each day "
            f"meets its target); with day {m + 1} they sum to the remaining plan "
            f"{fmt(remaining, q)}."
        ]
    if d.policy == "spread":
        return [
            f"Days {m + 1}–{n}: the remaining plan {fmt(remaining, q)} split over {n - m} "
            f"days by the cumulative rule (each figure rounded once), summing to it exactly."
        ]
    return [f"Days {rest[0].day}–{n} keep their base figures."]


def _explain_source(d: Decomposition, plan_units: int) -> list[str]:
    """Notes on the source document's worked example (1,000,000 over 22 days, 4 managers)."""
    q = d.quantum
    if d.plan != Decimal(1_000_000) or len(d.days) != 22:
        return []
    f = fmt
    daily = d.daily_plan
    cum2 = money(round_div(plan_units * 2, 22), q)
    monday = d.department()[0].plan
    shortfall = monday - 30_000
    tuesday = cum2 - 30_000
    lines = [
        f'Source check: the source\'s "45,454.5 a day" is 1,000,000 / 22 cut short; to '
        f"{f(q, q)} it is {f(daily, q)}."
    ]
    if len(d.managers) == 4:
        per = money(frac_round(Fraction(d.plan) / 22 / 4 / Fraction(q)), q)
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
