"""Sweep a grid of variants: one tidy row per variant × replication, and means with 95% CIs.

Pure: variants and records in, ``sweep.json`` and tables out. All grid points share their random
numbers replication by replication, so the curves over the grid are smooth and neighbouring
points compare fairly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from salesim.simulator.experiments.compare import (
    bottleneck_summary,
    metric_catalogue,
    runs_table,
    stability_summary,
)
from salesim.simulator.experiments.grid import Axis
from salesim.simulator.experiments.records import Record, with_plan
from salesim.simulator.experiments.stats import estimate, number
from salesim.simulator.experiments.variants import Variant
from salesim.simulator.store.documents import SWEEP_SCHEMA


def sweep_document(base_name: str, axes: Sequence[Axis], variants: Sequence[Variant],
                   records: Sequence[Sequence[Record]], *, seed: int, replications: int,
                   plan: float | None = None, precision: dict[str, Any] | None = None,
                   warmup: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``sweep.json`` document: the grid and, per point, the means with 95% CIs."""
    catalogue = metric_catalogue(variants, plan)
    scenario = variants[0].scenario
    doc: dict[str, Any] = {
        "schema": SWEEP_SCHEMA,
        "kind": "sweep",
        "base": base_name,
        "seed": seed,
        "replications": replications,
        "horizon_days": number(scenario.horizon_days),
        "warmup_days": number(scenario.warmup_days),
        "currency": scenario.currency,
        "confidence": 0.95,
        "plan_per_month": number(plan) if plan else None,
        "axes": [{"path": a.path, "values": list(a.values)} for a in axes],
        "precision": precision,
        "warmup": warmup,
        "metrics": catalogue,
        "variants": [],
    }
    for variant, rs in zip(variants, records, strict=True):
        rs = [with_plan(r, plan) for r in rs]
        doc["variants"].append({
            "name": variant.name,
            "values": {c.path: c.value for c in variant.settings},
            "means": {m["key"]: estimate([float(r.get(m["key"], math.nan)) for r in rs]).to_json()
                      for m in catalogue},
            "bottleneck": bottleneck_summary(rs),
            "stability": stability_summary(rs),
        })
    return doc


def sweep_runs_table(axes: Sequence[Axis], variants: Sequence[Variant],
                     records: Sequence[Sequence[Record]], metrics: Sequence[str],
                     plan: float | None = None) -> pd.DataFrame:
    """``runs.csv``: variant, one column per varied path, replication, every metric."""
    extra = {a.path: [next(c.value for c in v.settings if c.path == a.path) for v in variants]
             for a in axes}
    return runs_table([v.name for v in variants], records, metrics, extra, plan)


def sweep_summary_table(doc: dict[str, Any]) -> pd.DataFrame:
    """``summary.csv``: one row per grid point; per metric ``x``, ``x_ci95_low/high``."""
    rows = []
    for v in doc["variants"]:
        row: dict[str, Any] = {"variant": v["name"], **v["values"]}
        for key, est in v["means"].items():
            row[key] = est["mean"]
            row[f"{key}_ci95_low"], row[f"{key}_ci95_high"] = est["ci95"]
        b = v["bottleneck"]
        row.update({"bottleneck_stage": b["stage"], "bottleneck_role": b["role"],
                    "bottleneck_kind": b["kind"], "bottleneck_agreement": b["agreement"]})
        st = v["stability"]
        row.update({"stable": st["stable"], "unstable_share": st["unstable_share"],
                    "unstable_queues": "; ".join(f"{q['stage']} ({q['role']})"
                                                 for q in st["unstable"])})
        rows.append(row)
    return pd.DataFrame(rows)
