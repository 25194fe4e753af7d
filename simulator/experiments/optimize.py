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
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from salesim.simulator.experiments.compare import rounded
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.records import (
    PLAN_ATTAINMENT,
    UNSTABLE,
    Record,
    has_plan,
    metric_names,
    unstable_queues,
    with_plan,
)
from salesim.simulator.experiments.stats import Estimate, estimate, number, paired_difference
from salesim.simulator.experiments.variants import Change, ExperimentError, Variant, apply
from salesim.simulator.metrics.stability import rejection_reason
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.documents import OPTIMIZE_SCHEMA

MAX_EXHAUSTIVE = 5_000
# A staffing with any unstable replication is infeasible: a queue that grows without bound in
# one plausible future out of R is not a staffing to recommend (and the check is conservative:
# a role must be saturated over the second half with a queue still rising, docs/model.md).
MAX_UNSTABLE_SHARE = 0.0
# Below this many times the minimum number of replications a chance constraint needs, the
# estimate of its probability rests on one or two runs: allowed, with a warning.
COMFORTABLE_REPLICATIONS = 2
Objective = Literal["profit", "cost"]
Staffing = tuple[int, ...]
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_CONSTRAINT = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][\w.]*)\s*(?P<op>>=|<=|>|<)\s*(?P<value>[-+]?[\d_.]+(?:[eE][-+]?\d+)?%?)"
    r"\s*(?:@\s*p\s*=\s*(?P<p>[\d.]+%?))?\s*$")
_SIGNED = frozenset({"profit", "profit_per_month"})


@dataclass(frozen=True)
class Constraint:
    """``metric op value``, on the mean, or met in at least a share ``probability`` of runs."""

    metric: str
    op: str
    value: float
    probability: float | None
    text: str

    def status(self, values: Sequence[float]) -> tuple[bool, float, float]:
        """(met, share of replications meeting it, violation ≥ 0 scaled by |value|)."""
        ok = _OPS[self.op]
        runs = [v for v in values]
        share = sum(1 for v in runs if not math.isnan(v) and ok(v, self.value)) / len(runs)
        scale = max(abs(self.value), 1e-9)
        if self.probability is None:
            e = estimate(runs)
            stat = e.mean if e.n else math.nan
            met = not math.isnan(stat) and ok(stat, self.value)
            gap = 0.0 if met else _gap(stat, self.op, self.value) / scale
            return met, share, gap
        met = share >= self.probability - 1e-12
        if met:
            return True, share, 0.0
        # the value the k-th best replication reaches, k = ceil(p·R): the constraint holds
        # exactly when it does, and it moves smoothly with the staffing
        k = max(1, math.ceil(self.probability * len(runs) - 1e-9))
        clean = [(-math.inf if self.op in (">=", ">") else math.inf) if math.isnan(v) else v
                 for v in runs]
        ordered = sorted(clean, reverse=self.op in (">=", ">"))
        stat = ordered[k - 1]
        return False, share, _gap(stat, self.op, self.value) / scale + (self.probability - share)


def _gap(stat: float, op: str, value: float) -> float:
    if math.isnan(stat) or math.isinf(stat):
        return 1e6
    return max(0.0, value - stat) if op in (">=", ">") else max(0.0, stat - value)


def parse_constraint(text: str, metrics: Sequence[str]) -> Constraint:
    """``plan_attainment>=0.95 @ p=0.9``, ``cycle_days<=30``, ``utilization.closer<=85%``.

    Raises:
        ExperimentError: bad syntax, an unknown metric, a probability outside (0, 1], or a
            bound no staffing can meet (a share above 1, a count below 0).
    """
    m = _CONSTRAINT.match(text)
    if m is None:
        raise ExperimentError(f"--constraint {text!r}: expected METRIC>=VALUE [@ p=P], e.g. "
                              f"'plan_attainment>=0.95 @ p=0.9'")
    metric = m["metric"]
    if metric not in metrics:
        hint = (" (the scenario has no plan: give --plan AMOUNT a month)"
                if metric == PLAN_ATTAINMENT else "")
        raise ExperimentError(f"--constraint {text!r}: unknown metric '{metric}'{hint}; "
                              f"allowed: {', '.join(metrics)}")
    value = _number(m["value"], text)
    p = None if m["p"] is None else _number(m["p"], text)
    if p is not None and not 0 < p <= 1:
        raise ExperimentError(f"--constraint {text!r}: the probability must be in (0, 1], "
                              f"got {p:g}")
    op = m["op"]
    share = metric == "lead_to_deal" or metric.startswith("utilization.")
    if share and ((op == ">=" and value > 1) or (op == ">" and value >= 1)):
        raise ExperimentError(f"--constraint {text!r}: impossible: {metric} is a share, at "
                              f"most 1")
    if metric not in _SIGNED and ((op == "<=" and value < 0) or (op == "<" and value <= 0)):
        raise ExperimentError(f"--constraint {text!r}: impossible: {metric} is never negative")
    return Constraint(metric, op, value, p, text.strip())


