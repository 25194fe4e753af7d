"""Compare variants on common random numbers: means, paired differences, bottlenecks, verdicts.

Pure: records in, ``compare.json`` document and tidy tables out. The document's schema is in
``docs/experiments.md`` (the comparison report is built on it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from salesim.simulator.experiments.records import (
    BASE_METRICS,
    PLAN_ATTAINMENT,
    TEXT_FIELDS,
    UNSTABLE,
    Record,
    has_plan,
    unstable_queues,
    with_plan,
)
from salesim.simulator.experiments.stats import Estimate, estimate, number, paired_difference
from salesim.simulator.experiments.stats import unpaired_difference as unpaired
from salesim.simulator.experiments.variants import Variant, changes_between
from salesim.simulator.metrics.stability import rejection_reason
from salesim.simulator.store.documents import COMPARE_SCHEMA

# label, unit ("money" = the currency), which way is better
_HEADLINE: dict[str, tuple[str, str, str]] = {
    "revenue_per_month": ("revenue", "money/month", "higher"),
    "profit_per_month": ("profit", "money/month", "higher"),
    "won_per_month": ("won deals", "deals/month", "higher"),
    "cycle_days": ("lead-to-cash time (median)", "days", "lower"),
    "lead_to_deal": ("lead-to-deal conversion", "share", "higher"),
    "average_deal": ("average deal", "money", "higher"),
    "lead_cost_per_month": ("lead costs", "money/month", "lower"),
    "payroll_per_month": ("payroll", "money/month", "lower"),
    "gross_margin_per_month": ("gross margin", "money/month", "higher"),
    "revenue": ("revenue over the window", "money", "higher"),
    "profit": ("profit over the window", "money", "higher"),
    "gross_margin": ("gross margin over the window", "money", "higher"),
    "cost_of_goods": ("cost of goods over the window", "money", "lower"),
    "lead_cost": ("lead costs over the window", "money", "lower"),
    "payroll": ("payroll over the window", "money", "lower"),
    "penalties": ("late-delivery penalties over the window", "money", "lower"),
    "won": ("won deals over the window", "deals", "higher"),
    "lost": ("lost leads over the window", "leads", "lower"),
    "generated": ("leads over the window", "leads", "higher"),
    "in_progress": ("leads still open at the horizon", "leads", "lower"),
    UNSTABLE: ("share of replications whose queues grow without bound", "share", "lower"),
    "overload": ("share of the work the overloaded roles cannot serve", "share", "lower"),
    PLAN_ATTAINMENT: ("plan attainment", "share", "higher"),
}


def metric_catalogue(variants: Sequence[Variant], plan: float | None) -> list[dict[str, Any]]:
    """The metrics a comparison reports, with label, unit and the better direction."""
    planned = any(has_plan(v.scenario, plan) for v in variants)
    keys = [k for k in _HEADLINE if k in BASE_METRICS or (k == PLAN_ATTAINMENT and planned)]
    out = [{"key": k, "label": _HEADLINE[k][0], "unit": _HEADLINE[k][1],
            "better": _HEADLINE[k][2]} for k in keys]
    for role in _roles(variants):
        out.append({"key": f"utilization.{role}", "label": f"{role} utilisation",
                    "unit": "share", "better": "neither"})
        out.append({"key": f"queue_mean.{role}", "label": f"{role} queue (leads, mean)",
                    "unit": "leads", "better": "lower"})
    return out


def _roles(variants: Sequence[Variant]) -> list[str]:
    names: list[str] = []
    for v in variants:
        names.extend(r.name for r in v.scenario.roles if r.name not in names)
    return names


def _values(records: Sequence[Record], key: str) -> list[float]:
    return [float(r.get(key, math.nan)) for r in records]


def bottleneck_summary(records: Sequence[Record]) -> dict[str, Any]:
    """The verdict most replications reached, its agreement and one replication's sentence."""
    votes = Counter((r["bottleneck_stage"], r["bottleneck_role"], r["bottleneck_kind"])
                    for r in records)
    (stage, role, kind), count = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    first = next(r for r in records
                 if (r["bottleneck_stage"], r["bottleneck_role"], r["bottleneck_kind"])
                 == (stage, role, kind))
    return {"stage": stage or None, "role": role or None, "kind": kind,
            "agreement": number(count / len(records)),
            "verdict": first["bottleneck_verdict"],
            "votes": [{"stage": s or None, "role": ro or None, "kind": k, "share":
                       number(c / len(records))}
                      for (s, ro, k), c in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]}


