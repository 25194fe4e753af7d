"""What is one more person, or a faster process, worth in each role? (Pure.)

For every role that does some step, two levers, each compared with the scenario as it is on the
same random numbers: **hire** (+1 person) and **faster** (the role's work per step cut by a
share, 20% by default: a process improvement). Hires are ranked by profit gained per rouble of
added payroll; improvements, which cost nothing in the model, by the profit they add, which is
what the improvement is worth a month (the most one should pay for it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from salesim.simulator.experiments.compare import compare_document
from salesim.simulator.experiments.records import Record
from salesim.simulator.experiments.stats import number
from salesim.simulator.experiments.variants import WORK_TIME, Change, Variant, apply
from salesim.simulator.experiments.verdict import (
    WHATIF_METHOD,
    Candidate,
    Confirmation,
    decide,
    hire_variant,
    screen_of,
    stage_of,
)
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.documents import WHATIF_SCHEMA


@dataclass(frozen=True)
class Lever:
    """One change to one role, and what it adds to the payroll a month."""

    role: str
    kind: Literal["hire", "faster"]
    variant: Variant
    added_cost_per_month: float


def working_roles(scenario: Scenario) -> list[str]:
    """Roles that do at least one step, in the scenario's order."""
    used = {step.role for stage in scenario.stages for step in stage.steps if step.role}
    return [r.name for r in scenario.roles if r.name in used]


def levers(base: Scenario, faster: float = 0.2) -> list[Lever]:
    """+1 person and −``faster`` work time for every working role."""
    out = []
    for name in working_roles(base):
        role = base.role(name)
        out.append(Lever(name, "hire", hire_variant(base, name), role.salary_per_month))
        quick = (Change(f"roles.{name}.{WORK_TIME}", round(1 - faster, 12)),)
        out.append(Lever(name, "faster",
                         Variant(f"{name} −{faster:.0%} work time", apply(base, quick),
                                 "whatif", quick), 0.0))
    return out


def whatif_document(base: Variant, found: Sequence[Lever], records: Sequence[Sequence[Record]],
                    *, seed: int, replications: int, faster: float,
                    precision: dict[str, Any] | None = None,
                    warmup: dict[str, Any] | None = None) -> dict[str, Any]:
    """``whatif.json``: every lever's paired effect, the two rankings, the full comparison."""
    comparison = compare_document([base, *(lv.variant for lv in found)], records, seed=seed,
                                  replications=replications, precision=precision, warmup=warmup)
    confirmed = confirm_over_hires(base, found, records)
    rows = []
    for lever, entry in zip(found, comparison["variants"][1:], strict=True):
        d = entry["differences"]
        profit = d["profit_per_month"]
        cost = lever.added_cost_per_month
        per_rouble = None
        if cost > 0 and profit["mean"] is not None:
            per_rouble = {"mean": number(profit["mean"] / cost),
                          "ci95": [None if x is None else number(x / cost)
                                   for x in profit["ci95"]]}
        rows.append({
            "name": lever.variant.name, "role": lever.role, "lever": lever.kind,
            "change": lever.variant.settings[0].path + "=" + str(lever.variant.settings[0].value),
            "added_cost_per_month": number(cost),
            "delta_profit_per_month": profit,
            "delta_revenue_per_month": d["revenue_per_month"],
            "delta_won_per_month": d["won_per_month"],
            "delta_cycle_days": d["cycle_days"],
            "profit_per_rouble": per_rouble,
            "bottleneck": bottleneck_after(confirmed, lever, entry["bottleneck"]),
            "stability": entry["stability"],
            "verdict": entry["verdict"],
        })
    hires = sorted((r for r in rows if r["lever"] == "hire"), key=_hire_order)
    faster_rows = sorted((r for r in rows if r["lever"] == "faster"),
                         key=lambda r: -_mean(r["delta_profit_per_month"]))
    scenario = base.scenario
    return {
        "schema": WHATIF_SCHEMA, "kind": "whatif", "base": base.name, "seed": seed,
        "replications": replications, "horizon_days": number(scenario.horizon_days),
        "warmup_days": number(scenario.warmup_days), "currency": scenario.currency,
        "faster_share": faster,
        "stability": comparison["variants"][0]["stability"],
        "ranking": {"hires": [r["name"] for r in hires],
                    "improvements": [r["name"] for r in faster_rows]},
        "bottleneck": {**confirmed.to_json(), "verdict": confirmed.verdict,
                       "screen": confirmed.screen.to_json()},
        "levers": rows,
        "comparison": comparison,
    }


