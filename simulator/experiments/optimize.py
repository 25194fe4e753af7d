"""Staffing optimiser: headcount per role that maximises expected profit, or minimises payroll
while meeting constraints such as "plan attainment ≥ 95% with probability 0.9".

Every candidate staffing is simulated for the same R replications (common random numbers), so
candidates are compared on identical leads and dice, and a difference in their means is a
difference of staffing, not of luck.

Search (``docs/experiments.md``):

1. **Marginal analysis** from the smallest staffing in range: add, one at a time, the person who
   buys the most per rouble of monthly salary: while the constraints are not met, the largest
   fall in constraint violation per rouble; once they are, the largest gain in expected profit
   per rouble (objective ``profit``; objective ``cost`` stops at the first feasible staffing).
   When no single hire gains, a pair of hires in two roles is tried (complements: a second
   closer is useless without the hunter who feeds them, and the other way round).
2. **Local search** from there: move to the best of the ±1 neighbours, else of the moves that
   change two roles by one each (swaps, two more, two fewer), while that is strictly better;
   stop at a staffing none of these neighbours beats.

"Better" is one order for both phases and for the exhaustive search the tests check it against:
feasible before infeasible; among infeasible, smaller violation; among feasible, higher expected
profit (``profit``) or lower payroll, then higher profit (``cost``).

**Stability is a constraint of every search**: a staffing is infeasible when more than
:data:`MAX_UNSTABLE_SHARE` of its replications have a queue that grows without bound
(``metrics.stability``), whatever else it meets — its figures at the horizon would depend on
how long one simulates. Its violation then adds the share of unstable replications and their
mean ``overload`` (the share of work the overloaded roles cannot serve), which falls with every
hire into an overloaded role, so the marginal analysis is led towards stable staffings.

**Chance constraints need replications**: ``@ p=P`` is estimated as the share of R replications
that meet the bound; with R < 1/(1 − P) that share is "all R runs" and cannot tell P from 1, so
such a request is refused (:func:`check_replications`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salesim.simulator.experiments.compare import rounded
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.problem import Constraint, Problem, Staffing
from salesim.simulator.experiments.records import (
    PLAN_ATTAINMENT,
    UNSTABLE,
    Record,
    has_plan,
    unstable_queues,
    with_plan,
)
from salesim.simulator.experiments.stats import Estimate, estimate, number, paired_difference
from salesim.simulator.experiments.variants import ExperimentError, Variant
from salesim.simulator.metrics.stability import rejection_reason
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.documents import OPTIMIZE_SCHEMA

MAX_EXHAUSTIVE = 5_000
# A staffing with any unstable replication is infeasible: a queue that grows without bound in
# one plausible future out of R is not a staffing to recommend (and the check is conservative:
# a role must be saturated over the second half with a queue still rising, docs/model.md).
MAX_UNSTABLE_SHARE = 0.0
@dataclass(frozen=True)
class Evaluation:
    """A staffing simulated for R replications, with its standing in the search order."""

    staffing: Staffing
    variant: Variant
    records: list[Record]
    profit: Estimate
    payroll_per_month: float
    statuses: list[tuple[bool, float, float]]
    key: tuple[float, ...]
    unstable_share: float = 0.0
    unstable: tuple[tuple[str, str], ...] = ()  # (stage, role) unstable in some replication
    stability_violation: float = 0.0

    @property
    def feasible(self) -> bool:
        return bool(self.key[0])

    @property
    def stable(self) -> bool:
        """No more than :data:`MAX_UNSTABLE_SHARE` of the replications are unstable."""
        return self.unstable_share <= MAX_UNSTABLE_SHARE + 1e-12

    @property
    def violation(self) -> float:
        return sum(s[2] for s in self.statuses) + self.stability_violation

    def rejected(self, constraints: Sequence[Constraint]) -> str:
        """Why the staffing is infeasible ("" if it is not): 'hunter queue grows; …'."""
        reasons = [] if self.stable else [rejection_reason(self.unstable)]
        reasons += [f"{c.text} met in {s[1]:.0%}" for c, s in
                    zip(constraints, self.statuses, strict=True) if not s[0]]
        return "; ".join(reasons)


class Optimizer:
    """Runs the search; every evaluation goes through the Lab (parallel, checkpointed)."""

    def __init__(self, problem: Problem, lab: Lab, replications: int) -> None:
        self.problem = problem
        self.lab = lab
        self.replications = replications
        self.evaluated: dict[Staffing, Evaluation] = {}
        self.trace: list[dict[str, Any]] = []

    def evaluate(self, staffings: Sequence[Staffing]) -> list[Evaluation]:
        new = [s for s in dict.fromkeys(staffings) if s not in self.evaluated]
        if new:
            variants = [self.problem.variant(s) for s in new]
            for s, v, recs in zip(new, variants, self.lab.records(variants, self.replications),
                                  strict=True):
                self.evaluated[s] = self._judge(s, v, recs)
        return [self.evaluated[s] for s in staffings]

    def _judge(self, staffing: Staffing, variant: Variant, records: list[Record]) -> Evaluation:
        p = self.problem
        recs = [with_plan(r, p.plan) for r in records]
        statuses = [c.status([float(r.get(c.metric, math.nan)) for r in recs])
                    for c in p.constraints]
        profit = estimate([r["profit_per_month"] for r in recs])
        payroll = sum(r.headcount * r.salary_per_month for r in variant.scenario.roles)
        unstable_share = sum(float(r.get(UNSTABLE, 0.0)) for r in recs) / len(recs)
        queues = tuple(dict.fromkeys(q for r in recs for q in unstable_queues(r)))
        stable = unstable_share <= MAX_UNSTABLE_SHARE + 1e-12
        stability_violation = 0.0 if stable else unstable_share + sum(
            float(r.get("overload", 0.0)) for r in recs) / len(recs)
        feasible = all(s[0] for s in statuses) and stable
        violation = sum(s[2] for s in statuses) + stability_violation
        value = profit.mean if not math.isnan(profit.mean) else -math.inf
        if p.objective == "profit":
            key: tuple[float, ...] = (float(feasible), -violation, value)
        else:
            key = (float(feasible), -violation, -payroll, value)
        return Evaluation(staffing, variant, recs, profit, payroll, statuses, key,
                          unstable_share, queues, stability_violation)

    def _note(self, phase: str, ev: Evaluation) -> None:
        self.trace.append({"phase": phase, "staffing": self.problem.counts(ev.staffing),
                           "profit_per_month": number(ev.profit.mean),
                           "payroll_per_month": number(ev.payroll_per_month),
                           "feasible": ev.feasible, "violation": number(ev.violation)})

    # -- the search ------------------------------------------------------------------------------

    def search(self) -> Evaluation:
        """Marginal analysis, then local search (module docstring)."""
        p = self.problem
        start: Staffing = tuple(lo for lo, _ in p.bounds)
        if not p.allowed(start):
            raise ExperimentError("the budget is below the smallest staffing in range ("
                                  + ", ".join(f"{r} {n}" for r, n in zip(p.roles, start,
                                                                         strict=True))
                                  + "); raise the budget or lower the --range minimums")
        current = self.evaluate([start])[0]
        self._note("start", current)
        current = self._marginal(current)
        return self._local(current)

    def _marginal(self, current: Evaluation) -> Evaluation:
        p = self.problem
        k = len(p.roles)
        singles = [((i,), (+1,)) for i in range(k)]
        pairs = [((i, j), (+1, +1)) for i in range(k) for j in range(i + 1, k)]
        while True:
            best = self._best_hire(current, singles)
            if best is None:  # complements: one more of each of two roles may pay where
                best = self._best_hire(current, pairs)  # one more of either does not
            if best is None:
                return current
            current = best
            self._note("marginal", current)

    def _best_hire(self, current: Evaluation, moves: Sequence[tuple[tuple[int, ...],
                                                                    tuple[int, ...]]]
                   ) -> Evaluation | None:
        """The hire (or pair of hires) that buys the most per rouble, if any buys anything."""
        p = self.problem
        staffed = [(roles, _move(current.staffing, roles, deltas)) for roles, deltas in moves]
        staffed = [(roles, s) for roles, s in staffed if p.allowed(s)]
        if not staffed:
            return None
        evs = self.evaluate([s for _, s in staffed])
        cost = [max(sum(p.salary(i) for i in roles), 1.0) for roles, _ in staffed]
        if not current.feasible:
            gains = [((current.violation - ev.violation) / c, ev)
                     for c, ev in zip(cost, evs, strict=True)]
        elif p.objective == "profit":
            gains = [((ev.profit.mean - current.profit.mean) / c, ev)
                     for c, ev in zip(cost, evs, strict=True) if ev.feasible]
        else:
            return None  # feasible: for the cost objective, more people only cost more
        if not gains:
            return None
        gain, best = max(gains, key=lambda g: (g[0], g[1].key))
        return best if gain > 0 else None

    def _local(self, current: Evaluation) -> Evaluation:
        p = self.problem
        k = len(p.roles)
        singles = [((i,), (d,)) for i in range(k) for d in (+1, -1)]
        doubles = [((i, j), (di, dj)) for i in range(k) for j in range(i + 1, k)
                   for di in (+1, -1) for dj in (+1, -1)]
        while True:
            improved = False
            for phase, moves in (("local ±1", singles), ("local two roles", doubles)):
                allowed = [s for s in (_move(current.staffing, r, d) for r, d in moves)
                           if p.allowed(s)]
                if not allowed:
                    continue
                best = max(self.evaluate(allowed), key=lambda ev: ev.key)
                if best.key > current.key:
                    current = best
                    self._note(phase, current)
                    improved = True
                    break
            if not improved:
                return current

    def exhaustive(self) -> Evaluation:
        """Every staffing in range and budget (for checking the search on small cases)."""
        p = self.problem
        space = [s for s in itertools.product(*(range(lo, hi + 1) for lo, hi in p.bounds))
                 if p.allowed(s)]
        if not space:
            raise ExperimentError("no staffing in range fits the budget")
        if len(space) > MAX_EXHAUSTIVE:
            raise ExperimentError(f"exhaustive search over {len(space):,} staffings; at most "
                                  f"{MAX_EXHAUSTIVE:,} (narrow the --range)")
        evs = self.evaluate(space)
        best = max(evs, key=lambda ev: ev.key)
        self._note("exhaustive", best)
        return best


def _move(s: Staffing, roles: Sequence[int], deltas: Sequence[int]) -> Staffing:
    out = list(s)
    for i, d in zip(roles, deltas, strict=True):
        out[i] += d
    return tuple(out)


# -- the document --------------------------------------------------------------------------------


def _standing(problem: Problem, ev: Evaluation) -> dict[str, Any]:
    recs = ev.records
    means = {k: estimate([float(r.get(k, math.nan)) for r in recs]).to_json()
             for k in ("profit_per_month", "revenue_per_month", "payroll_per_month",
                       "won_per_month", "cycle_days",
                       *([PLAN_ATTAINMENT] if has_plan(problem.base, problem.plan) else []))}
    return {
        "staffing": {r.name: ev.variant.scenario.role(r.name).headcount
                     for r in problem.base.roles},
        "payroll_per_month": number(ev.payroll_per_month),
        "feasible": ev.feasible,
        "violation": number(ev.violation),
        "constraints": [{"constraint": c.text, "met": s[0], "share_met": number(s[1])}
                        for c, s in zip(problem.constraints, ev.statuses, strict=True)],
        "stability": _stability(ev),
        "rejected": ev.rejected(problem.constraints) or None,
        "means": means,
    }


def _stability(ev: Evaluation) -> dict[str, Any]:
    return {"stable": ev.stable, "unstable_share": number(ev.unstable_share),
            "unstable": [{"stage": stage, "role": role} for stage, role in ev.unstable],
            "reason": rejection_reason(ev.unstable) or None}


def rejected_as_unstable(opt: Optimizer) -> list[dict[str, Any]]:
    """Staffings that met every constraint but not stability, best first by the objective:
    what the optimiser would have picked had it ignored growing queues."""
    p = opt.problem
    found = [ev for ev in opt.evaluated.values()
             if not ev.stable and all(s[0] for s in ev.statuses)]
    if p.objective == "profit":
        found.sort(key=lambda ev: -ev.profit.mean if not math.isnan(ev.profit.mean)
                   else math.inf)
    else:
        found.sort(key=lambda ev: (ev.payroll_per_month, -ev.profit.mean))
    return [{"staffing": p.counts(ev.staffing), "payroll_per_month": number(ev.payroll_per_month),
             "profit_per_month": number(ev.profit.mean),
             "unstable_share": number(ev.unstable_share),
             "rejected": rejection_reason(ev.unstable)} for ev in found]


def optimize_document(opt: Optimizer, best: Evaluation, current: Evaluation, *, seed: int,
                      method: str) -> dict[str, Any]:
    """``optimize.json``: the best staffing, the current one, the paired difference, the trail."""
    p = opt.problem
    s = p.base
    diff = {k: paired_difference([float(r.get(k, math.nan)) for r in current.records],
                                 [float(r.get(k, math.nan)) for r in best.records]).to_json()
            for k in ("profit_per_month", "revenue_per_month", "payroll_per_month")}
    doc = {
        "schema": OPTIMIZE_SCHEMA, "kind": "optimize", "base": s.name, "seed": seed,
        "replications": opt.replications, "horizon_days": number(s.horizon_days),
        "warmup_days": number(s.warmup_days), "currency": s.currency,
        "objective": p.objective,
        "constraints": [{"text": c.text, "metric": c.metric, "op": c.op, "value": c.value,
                         "probability": c.probability} for c in p.constraints],
        "plan_per_month": number(p.plan) if p.plan else None,
        "plan_source": _plan_source(p.base, p.plan),
        "budget": {"headcount": p.budget.headcount,
                   "payroll_per_month": number(p.budget.payroll_per_month)
                   if p.budget.payroll_per_month is not None else None},
        "search": {"method": method, "roles": p.roles,
                   "bounds": {r: list(b) for r, b in zip(p.roles, p.bounds, strict=True)},
                   "staffings_evaluated": len(opt.evaluated),
                   "runs": len(opt.evaluated) * opt.replications, "trace": opt.trace},
        "best": _standing(p, best),
        "current": _standing(p, current),
        "best_minus_current": diff,
        "stability_rule": {"max_unstable_share": MAX_UNSTABLE_SHARE,
                           "text": "a staffing with a queue that grows without bound in any "
                                   "replication is infeasible"},
        "rejected_unstable": rejected_as_unstable(opt),
    }
    doc["verdict"] = optimize_verdict(doc)
    return doc


def _plan_source(scenario: Scenario, plan: float | None) -> str | None:
    if plan is not None:
        return "--plan"
    return "scenario" if scenario.plan is not None else None


def optimize_verdict(doc: dict[str, Any]) -> str:
    best, now = doc["best"], doc["current"]
    cur = doc["currency"]
    moves = []
    for role, n in best["staffing"].items():
        delta = n - now["staffing"][role]
        moves.append(f"{role} {n}" + (f" ({'+' if delta > 0 else '−'}{abs(delta)})"
                                      if delta else ""))
    d = doc["best_minus_current"]["profit_per_month"]
    gain, half = rounded(d["mean"] if d["mean"] is not None else math.nan,
                         d["half_width"] if d["half_width"] is not None else math.nan)
    profit = best["means"]["profit_per_month"]["mean"]
    text = (f"Best staffing: {', '.join(moves)}; payroll {best['payroll_per_month']:,.0f} {cur} "
            f"a month; expected profit {profit:,.0f} {cur} a month, {gain} ± {half} {cur} a "
            f"month against the current staffing (paired 95% CI)")
    met = [f"{c['constraint']} met in {c['share_met']:.0%} of replications"
           for c in best["constraints"]]
    if met:
        text += "; " + "; ".join(met)
    text += "; queues stable in every replication"
    if not now["stability"]["stable"]:
        text += (f" (the current staffing's are not: {now['stability']['reason']} in "
                 f"{now['stability']['unstable_share']:.0%} of replications)")
    text += "."
    rejected = doc.get("rejected_unstable") or []
    if rejected:
        first = rejected[0]
        staffing = ", ".join(f"{r} {n}" for r, n in first["staffing"].items())
        text += (f" {len(rejected)} {'staffing' if len(rejected) == 1 else 'staffings'} "
                 f"evaluated that met the constraints "
                 f"{'was' if len(rejected) == 1 else 'were'} rejected because a queue grows "
                 f"without bound, e.g. {staffing} (rejected: {first['rejected']}).")
    return text


def candidates_rows(opt: Optimizer) -> list[dict[str, Any]]:
    """``candidates.csv``: every staffing evaluated, in the order first evaluated."""
    p = opt.problem
    rows = []
    for staffing, ev in opt.evaluated.items():
        row: dict[str, Any] = dict(p.counts(staffing))
        row["payroll_per_month"] = ev.payroll_per_month
        row["profit_per_month"] = ev.profit.mean
        row["profit_per_month_ci95_low"] = ev.profit.low
        row["profit_per_month_ci95_high"] = ev.profit.high
        row["revenue_per_month"] = estimate([r["revenue_per_month"] for r in ev.records]).mean
        if has_plan(p.base, p.plan):
            row[PLAN_ATTAINMENT] = estimate([r[PLAN_ATTAINMENT] for r in ev.records]).mean
        for c, st in zip(p.constraints, ev.statuses, strict=True):
            row[f"share_met[{c.text}]"] = st[1]
        row["unstable_share"] = ev.unstable_share
        row["unstable_queues"] = "; ".join(f"{stage} ({role})" for stage, role in ev.unstable)
        row["feasible"] = ev.feasible
        row["violation"] = ev.violation
        row["rejected"] = ev.rejected(p.constraints)
        rows.append(row)
    return rows
