"""Section 4 of the comparison report: the method notes."""

from __future__ import annotations

import json
import math
from typing import Any

from salesim.reports.compare.context import CompareContext, plural
from salesim.reports.compare.reading import Comparison, as_list
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import Column, Paragraph, Section, Table
from salesim.simulator.numbers import finite

__all__ = ["method_section"]

# -- 4. method -------------------------------------------------------------------------------------


def method_section(ctx: CompareContext) -> Section:
    comparison, style = ctx.comparison, ctx.style
    doc = comparison.doc
    r = comparison.replications
    blocks: list[Any] = [
        Paragraph(f"Replications: every variant was simulated {plural(r, 'time')} (replications "
                  f"0 to {r - 1} of seed {doc.get('seed', '—')}). Common random numbers: "
                  f"replication r of every variant sees the same leads, deal sizes, work "
                  f"efforts and decisions, so the variants are compared pair by pair and the "
                  f"difference of a pair is the effect of the change alone."),
        Paragraph("What a 95% confidence interval means: if the whole experiment were repeated "
                  "many times with new random numbers, 95 of 100 intervals computed this way "
                  "would contain the true long-run value; a difference whose interval excludes "
                  "0 is called clear (significant). The margin of error (±) shown throughout "
                  "the report is the half-width of that interval."),
        Paragraph("The differences are paired: variant − base is computed replication by "
                  "replication on the same random numbers, and its 95% CI (Student's t over "
                  "the replications) is the paired interval. The means of the base and of the "
                  "variant are rounded to their own precision; their own, wider, intervals are "
                  "in the chart of key figures. '± unpaired', where shown, is the half-width "
                  "of the interval the same runs would give if they were independent (Welch's "
                  "interval): pairing removes the noise both variants share, so the paired "
                  "interval is usually much narrower."),
    ]
    if isinstance(doc.get("warmup"), dict):
        blocks.append(Paragraph(
            "Warm-up detection (MSER-5, White 1997): deals won per day, averaged over the "
            "base's replications, are cut into batches of five days; the warm-up is the cut, "
            "within the first half of the run, that minimises the marginal standard error of "
            "what remains. A minimum at the edge of that half means the series had not "
            "settled."))
    blocks.append(Table(columns=(Column("", "left"), Column("", "left")),
                        rows=tuple(_facts(comparison, style))))
    changes = _changes(comparison, style)
    if changes:
        blocks.append(Table(columns=(Column("variant", "left"), Column("field", "left"),
                                     Column("base"), Column("variant")),
                            rows=tuple(changes), caption="What each variant changes",
                            note="Every field of the scenario that differs from the base."))
    for v in comparison.alternatives:
        if v.get("verdict"):
            blocks.append(Paragraph(f"As salesim compare states it: {v['verdict']}", "note"))
    return Section("method", "Appendix: method notes", tuple(blocks))


def _facts(comparison: Comparison, style: NumberStyle) -> list[tuple[str, str]]:
    """How the comparison was run: the table of the appendix."""
    doc, r = comparison.doc, comparison.replications
    rows: list[tuple[str, str]] = [
        ("base", str(doc["base"])),
        ("replications", f"{style.integer(r)} per variant"),
        ("seed", str(doc.get("seed", "—"))),
        ("pairing", str(doc.get("pairing") or "common random numbers")),
        ("horizon", f"{style.number(finite(doc.get('horizon_days')))} days"),
        ("warm-up cut", f"{style.number(finite(doc.get('warmup_days')) or 0.0)} days"),
        ("currency", str(doc["currency"]).upper()),
    ]
    warm = doc.get("warmup")
    if isinstance(warm, dict):
        reliable = "" if warm.get("reliable", True) else " (the series had not settled)"
        rows.append(("warm-up detected", f"{warm.get('method', 'MSER-5')}: "
                     f"{style.number(finite(warm.get('detected_days')))} days{reliable}; "
                     f"{style.number(finite(warm.get('applied_days')) or 0.0)} days applied"))
    precision = doc.get("precision")
    if isinstance(precision, dict):
        target = finite(precision.get("target"))
        target_text = (style.pct(target, 1) + " of the mean" if precision.get("relative")
                       else style.number(target))
        rows.append(("precision target", f"{precision.get('metric')}: ± {target_text}, "
                     f"{'met' if precision.get('met') else 'NOT met'} with "
                     f"{style.integer(finite(precision.get('replications')))} replications"))
    return rows + _provenance(comparison, style)


def _provenance(comparison: Comparison, style: NumberStyle) -> list[tuple[str, str]]:
    """The plan and profit definitions used, the salesim version and the time taken."""
    doc, info = comparison.doc, comparison.experiment
    rows: list[tuple[str, str]] = []
    if doc.get("plan_source"):
        plan = finite(doc.get("plan_per_month"))
        rows.append(("plan", (f"{style.money(plan)} a month (--plan)" if plan is not None
                              else "the scenario's own plan")))
    if doc.get("profit_definition"):
        rows.append(("profit", str(doc["profit_definition"])))
    if info.get("salesim_version"):
        rows.append(("salesim version", str(info["salesim_version"])))
    elapsed = finite(info.get("elapsed_seconds"))
    if elapsed is not None:
        rows.append(("simulated in", f"{style.number(elapsed, 1)} s"
                     + (f" ({info['backend']})" if info.get("backend") else "")))
    return rows


def _changes(comparison: Comparison, style: NumberStyle) -> list[tuple[str, str, str, str]]:
    """Every field each variant changes: variant, field, base value, variant value."""
    changes = []
    for v in comparison.alternatives:
        for c in as_list(v.get("changes")):
            if isinstance(c, dict):
                changes.append((str(v["name"]), str(c.get("path", "")),
                                _plain(style, c.get("base")), _plain(style, c.get("variant"))))
    return changes


def _plain(style: NumberStyle, value: Any) -> str:
    """A scenario field's value: numbers in the report's style (``0,96``), text as it is."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value).lower()
    if isinstance(value, int | float) and math.isfinite(value):
        for digits in range(7):
            if abs(value - round(value, digits)) < 1e-9:
                return style.number(value, digits)
        return style.number(value, 6)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