def stability_summary(records: Sequence[Record]) -> dict[str, Any]:
    """Whether a variant's queues stay bounded: stable only if every replication is, the share
    of unstable replications, and per queue the share of replications where it grew without
    bound (method: ``metrics.stability``)."""
    n = len(records)
    bad = [r for r in records if float(r.get(UNSTABLE, 0.0)) >= 0.5]
    counts = Counter(q for r in bad for q in unstable_queues(r))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    queues = [{"stage": stage, "role": role, "share": number(c / n)}
              for (stage, role), c in ranked]
    return {"stable": not bad, "replications": n, "unstable_replications": len(bad),
            "unstable_share": number(len(bad) / n) if n else None, "unstable": queues,
            "text": stability_text(len(bad), n, [q for q, _ in ranked])}


def stability_text(bad: int, n: int, queues: Sequence[tuple[str, str]]) -> str:
    """'queues stable in all 10 replications' or 'NOT SUSTAINABLE in 3 of 10 replications:
    hunter queue grows (lead_development)'."""
    if not bad:
        return f"queues stable in all {n} replications" if n > 1 else "queues stable"
    runs = f"all {n}" if bad == n else f"{bad} of {n}"
    where = ", ".join(dict.fromkeys(stage for stage, _ in queues))
    return (f"NOT SUSTAINABLE in {runs} replications: {rejection_reason(queues)} without "
            f"bound ({where})")