def _number(text: str, whole: str) -> float:
    t = text.replace("_", "")
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise ExperimentError(f"--constraint {whole!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ExperimentError(f"--constraint {whole!r}: {text!r} is not a finite number")
    return value


def min_replications(probability: float) -> int:
    """The fewest replications R that can estimate "met in a share ``probability`` of runs":
    R ≥ 1/(1 − p), so that at least one run may miss the bound (with fewer, "90% of runs" is
    "all of them"). 1 for p = 1, which asks for every run anyway."""
    if probability >= 1:
        return 1
    return math.ceil(1 / (1 - probability) - 1e-9)


def check_replications(constraints: Sequence[Constraint], replications: int) -> list[str]:
    """Refuse chance constraints that R replications cannot estimate; warn when barely can.

    Returns:
        Warnings (one line each) for constraints with R below
        :data:`COMFORTABLE_REPLICATIONS` × the minimum.

    Raises:
        ExperimentError: R is below ``min_replications(p)`` for some constraint.
    """
    warnings = []
    for c in constraints:
        if c.probability is None:
            continue
        need = min_replications(c.probability)
        if replications < need:
            raise ExperimentError(
                f"--constraint {c.text!r}: {replications} replications cannot estimate "
                f"p={c.probability:g} (with fewer than {need}, 'in {c.probability:.0%} of runs' "
                f"means 'in all of them'); use -r {need} or more")
        if replications < COMFORTABLE_REPLICATIONS * need:
            warnings.append(
                f"--constraint {c.text!r}: {replications} replications allow only "
                f"{replications - math.ceil(c.probability * replications - 1e-9)} run(s) to "
                f"miss the bound; the estimate of p={c.probability:g} is rough below "
                f"-r {COMFORTABLE_REPLICATIONS * need}")
    return warnings


def constraint_metrics(scenario: Scenario, plan: float | None) -> list[str]:
    return [*metric_names(scenario), *([PLAN_ATTAINMENT] if has_plan(scenario, plan) else [])]


@dataclass(frozen=True)
class Budget:
    """Limits on the whole department (every role, searched or not)."""

    headcount: int | None = None
    payroll_per_month: float | None = None

    def allows(self, scenario: Scenario, counts: dict[str, int]) -> bool:
        total = sum(counts.get(r.name, r.headcount) for r in scenario.roles)
        pay = sum(counts.get(r.name, r.headcount) * r.salary_per_month for r in scenario.roles)
        return ((self.headcount is None or total <= self.headcount)
                and (self.payroll_per_month is None or pay <= self.payroll_per_month + 1e-6))


def parse_budget(items: Sequence[str]) -> Budget:
    """``headcount=20`` and/or ``payroll=1500000`` (a month)."""
    headcount: int | None = None
    payroll: float | None = None
    for item in items:
        key, eq, text = item.partition("=")
        key = key.strip()
        try:
            value = float(text.strip().replace("_", "").replace(" ", ""))
        except ValueError:
            value = math.nan
        if not eq or key not in ("headcount", "payroll") or not math.isfinite(value) \
                or value < 0:
            raise ExperimentError(f"--budget {item!r}: expected headcount=N or payroll=AMOUNT "
                                  f"(a month), with a number ≥ 0")
        if key == "headcount":
            if value != int(value):
                raise ExperimentError(f"--budget {item!r}: a headcount is a whole number")
            headcount = int(value)
        else:
            payroll = value
    return Budget(headcount, payroll)


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


@dataclass
class Problem:
    """What to optimise: the scenario, the roles searched and their ranges, goal and limits."""

    base: Scenario
    roles: list[str]
    bounds: list[tuple[int, int]]
    objective: Objective = "profit"
    constraints: list[Constraint] = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)
    plan: float | None = None

    def counts(self, staffing: Staffing) -> dict[str, int]:
        return dict(zip(self.roles, staffing, strict=True))

    def allowed(self, staffing: Staffing) -> bool:
        return all(lo <= n <= hi for n, (lo, hi) in zip(staffing, self.bounds, strict=True)) \
            and self.budget.allows(self.base, self.counts(staffing))

    def salary(self, i: int) -> float:
        return self.base.role(self.roles[i]).salary_per_month

    def variant(self, staffing: Staffing) -> Variant:
        changes = tuple(Change(f"roles.{r}.headcount", n) for r, n in
                        zip(self.roles, staffing, strict=True))
        label = ", ".join(f"{r} {n}" for r, n in zip(self.roles, staffing, strict=True))
        return Variant(label, apply(self.base, changes), "optimize", changes)


def default_bounds(scenario: Scenario, roles: Sequence[str]) -> list[tuple[int, int]]:
    """1 to max(2 × now, now + 3) people per role."""
    out = []
    for name in roles:
        now = scenario.role(name).headcount
        out.append((1, max(2 * now, now + 3)))
    return out


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
