"""Section 3 of the comparison report: every difference, one table per variant."""

from __future__ import annotations

from typing import Any

from salesim.reports.compare.context import (
    CompareContext,
    direction_of,
    fmt_of,
    half_width,
    is_identical,
    is_significant,
    mean_of,
    per_month,
)
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import Column, Section, Table
from salesim.simulator.numbers import finite

__all__ = ["differences_section"]

# -- 3. every difference ---------------------------------------------------------------------------


def differences_section(ctx: CompareContext) -> Section:
    comparison, style = ctx.comparison, ctx.style
    base = comparison.base
    unpaired = any(isinstance(d, dict) and d.get("ci95_unpaired") is not None
                   for v in comparison.alternatives
                   for d in (v.get("differences") or {}).values())
    shares = any(isinstance(d, dict) and d.get("share_higher") is not None
                 for v in comparison.alternatives
                 for d in (v.get("differences") or {}).values())
    blocks: list[Any] = []
    for v in comparison.alternatives:
        diffs = v.get("differences") or {}
        rows, tones = [], []
        for key, metric in comparison.metrics.items():
            if key not in diffs and key not in (v.get("means") or {}):
                continue
            unit = str(metric.get("unit", ""))
            better = str(metric.get("better", ""))
            diff = diffs.get(key)
            fmt = fmt_of(unit)
            b_est, v_est = (base.get("means") or {}).get(key), (v.get("means") or {}).get(key)
            row = [str(metric.get("label") or key) + per_month(metric),
                   style.estimate_parts(mean_of(b_est), half_width(b_est), fmt)[0],
                   style.estimate_parts(mean_of(v_est), half_width(v_est), fmt)[0],
                   style.estimate(mean_of(diff), half_width(diff), fmt_of(unit, True), signed=True)]
            if unpaired:
                row.append(_plus_minus(style, diff, half_width(diff, "ci95_unpaired"),
                                       fmt_of(unit, True)))
            if shares:
                share = finite(diff.get("share_higher")) if isinstance(diff, dict) else None
                row.append(style.pct(share))
            direction = direction_of(diff, better)
            row.append(_verdict_word(diff, direction))
            rows.append(tuple(row))
            tones.append(direction if direction in ("good", "bad") else "")
        columns = [Column("figure", "left"), Column("base"), Column("variant"),
                   Column("difference ± margin")]
        if unpaired:
            columns.append(Column("± unpaired"))
        if shares:
            columns.append(Column("higher in"))
        columns.append(Column("verdict", "left"))
        blocks.append(Table(columns=tuple(columns), rows=tuple(rows), tones=tuple(tones),
                            caption=f"{v['name']} (variant) against {base['name']} (base)"))
    intro = ("Every figure of the comparison: the base, the variant, and the difference "
             "variant − base with its margin of error. "
             + ("'± unpaired' is the margin the same runs would give without pairing them, for "
                "contrast. " if unpaired else "")
             + ("'Higher in' is the share of runs in which the variant's figure is the higher "
                "one. " if shares else "")
             + "Green rows: clearly better for the business; red rows: clearly worse; pp: "
               "percentage points. How the margins are computed: see the appendix.")
    return Section("differences", "All differences", tuple(blocks), intro=intro)


def _verdict_word(diff: Any, direction: str) -> str:
    if direction in ("good", "bad"):
        return "better" if direction == "good" else "worse"
    if is_identical(diff):
        return "no change"
    if is_significant(diff) and mean_of(diff):
        return "changed"  # a figure that is neither better nor worse when higher (utilisation)
    return "no clear change" if diff is not None else "—"


def _plus_minus(style: NumberStyle, diff: Any, half: float | None, fmt: str) -> str:
    """``± 767 000 ₽``: a half-width rounded as the paired difference beside it."""
    if half is None:
        return "—"
    mean = mean_of(diff)
    _value, text = style.estimate_parts(mean if mean is not None else 0.0, half, fmt)
    return f"± {text}"
