"""Section 2 of the comparison report: the variants side by side, in charts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from salesim.reports.charts.compare import difference_chart, variant_metrics_chart
from salesim.reports.charts.compare_capacity import (
    bottleneck_votes_chart,
    utilisation_by_variant_chart,
)
from salesim.reports.compare.context import (
    CHANGE_FIGURES,
    KEY_FIGURES,
    MAX_CHANGE_PANELS,
    CompareContext,
    ci_of,
    is_significant,
    label_of,
    mean_of,
    plural,
)
from salesim.reports.compare.reading import Comparison, as_list
from salesim.reports.layout import Section
from salesim.simulator.numbers import finite
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["side_by_side_section"]

# -- 2. side by side -------------------------------------------------------------------------------


def side_by_side_section(ctx: CompareContext) -> Section:
    comparison, style = ctx.comparison, ctx.style
    blocks: list[Any] = []
    estimates = _estimates(ctx)
    if estimates is not None:
        blocks.append(ctx.figure(
            "key_figures", "Key figures per variant",
            f"The average of {plural(comparison.replications, 'simulated run')} per variant "
            f"(the base in grey); whiskers: the margin of error. A variant's own margin is wide "
            f"when runs differ a lot; the changes below, run against run, are what tells the "
            f"variants apart.",
            lambda: variant_metrics_chart(estimates, style)))
    differences = _differences(ctx)
    if differences is not None:
        blocks.append(ctx.figure(
            "differences", "Change against the base, with the margin of error",
            f"Each variant minus {comparison.base['name']}, run against run on the same leads "
            f"and chances: the diamond is the average change, the bar its margin of error. A "
            f"bar that crosses the 0 line means no clear change. Conversion and plan "
            f"attainment change in percentage points (pp).",
            lambda: difference_chart(differences, style)))
    utilisation = _utilisation(comparison)
    if utilisation is not None:
        blocks.append(ctx.figure(
            "utilisation", "Utilisation per role in each variant",
            f"Busy working hours ÷ available working hours of each role, in the role's colour "
            f"(the same as in the run reports); the number of people in brackets. Above about "
            f"{style.pct(HIGH_UTILIZATION)} leads start to queue for the role.",
            lambda: utilisation_by_variant_chart(utilisation, ctx.palette, style,
                                                 HIGH_UTILIZATION)))
    votes = _votes(comparison)
    blocks.append(ctx.figure(
        "bottleneck", "Where the bottleneck is in each variant",
        "Each replication names its bottleneck; the bar splits the replications by their "
        "verdict, in the stage's colour (hatched: no stage queues, the colour is the stage that "
        "loses the most leads).",
        lambda: bottleneck_votes_chart(votes, ctx.palette, style)))
    return Section("side-by-side", "Side by side", tuple(blocks))


def _estimates(ctx: CompareContext) -> pd.DataFrame | None:
    """The key figures' means per variant (``variant_metrics_chart``); none: ``None``."""
    keys = [k for k in KEY_FIGURES if ctx.has(k)]
    if not keys:
        return None
    rows = []
    for key in keys:
        metric = ctx.metric(key)
        for v in ctx.comparison.variants:
            est = (v.get("means") or {}).get(key)
            low, high = ci_of(est)
            rows.append({"metric": key, "label": label_of(metric, key),
                         "unit": str(metric.get("unit", "")), "variant": str(v["name"]),
                         "mean": mean_of(est), "ci95_low": low, "ci95_high": high})
    return _frame(rows)


def _differences(ctx: CompareContext) -> pd.DataFrame | None:
    """The paired differences against the base (``difference_chart``); none: ``None``."""
    keys = [k for k in CHANGE_FIGURES if ctx.has(k)][:MAX_CHANGE_PANELS]
    if not keys:
        return None
    rows = []
    for key in keys:
        metric = ctx.metric(key)
        for v in ctx.comparison.alternatives:
            diff = (v.get("differences") or {}).get(key)
            low, high = ci_of(diff)
            rows.append({"metric": key, "label": label_of(metric, key),
                         "unit": str(metric.get("unit", "")),
                         "better": str(metric.get("better", "")), "variant": str(v["name"]),
                         "mean": mean_of(diff), "ci95_low": low, "ci95_high": high,
                         "significant": is_significant(diff)})
    return _frame(rows)


def _utilisation(comparison: Comparison) -> pd.DataFrame | None:
    """Each role's utilisation in each variant (``utilisation_by_variant_chart``)."""
    rows = []
    for role in comparison.roles:
        for v in comparison.variants:
            entry = next((r for r in v["roles"] if str(r["name"]) == role), None)
            est = entry.get("utilization") if entry else None
            low, high = ci_of(est)
            rows.append({"role": role, "variant": str(v["name"]),
                         "headcount": finite(entry.get("headcount")) if entry else None,
                         "utilization": mean_of(est), "ci95_low": low, "ci95_high": high})
    return _frame(rows) if rows else None


def _votes(comparison: Comparison) -> pd.DataFrame:
    """The replications' bottleneck verdicts per variant (``bottleneck_votes_chart``)."""
    rows = []
    for v in comparison.variants:
        b = v["bottleneck"]
        votes = [vote for vote in as_list(b.get("votes")) if isinstance(vote, dict)] or [
            {"stage": b.get("stage"), "role": b.get("role"), "kind": b.get("kind"),
             "share": b.get("agreement", 1.0)}]
        for vote in votes:
            rows.append({"variant": str(v["name"]), "stage": vote.get("stage"),
                         "role": vote.get("role"), "kind": vote.get("kind"),
                         "share": finite(vote.get("share")) or 0.0})
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("mean", "ci95_low", "ci95_high", "utilization", "headcount", "share"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame
