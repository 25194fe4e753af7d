"""Section 1 of the comparison report: the summary (sentences, change cards, bottleneck table)."""

from __future__ import annotations

from typing import Any

from salesim.reports.compare.context import (
    HEADLINE,
    UTILISATION_SHIFT,
    CompareContext,
    bottleneck_move,
    bottleneck_shift,
    describe_bottleneck,
    direction_of,
    fmt_of,
    half_width,
    is_identical,
    is_significant,
    label_of,
    lean_of,
    mean_of,
    per_month,
    plural,
)
from salesim.reports.layout import Column, Delta, DeltaGrid, DeltaRow, Paragraph, Section, Table
from salesim.simulator.numbers import finite

__all__ = ["summary_section"]

# -- 1. summary ------------------------------------------------------------------------------------


def summary_section(ctx: CompareContext) -> Section:
    comparison, style = ctx.comparison, ctx.style
    doc = comparison.doc
    base = comparison.base
    horizon = finite(doc.get("horizon_days"))
    r = comparison.replications
    intro = (f"We simulated the department as it is ({base['name']}, the base) and "
             f"{plural(len(comparison.alternatives), 'alternative')}, each "
             f"{plural(r, 'time')}"
             + (f" over {style.number(horizon)} days" if horizon is not None else "")
             + ", on exactly the same leads, deal sizes and chances, so that a difference "
               "comes from the change itself. A figure ± a margin is an average with its "
               "margin of error; how it is computed is in the appendix.")
    blocks: list[Any] = [Paragraph(intro), Paragraph(_bottom_line(ctx), "summary")]
    blocks.append(Paragraph(_base_sentence(ctx), "variant"))
    for v in comparison.alternatives:
        blocks.append(Paragraph(_variant_sentence(ctx, v), "variant"))
    blocks.append(_cards(ctx))
    blocks.append(_bottleneck_table(ctx))
    return Section("summary", "Summary", tuple(blocks))


def _bottom_line(ctx: CompareContext) -> str:
    """Which alternatives clearly gain or lose profit (else revenue), in one sentence."""
    key = "profit_per_month" if ctx.has("profit_per_month") else "revenue_per_month"
    metric = ctx.metric(key)
    what = label_of(metric, key)
    gains: list[str] = []
    losses: list[str] = []
    unclear: list[str] = []
    same: list[str] = []
    for v in ctx.comparison.alternatives:
        diff = (v.get("differences") or {}).get(key)
        unit = str(metric.get("unit", ""))
        value = ctx.style.estimate(mean_of(diff), half_width(diff), fmt_of(unit), signed=True)
        direction = direction_of(diff, "higher")
        if direction == "good":
            gains.append(f"{v['name']} ({value}{per_month(metric)})")
        elif direction == "bad":
            losses.append(f"{v['name']} ({value}{per_month(metric)})")
        elif is_identical(diff):
            same.append(str(v["name"]))
        else:
            unclear.append(str(v["name"]))
    parts = []
    if gains:
        parts.append(_they(gains, "clearly raise", what))
    if losses:
        parts.append(_they(losses, "clearly lower", what))
    if unclear:
        parts.append(_they(unclear, "make", f"no clear difference to {what}"))
    if same:
        parts.append(_they(same, "leave", f"{what} exactly as it is"))
    text = "In short: " + "; ".join(parts) + "."
    if unclear and ctx.comparison.replications < 20:
        text += " More replications would narrow the intervals."
    return text


def _sentence_figures(ctx: CompareContext, v: dict[str, Any]) -> list[str]:
    return [k for k in HEADLINE if ctx.has(k) and k in (v.get("means") or {})]


def _base_sentence(ctx: CompareContext) -> str:
    base, style = ctx.comparison.base, ctx.style
    parts = []
    for key in _sentence_figures(ctx, base):
        metric = ctx.metric(key)
        est = base["means"][key]
        text = style.estimate(mean_of(est), half_width(est), fmt_of(str(metric.get("unit", ""))))
        parts.append(f"{label_of(metric, key)} {text}{per_month(metric)}")
    b = base["bottleneck"]
    agreement = finite(b.get("agreement"))
    where = f"bottleneck: {describe_bottleneck(b, ctx.labels)}"
    if agreement is not None and agreement < 1:
        where += f" in {style.pct(agreement)} of the replications"
    return f"{base['name']} (the base, the department as it is): " + ", ".join(parts) + \
        f"; {where}."


def _variant_sentence(ctx: CompareContext, v: dict[str, Any]) -> str:
    style, base = ctx.style, ctx.comparison.base
    diffs = v.get("differences") or {}
    clear, unclear = [], []
    for key in _sentence_figures(ctx, v):
        metric = ctx.metric(key)
        diff = diffs.get(key)
        label = label_of(metric, key)
        if not is_significant(diff) or mean_of(diff) in (None, 0.0):
            unclear.append(label)
            continue
        mean = mean_of(diff)
        assert mean is not None
        unit = str(metric.get("unit", ""))
        amount = style.estimate(abs(mean), half_width(diff), fmt_of(unit, True))
        if key == "cycle_days":
            verb = "shortens by" if mean < 0 else "lengthens by"
        else:
            verb = ("rise by" if label.endswith("s") else "rises by") if mean > 0 else \
                ("fall by" if label.endswith("s") else "falls by")
        clear.append(f"{label} {verb} {amount}{per_month(metric)}")
    parts = list(clear)
    if unclear:
        parts.append("no clear change in " + _join(unclear))
    shifts = _utilisation_shifts(ctx, v)
    parts.extend(shifts)
    head = str(v["name"]) + (f" ({_description(v)})" if _description(v) else "")
    move = bottleneck_move(base["bottleneck"], v["bottleneck"], ctx.labels)
    return f"{head}: " + "; ".join(parts) + f"; {move}."


def _description(v: dict[str, Any]) -> str:
    """A variant's description as part of a sentence (no full stop of its own)."""
    return str(v.get("description") or "").strip().rstrip(".")


def _they(names: list[str], verb: str, rest: str) -> str:
    """``a and b raise revenue``, ``a raises revenue``: the verb agrees with the names."""
    return f"{_join(names, 'and')} {verb}{'s' if len(names) == 1 else ''} {rest}"


def _join(words: list[str], conjunction: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def _utilisation_shifts(ctx: CompareContext, v: dict[str, Any]) -> list[str]:
    """``warehouse 90 % → 72 %`` for each role whose utilisation clearly moved."""
    style = ctx.style
    base_roles = {str(r["name"]): r for r in ctx.comparison.base["roles"]}
    diffs = v.get("differences") or {}
    out = []
    for role in v["roles"]:
        name = str(role["name"])
        diff = diffs.get(f"utilization.{name}")
        before = mean_of(base_roles.get(name, {}).get("utilization"))
        after = mean_of(role.get("utilization"))
        change = mean_of(diff)
        if before is None or after is None or change is None:
            continue
        if is_significant(diff) and abs(change) >= UTILISATION_SHIFT:
            out.append(f"{name} busy {style.pct(before)} → {style.pct(after)} of the time")
    return out


def _cards(ctx: CompareContext) -> DeltaGrid:
    style = ctx.style
    keys = [k for k in HEADLINE if ctx.has(k)]
    rows = []
    for v in ctx.comparison.alternatives:
        diffs = v.get("differences") or {}
        items = []
        for key in keys:
            metric = ctx.metric(key)
            diff = diffs.get(key)
            better = str(metric.get("better", ""))
            value, half = style.estimate_parts(mean_of(diff), half_width(diff),
                                               fmt_of(str(metric.get("unit", "")), True),
                                               signed=True)
            tone = direction_of(diff, better)
            if is_identical(diff):
                note = "the same in every replication"
            elif tone == "unclear":
                note = "no clear change"
            else:
                note = "clearly better" if tone == "good" else "clearly worse"
            label = label_of(metric, key)
            items.append(Delta(label=label[:1].upper() + label[1:] + per_month(metric),
                               value=value,
                               ci=f"± {half}" if half and not is_identical(diff) else "",
                               tone=tone, lean=lean_of(diff, better), note=note))
        rows.append(DeltaRow(str(v["name"]), str(v.get("description") or ""), tuple(items)))
    return DeltaGrid(
        columns=tuple(label_of(ctx.metric(k), k)[:1].upper() + label_of(ctx.metric(k), k)[1:]
                      + per_month(ctx.metric(k)) for k in keys),
        rows=tuple(rows),
        note=f"Change against {ctx.comparison.base['name']}. Green or red: clearly better or "
             f"worse for the business, beyond the margin of error; grey: no clear change (the "
             f"change is within the margin of error), and the colour of the figure shows which "
             f"way it leans.")


def _bottleneck_table(ctx: CompareContext) -> Table:
    style, base = ctx.style, ctx.comparison.base
    rows, tones = [], []
    for i, v in enumerate(ctx.comparison.variants):
        b = v["bottleneck"]
        agreement = finite(b.get("agreement"))
        move = "(the base)" if i == 0 else bottleneck_shift(base["bottleneck"], b, ctx.labels)
        rows.append((str(v["name"]), describe_bottleneck(b, ctx.labels), style.pct(agreement),
                     move))
        tones.append("strong" if i == 0 else "")
    return Table(
        columns=(Column("variant", "left"), Column("bottleneck", "left"),
                 Column("replications agreeing"), Column("against the base", "left")),
        rows=tuple(rows), tones=tuple(tones), caption="Where the bottleneck is",
        note="The verdict most replications reached. A capacity bottleneck is a stage where "
             "leads queue for busy staff; without one, the department is limited by lead flow "
             "and conversion, and the biggest leak is named.")