def confirm_over_hires(base: Variant, found: Sequence[Lever],
                       records: Sequence[Sequence[Record]]) -> Confirmation:
    """The bottleneck by the relief test of ``salesim run``, over every +1 lever: the role whose
    hire raises revenue a month most, significantly (``experiments.verdict``)."""
    screen = screen_of(records[0])
    hires = [(lv, recs) for lv, recs in zip(found, records[1:], strict=True)
             if lv.kind == "hire"]
    candidates = [Candidate(lv.role, stage_of(base.scenario, lv.role, screen), math.nan,
                            math.nan) for lv, _ in hires]
    return decide(screen, candidates, records[0], [recs for _, recs in hires],
                  currency=base.scenario.currency, method=WHATIF_METHOD,
                  scenario=base.scenario)


def bottleneck_after(confirmed: Confirmation, lever: Lever, screen: dict[str, Any]
                     ) -> dict[str, Any]:
    """Where the bottleneck is once the lever is pulled.

    A lever that does not relieve the confirmed bottleneck leaves it where it is: the confirmed
    bottleneck, ``source: "confirmed"``. The hire or the faster process of the confirmed role
    moves it: where the variant's queue screen then points (its majority verdict),
    ``source: "screen"``. ``screen`` is the variant's screen summary (``compare.json``'s
    ``bottleneck``), kept under ``screen`` either way.
    """
    relieves = confirmed.kind == "capacity" and lever.role == confirmed.role
    if relieves:
        stage, role, kind = screen["stage"], screen["role"], screen["kind"]
    else:
        stage, role, kind = confirmed.stage, confirmed.role, confirmed.kind
    return {"stage": stage, "role": role, "kind": kind,
            "source": "screen" if relieves else "confirmed",
            "moved": relieves, "screen": screen}


def _mean(est: dict[str, Any]) -> float:
    return -math.inf if est["mean"] is None else float(est["mean"])


def _hire_order(row: dict[str, Any]) -> tuple[int, float, float]:
    pr = row["profit_per_rouble"]
    if pr is None or pr["mean"] is None:
        return (1, 0.0, -_mean(row["delta_profit_per_month"]))
    return (0, -float(pr["mean"]), 0.0)


def tornado_table(doc: dict[str, Any]) -> pd.DataFrame:
    """``tornado.csv``: per role and lever, the profit effect a month with its 95% CI."""
    rows = []
    for r in doc["levers"]:
        p = r["delta_profit_per_month"]
        rows.append({"role": r["role"], "lever": r["lever"], "name": r["name"],
                     "added_cost_per_month": r["added_cost_per_month"],
                     "delta_profit_per_month": p["mean"], "ci95_low": p["ci95"][0],
                     "ci95_high": p["ci95"][1],
                     "delta_revenue_per_month": r["delta_revenue_per_month"]["mean"],
                     "profit_per_rouble": (r["profit_per_rouble"] or {}).get("mean")})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    # the tornado's order: the widest bar (largest effect either way) first
    order = frame.groupby("role")["delta_profit_per_month"].apply(
        lambda s: s.abs().max()).sort_values(ascending=False).index
    frame["role"] = pd.Categorical(frame["role"], categories=list(order), ordered=True)
    return frame.sort_values(["role", "lever"], kind="stable").assign(
        role=lambda f: f["role"].astype(str)).reset_index(drop=True)