def compare_document(variants: Sequence[Variant], records: Sequence[Sequence[Record]], *,
                     seed: int, replications: int, plan: float | None = None,
                     precision: dict[str, Any] | None = None,
                     warmup: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``compare.json`` document. ``variants[0]`` is the base; ``records[i][r]`` pairs."""
    base = variants[0]
    recs = [[with_plan(r, plan) for r in rs] for rs in records]
    catalogue = metric_catalogue(variants, plan)
    keys = [m["key"] for m in catalogue]
    scenario = base.scenario
    base_bottleneck = bottleneck_summary(recs[0])
    doc: dict[str, Any] = {
        "schema": COMPARE_SCHEMA,
        "kind": "compare",
        "base": base.name,
        "seed": seed,
        "replications": replications,
        "horizon_days": number(scenario.horizon_days),
        "warmup_days": number(scenario.warmup_days),
        "currency": scenario.currency,
        "confidence": 0.95,
        "pairing": "common random numbers: replication r of every variant runs on "
                   "SeedSequence(seed, spawn_key=(r,)); differences are paired by r",
        "plan_per_month": number(plan) if plan else None,
        "plan_source": ("--plan" if plan else "scenario" if scenario.plan is not None
                        else None),
        "profit_definition": "the engine's P&L (pnl.csv): revenue − cost of goods − lead costs "
                             "− payroll (fixed and variable) − penalties, over the measured "
                             "window",
        "precision": precision,
        "warmup": warmup,
        "metrics": catalogue,
        "variants": [],
    }
    for i, (variant, rs) in enumerate(zip(variants, recs, strict=True)):
        entry: dict[str, Any] = {
            "name": variant.name,
            "description": variant.description,
            "source": variant.source,
            "is_base": i == 0,
            "changes": [] if i == 0 else changes_between(scenario, variant.scenario),
            "staffing": {r.name: r.headcount for r in variant.scenario.roles},
            "means": {k: estimate(_values(rs, k)).to_json() for k in keys},
            "roles": [{"name": r.name, "headcount": r.headcount,
                       "salary_per_month": number(r.salary_per_month),
                       "utilization": estimate(_values(rs, f"utilization.{r.name}")).to_json(),
                       "queue_mean": estimate(_values(rs, f"queue_mean.{r.name}")).to_json()}
                      for r in variant.scenario.roles],
            "bottleneck": bottleneck_summary(rs),
            "stability": stability_summary(rs),
            "differences": None,
            "verdict": None,
        }
        if i > 0:
            diffs = {k: _difference(_values(recs[0], k), _values(rs, k)) for k in keys}
            entry["differences"] = diffs
            entry["verdict"] = verdict(variant.name, base.name, diffs, base_bottleneck,
                                       entry["bottleneck"], recs[0], rs, scenario.currency)
        doc["variants"].append(entry)
    return doc


def _difference(base: list[float], variant: list[float]) -> dict[str, Any]:
    paired = paired_difference(base, variant)
    independent = unpaired(base, variant)
    pairs = [(a, b) for a, b in zip(base, variant, strict=True)
             if not (math.isnan(a) or math.isnan(b))]
    doc = paired.to_json()
    doc["significant"] = paired.significant
    doc["share_higher"] = number(sum(b > a for a, b in pairs) / len(pairs)) if pairs else None
    doc["ci95_unpaired"] = [number(independent.low), number(independent.high)]
    return doc


# -- sentences -----------------------------------------------------------------------------------


def rounded(mean: float, half: float) -> tuple[str, str]:
    """Mean and half-width to two significant digits of the half-width: 412,000 ± 35,000."""
    if math.isnan(mean):
        return "n/a", "n/a"
    if math.isnan(half) or half <= 0:
        exp = math.floor(math.log10(abs(mean))) - 2 if mean else 0
    else:
        exp = math.floor(math.log10(half)) - 1
    decimals = max(0, -exp)
    q = 10.0**exp
    m = round(mean / q) * q
    h = round(half / q) * q if not math.isnan(half) else math.nan
    sign = "+" if m > 0 else "−" if m < 0 else ""
    m_text = f"{sign}{abs(m):,.{decimals}f}"
    h_text = "?" if math.isnan(h) else f"{h:,.{decimals}f}"
    return m_text, h_text


def _clause(label: str, est: dict[str, Any], unit: str, note: str = "") -> str:
    mean: float | None = est["mean"]
    low, high = est["ci95"]
    if mean is None:
        return f"{label} n/a"
    half = (high - low) / 2 if low is not None and high is not None else math.nan
    m, h = rounded(mean, half)
    notes = [n for n in (note, "" if est["significant"] else "not significant") if n]
    return f"{label} {m} ± {h}{unit}" + (f" ({'; '.join(notes)})" if notes else "")


def describe_bottleneck(b: dict[str, Any]) -> str:
    if b["kind"] == "capacity":
        return f"{b['stage']} ({b['role']})"
    if b["kind"] == "conversion":
        return f"no capacity bottleneck (conversion-limited at {b['stage']})"
    return "no bottleneck"


def verdict(name: str, base: str, diffs: dict[str, dict[str, Any]], base_b: dict[str, Any],
            var_b: dict[str, Any], base_recs: Sequence[Record], var_recs: Sequence[Record],
            currency: str) -> str:
    """One plain-language sentence: the paired effects with their 95% CIs and the bottleneck."""
    parts = [
        _clause("revenue", diffs["revenue_per_month"], f" {currency} a month", "95% CI"),
        _clause("profit", diffs["profit_per_month"], f" {currency} a month"),
        _clause("won deals", diffs["won_per_month"], " a month"),
        _clause("lead-to-cash time", diffs["cycle_days"], " days"),
    ]
    if PLAN_ATTAINMENT in diffs:
        est = diffs[PLAN_ATTAINMENT]
        if est["mean"] is not None:
            m, h = rounded(100 * est["mean"], 100 * est["half_width"]
                           if est["half_width"] is not None else math.nan)
            parts.append(f"plan attainment {m} ± {h} points")
    util = []
    for key, est in diffs.items():
        if key.startswith("utilization.") and est["mean"] is not None and est["significant"] \
                and abs(est["mean"]) >= 0.05:
            role = key.split(".", 1)[1]
            a = estimate(_values(base_recs, key)).mean
            b = estimate(_values(var_recs, key)).mean
            util.append(f"{role} {a:.0%} → {b:.0%}")
    if util:
        parts.append("utilisation " + ", ".join(util))
    same = (base_b["stage"], base_b["role"], base_b["kind"]) == (
        var_b["stage"], var_b["role"], var_b["kind"])
    if same:
        where = f"bottleneck stays at {describe_bottleneck(var_b)}"
    else:
        where = (f"bottleneck moves from {describe_bottleneck(base_b)} to "
                 f"{describe_bottleneck(var_b)}")
    return f"{name} vs {base}: " + ", ".join(parts) + f"; {where}; " \
        + _stability_clause(base, base_recs, var_recs) + "."


def _stability_clause(base: str, base_recs: Sequence[Record], var_recs: Sequence[Record]
                      ) -> str:
    """The variant's stability, and the base's when it differs."""
    mine, theirs = stability_summary(var_recs), stability_summary(base_recs)
    text = str(mine["text"])
    if theirs["unstable_replications"] and not mine["unstable_replications"]:
        text += f" (the base is {theirs['text']})"
    return text


# -- tables --------------------------------------------------------------------------------------


def runs_table(names: Sequence[str], records: Sequence[Sequence[Record]], metrics: Sequence[str],
               extra: Mapping[str, Sequence[Any]] | None = None,
               plan: float | None = None) -> pd.DataFrame:
    """One row per variant × replication: the tidy table of every run."""
    rows = []
    for i, (name, rs) in enumerate(zip(names, records, strict=True)):
        for r, rec in enumerate(rs):
            rec = with_plan(rec, plan)
            row: dict[str, Any] = {"variant": name}
            if extra:
                row.update({k: v[i] for k, v in extra.items()})
            row["replication"] = r
            row.update({m: rec.get(m, math.nan) for m in metrics})
            row.update({f: rec[f] for f in TEXT_FIELDS if f != "bottleneck_verdict"})
            rows.append(row)
    return pd.DataFrame(rows)


def summary_table(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per variant × metric: mean and CI, and the paired difference from the base."""
    rows = []
    for v in doc["variants"]:
        for key, est in v["means"].items():
            d: dict[str, Any] = (v["differences"] or {}).get(key) or {}
            rows.append({
                "variant": v["name"], "metric": key, "mean": est["mean"],
                "ci95_low": est["ci95"][0], "ci95_high": est["ci95"][1], "n": est["n"],
                "diff_mean": d.get("mean"), "diff_ci95_low": (d.get("ci95") or [None])[0],
                "diff_ci95_high": (d.get("ci95") or [None, None])[1],
                "diff_unpaired_ci95_low": (d.get("ci95_unpaired") or [None])[0],
                "diff_unpaired_ci95_high": (d.get("ci95_unpaired") or [None, None])[1],
                "diff_significant": d.get("significant"),
            })
    return pd.DataFrame(rows)


def estimate_of(doc_entry: dict[str, Any]) -> Estimate:
    """An Estimate back from its JSON form."""
    low, high = doc_entry["ci95"]
    nan = math.nan
    return Estimate(doc_entry["mean"] if doc_entry["mean"] is not None else nan,
                    low if low is not None else nan, high if high is not None else nan,
                    doc_entry["sd"] if doc_entry["sd"] is not None else nan, doc_entry["n"])
