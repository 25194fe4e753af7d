"""Combine the metrics of one or more replications into the run's summary and tables (pure).

With R > 1 replications every number is the mean over replications, and each numeric field
``x`` gets ``x_ci95 = [low, high]`` beside it in ``summary.json`` (and ``x_ci95_low`` /
``x_ci95_high`` columns in the CSV tables): a 95% Student-t confidence interval for the mean.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.engine.structure import organised
from salesim.simulator.metrics.measure import RunMetrics
from salesim.simulator.metrics.stability import QueueStability, unstable_sentence
from salesim.simulator.metrics.verdict import bottleneck_text
from salesim.simulator.scenario.schema import Scenario

# two-sided 95% Student t quantiles t(0.975, df) for df = 1..30
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
         2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
         2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t_critical(df: int) -> float:
    """t(0.975, df): exact table to 30, then the standard 1/df interpolation towards 1.95996."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    z = 1.959964
    return z + (_T975[-1] - z) * 30 / df


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% CI bounds of independent replications (NaNs ignored)."""
    arr = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if len(arr) == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(arr.mean())
    if len(arr) < 2:
        return (mean, math.nan, math.nan)
    half = t_critical(len(arr) - 1) * float(arr.std(ddof=1)) / math.sqrt(len(arr))
    return (mean, mean - half, mean + half)


def aggregate_table(tables: Sequence[pd.DataFrame], keys: Sequence[str]) -> pd.DataFrame:
    """Mean of each numeric column by ``keys`` over replications, with CI columns when R > 1.

    Rows missing from a replication (a loss reason that did not occur) count as zero there.
    """
    if len(tables) == 1:
        return tables[0].reset_index(drop=True)
    stacked = pd.concat([t.assign(_rep=i) for i, t in enumerate(tables)], ignore_index=True)
    numeric = [c for c in stacked.columns
               if c not in (*keys, "_rep") and pd.api.types.is_numeric_dtype(stacked[c])]
    order = stacked.drop_duplicates(list(keys))[list(keys)]
    full = order.merge(pd.DataFrame({"_rep": range(len(tables))}), how="cross")
    counts_like = [c for c in numeric if c not in _MEAN_ONLY]
    stacked = full.merge(stacked, on=[*keys, "_rep"], how="left")
    stacked[counts_like] = stacked[counts_like].fillna(0)
    out = order.reset_index(drop=True).copy()
    grouped = stacked.groupby(list(keys), sort=False)
    for column in numeric:
        stats = grouped[column].apply(lambda s: mean_ci(s.tolist()))
        stats = stats.reindex(pd.MultiIndex.from_frame(order) if len(keys) > 1 else order[keys[0]])
        out[column] = [s[0] for s in stats]
        out[f"{column}_ci95_low"] = [s[1] for s in stats]
        out[f"{column}_ci95_high"] = [s[2] for s in stats]
    return out


# quantities that are not counts: a replication where they are undefined is left out
_MEAN_ONLY = frozenset({
    "conversion", "wait_days_mean", "wait_days_median", "wait_days_p90", "cycle_days_mean",
    "cycle_days_median", "cycle_days_p90", "wait_share", "utilization", "speed",
    "cost_per_won", "revenue_per_cost",
})


def summary(scenario: Scenario, seed: int, runs: Sequence[RunMetrics]) -> dict[str, Any]:
    """The ``summary.json`` document (contract in ``docs/outputs.md``)."""
    n = len(runs)
    lead_fields = ("generated", "won", "lost", "in_progress")
    doc: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": seed,
        "replications": n,
        "horizon_days": scenario.horizon_days,
        "warmup_days": scenario.warmup_days,
        "currency": scenario.currency,
        "leads": _numbers({f: [r.overall[f] for r in runs] for f in lead_fields}),
    }
    doc.update(_numbers({f: [r.overall[f] for r in runs]
                         for f in ("bookings", "revenue", "revenue_first", "revenue_repeat",
                                   "average_deal", "lead_to_deal", "lead_to_deal_days_median",
                                   "lead_to_cash_days_median")}))
    doc["revenue_recognition"] = ("shipment" if organised(scenario).recognises_at_shipment()
                                  else "win")
    money = [r.money() for r in runs]
    doc.update(_numbers({f: [m[f] for m in money]
                         for f in ("profit", "gross_margin", "lead_costs", "payroll",
                                   "penalties")}))
    doc.update(_numbers({
        "cash_in": [float(r.cash["cash_in"].sum()) for r in runs],
        "receivables_end": [float(r.cash["receivables"].iloc[-1]) for r in runs],
        "overdue_end": [float(r.cash["overdue"].iloc[-1]) for r in runs],
    }))
    if scenario.plan is not None:
        done = [r.attainment for r in runs if r.attainment is not None]
        doc["plan"] = {"covers": scenario.plan.covers, **_numbers({
            "plan": [float(a.plan) for a in done],
            "actual": [float(a.actual) for a in done],
            "attainment": [a.ratio for a in done]})}
    doc["monthly"] = _monthly_money(runs)
    doc["clients"] = _numbers({
        "won": [int(r.clients["clients"].sum()) for r in runs],
        "active_at_end": [int(r.clients["active_at_end"].sum()) for r in runs],
        "churned": [int(r.clients["churned"].sum()) for r in runs],
        "key_accounts": [int(r.clients["key_accounts"].sum()) for r in runs],
        "key_share_of_margin": [float(r.clients["key_share_of_margin"].sum()) for r in runs],
    })
    stage_fields = ("entered", "converted", "lost", "lost_cooled", "in_progress", "conversion",
                    "wait_days_mean", "cycle_days_mean", "wip_mean", "sla_breaches")
    doc["stages"] = [
        {"name": stage.name,
         **_numbers({f: [_py(r.stages.iloc[i][f]) for r in runs] for f in stage_fields})}
        for i, stage in enumerate(scenario.stages)
    ]
    doc["roles"] = [
        {"name": role.name, "headcount": role.headcount,
         **_numbers({f: [_py(r.roles.iloc[i][f]) for r in runs]
                     for f in ("utilization", "queue_mean")})}
        for i, role in enumerate(scenario.roles)
    ]
    doc["stability"] = stability_block(runs)
    doc["bottleneck"] = _bottleneck(runs, scenario)
    if len(runs) > 1 and doc["stability"]["warning"]:
        doc["bottleneck"]["verdict"] += " " + doc["stability"]["warning"]
    return doc


def stability_block(runs: Sequence[RunMetrics]) -> dict[str, Any]:
    """``summary.json``'s ``stability``: one run's verdict, or over replications stable only if
    every replication is, with the share of unstable ones and, per queue, the means of its
    evidence over the replications where it was unstable (``unstable``) or to watch (``watch``).
    """
    if len(runs) == 1:
        return runs[0].stability.to_json()
    n = len(runs)
    unstable_runs = sum(not r.stability.stable for r in runs)
    by_queue: dict[tuple[str, str], list[QueueStability]] = {}
    for r in runs:
        for q in r.stability.queues:
            by_queue.setdefault((q.stage, q.role), []).append(q)
    queues, unstable, watch = [], [], []
    for (stage, role), qs in by_queue.items():
        bad = [q for q in qs if q.status == "unstable"]
        to_watch = [q for q in qs if q.status == "watch"]
        queues.append({"stage": stage, "role": role, "unstable_share": round(len(bad) / n, 6),
                       "watch_share": round(len(to_watch) / n, 6), **_evidence_means(qs)})
        if bad:
            unstable.append({"stage": stage, "role": role, "share": round(len(bad) / n, 6),
                             **_evidence_means(bad)})
        elif to_watch:
            watch.append({"stage": stage, "role": role, "share": round(len(to_watch) / n, 6),
                          "reason": to_watch[0].reason, **_evidence_means(to_watch)})
    runs_text = f"In all {n} replications" if unstable_runs == n \
        else f"In {unstable_runs} of {n} replications"
    warning = unstable_sentence(unstable, prefix=f"{runs_text}, ") if unstable else ""
    return {"stable": unstable_runs == 0, "replications": n,
            "unstable_replications": unstable_runs,
            "unstable_share": round(unstable_runs / n, 6),
            "unstable": unstable, "watch": watch, "queues": queues, "warning": warning or None}


_EVIDENCE = ("queue_mean", "queue_at_end", "growth_per_30d", "utilization_second_half",
             "utilization_last_quarter", "in_progress_at_end", "expected_in_progress",
             "stuck_ratio", "arrivals_per_30d", "overload")


def _evidence_means(qs: Sequence[QueueStability]) -> dict[str, Any]:
    """Mean of each piece of evidence over the given replications (infinite ratios left out)."""
    out: dict[str, Any] = {}
    for key in _EVIDENCE:
        values = [float(getattr(q, key)) for q in qs]
        finite = [v for v in values if math.isfinite(v)]
        out[key] = _json_number(float(np.mean(finite))) if finite else None
    return out


def _monthly_money(runs: Sequence[RunMetrics]) -> list[dict[str, Any]]:
    """Per calendar month of the window: bookings (sold), revenue (recognised) and cash in."""
    def month_of(r: RunMetrics) -> dict[str, tuple[float, float, float]]:
        sold = r.monthly.set_index("month")
        return {m: (float(sold["bookings"].get(m, 0.0)), float(sold["revenue"].get(m, 0.0)),
                    float(cash)) for m, cash in zip(r.cash["month"], r.cash["cash_in"],
                                                    strict=True)}

    per_run = [month_of(r) for r in runs]
    return [{"month": month, **_numbers({
        name: [months[month][k] for months in per_run]
        for k, name in enumerate(("bookings", "revenue", "cash_in"))})}
        for month in per_run[0]] if per_run else []


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _numbers(series: dict[str, list[float]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, values in series.items():
        if len(values) == 1:
            out[name] = _json_number(values[0])
            continue
        mean, low, high = mean_ci(values)
        out[name] = _json_number(mean)
        out[f"{name}_ci95"] = [_json_number(low), _json_number(high)]
    return out


def _json_number(value: float) -> float | int | None:
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return round(value, 6)


def _bottleneck(runs: Sequence[RunMetrics], scenario: Scenario) -> dict[str, Any]:
    """The verdict of one run; over replications the most frequent one, with its agreement and
    a sentence quoting the means of the replications that reached it."""
    if len(runs) == 1:
        b = runs[0].bottleneck.as_dict()
        return {"stage": b["stage"], "role": b["role"], "kind": b["kind"],
                "evidence": {k: _json_value(v) for k, v in b["evidence"].items()},
                "watch": [{k: _json_value(v) for k, v in w.items()} for w in b["watch"]],
                "verdict": runs[0].verdict}
    votes = Counter((r.bottleneck.stage, r.bottleneck.role, r.bottleneck.kind) for r in runs)
    (stage, role, kind), count = votes.most_common(1)[0]
    agreeing = [r.bottleneck.as_dict() for r in runs
                if (r.bottleneck.stage, r.bottleneck.role, r.bottleneck.kind)
                == (stage, role, kind)]
    evidence: dict[str, Any] = {}
    for key, value in agreeing[0]["evidence"].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            evidence.update(_numbers({key: [float(b["evidence"][key]) for b in agreeing]}))
        else:
            evidence[key] = _json_value(value)
    found = {"stage": stage, "role": role, "kind": kind, "evidence": evidence,
             "watch": [{k: _json_value(v) for k, v in w.items()}
                       for w in agreeing[0]["watch"]]}
    return {**found, "agreement": round(count / len(runs), 6),
            "verdict": bottleneck_text(found, scenario, agreement=(count, len(runs)))}


def _json_value(value: Any) -> Any:
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return _json_number(float(value)) if isinstance(value, float | np.floating) else int(value)
    return value
