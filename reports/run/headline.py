"""Sections 1 and 2 of the run report: the headline figures and the bottleneck."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import Any

from salesim.reports.charts.capacity import bottleneck_chart
from salesim.reports.formatting import NumberStyle
from salesim.reports.layout import Column, Kpi, KpiGrid, Paragraph, Section, Table
from salesim.reports.run.context import RunContext, date_text, summary_ci
from salesim.simulator.metrics.verdict import bottleneck_text, screen_verdict
from salesim.simulator.numbers import finite
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["bottleneck_section", "headline_section"]

# -- 1. headline ---------------------------------------------------------------------------------


def headline_section(ctx: RunContext) -> Section:
    s, style = ctx.run.summary, ctx.style
    plan = s.get("plan") if isinstance(s.get("plan"), dict) else {}
    assert isinstance(plan, dict)
    leads = s.get("leads", {})

    def kpi(label: str, item: dict[str, Any], key: str, fmt: str, *, higher: bool = True,
            note: str = "") -> Kpi | None:
        value = finite(item.get(key))
        if key not in item:
            return None
        text = _format(style, value, fmt)
        low, high = summary_ci(item, key)
        ci = style.plus_minus("", low, high, fmt=fmt,
                              digits=1 if fmt in ("pct", "days") else 0).strip()
        target = finite(plan.get(key)) if key in plan else None
        progress = value / target if value is not None and target else None
        return Kpi(label=label, value=text, ci=f"margin of error {ci}" if ci else "",
                   plan=f"plan {_format(style, target, fmt)}" if target is not None else "",
                   progress=progress, good_when_higher=higher, note=note,
                   progress_text=f"{style.pct(progress, 1)} of plan"
                   if progress is not None else "")

    revenue = kpi("Revenue", s, "revenue", "money")
    planned = s.get("plan")
    if revenue is not None and planned and finite(planned.get("plan")):
        # against the plan: the sales the plan covers (summary.json's one attainment)
        plan_total, fact_total = float(planned["plan"]), float(planned["actual"])
        share = finite(planned.get("attainment"))
        covers = "new business" if planned.get("covers") == "new_business" else "all revenue"
        revenue = replace(revenue, plan=f"plan {style.money(plan_total)} ({covers}), "
                                        f"sales against it {style.money(fact_total)}",
                          progress=share,
                          progress_text=f"{style.pct(share, 1)} of plan" if share is not None
                          else "")
    items = [
        revenue,
        kpi("Profit", s, "profit", "money"),
        kpi("Deals won", leads, "won", "int"),
        kpi("Lead → deal conversion", s, "lead_to_deal", "pct"),
        kpi("Lead to cash, median", s, "lead_to_cash_days_median", "days", higher=False),
        kpi("Average deal", s, "average_deal", "money"),
        kpi("Leads generated", leads, "generated", "int"),
    ]
    scenario = ctx.run.scenario
    start = scenario.calendar.start_date
    w0 = start + dt.timedelta(days=float(scenario.warmup_days))
    w1 = start + dt.timedelta(days=float(scenario.horizon_days))
    text = (f"Over {date_text(w0)} – {date_text(w1)}: leads that arrived in this window, their "
            f"deals and their revenue.")
    if ctx.run.replications > 1:
        text += (f" Each figure is the average of {ctx.run.replications} simulated runs; ± is "
                 f"its margin of error (see the appendix).")
    if plan:
        text += " Against the plan where one exists."
    warning = _stability_warning(s)
    return Section("headline", "Headline figures",
                   (KpiGrid(tuple(k for k in items if k is not None)), *warning,
                    Paragraph(text, "note")))


def _stability_warning(summary: dict[str, Any]) -> tuple[Paragraph, ...]:
    """The engine's warning when a queue grows without bound (``summary.json``'s
    ``stability``), shown with the figures it puts in doubt; nothing when stable."""
    stability = summary.get("stability")
    if not isinstance(stability, dict) or stability.get("stable", True):
        return ()
    return (Paragraph(f"Not sustainable. {stability.get('warning') or ''}".strip(),
                      "warning"),)


def _format(style: NumberStyle, value: float | None, fmt: str) -> str:
    if fmt == "money":
        return style.money(value)
    if fmt == "pct":
        return style.pct(value, 1)
    if fmt == "days":
        return style.days(value)
    return style.integer(value)


# -- 2. bottleneck -------------------------------------------------------------------------------


def bottleneck_section(ctx: RunContext) -> Section:
    b = ctx.run.summary.get("bottleneck") or {}
    style = ctx.style
    agreement = finite(b.get("agreement"))
    runs = ctx.run.replications
    votes = (round(agreement * runs), runs) if agreement is not None and runs > 1 else None
    sentence = bottleneck_text(screen_verdict(b), ctx.run.scenario, ctx.labels.locale,
                               agreement=votes)
    confirmation = b.get("confirmation")
    blocks: list[Any] = []
    if confirmation:
        blocks.append(Paragraph(str(confirmation.get("headline", b.get("verdict", ""))),
                                "verdict"))
        blocks.append(Paragraph(f"The queue screen: {sentence}", "note"))
    else:
        blocks.append(Paragraph(sentence, "verdict"))
    blocks.extend(_stability_warning(ctx.run.summary))
    if confirmation:
        blocks.append(_confirmation_table(confirmation, style))
    if len(ctx.run.stages) and len(ctx.run.roles):
        blocks.append(ctx.figure(
            "bottleneck", "Evidence for the verdict",
            "Left: how long a lead waits for staff at each stage (or, when no team holds the "
            "department back, the share of leads each stage loses). Right: how busy each team "
            f"is; past the dashed line at {style.pct(HIGH_UTILIZATION)} a team is overloaded. "
            "The bottleneck is outlined in red.",
            lambda: bottleneck_chart(ctx.run.stages, ctx.run.roles, b, ctx.palette,
                                            style, HIGH_UTILIZATION)))
    return Section("bottleneck", "The bottleneck", tuple(blocks))


def _confirmation_table(confirmation: dict[str, Any], style: NumberStyle) -> Table:
    """The relief test: one more person in each candidate role, its paired effect a month."""
    def pm(est: dict[str, Any], money: bool) -> str:
        mean, half = finite(est.get("mean")), finite(est.get("half_width"))
        if mean is None:
            return "–"
        if money and half:  # to two significant digits of the half-width
            q = 10.0 ** (math.floor(math.log10(half)) - 1)
            mean, half = round(mean / q) * q, round(half / q) * q
        text = style.money(mean) if money else style.number(mean, 1)
        sign = "+" if mean > 0 and not text.startswith(("+", "−", "-")) else ""
        return sign + text + ("" if half is None else
                              f" ± {style.money(half) if money else style.number(half, 1)}")

    rows, tones = [], []
    for c in confirmation.get("candidates") or []:
        chosen = c.get("role") == confirmation.get("chosen")
        rows.append((f"+1 {c.get('role')}", str(c.get("stage")),
                     pm(c.get("delta_revenue_per_month") or {}, True),
                     pm(c.get("delta_won_per_month") or {}, False),
                     "yes" if c.get("significant") else "no"))
        tones.append("strong" if chosen else "")
    return Table(
        columns=(Column("relief", "left"), Column("stage", "left"),
                 Column("revenue a month"), Column("won deals a month"), Column("significant")),
        rows=tuple(rows), tones=tuple(tones),
        caption=f"Confirmed by simulation: {confirmation.get('replications')} paired "
                f"replications",
        note="Each row: the scenario with one more person in that role against the scenario "
             "as it is, on the same random numbers; mean change ± 95% CI half-width. "
             "Significant: the revenue change is above zero beyond chance, or the change in "
             "deals won is while revenue rises on average. The bottleneck "
             "is the significant relief that adds most revenue; none: lead flow and "
             "conversion limit the department.")
