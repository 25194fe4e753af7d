"""What the staffing optimiser is asked: roles and ranges, the objective, constraints, budget.

Every option of ``salesim optimize`` is parsed here into a :class:`Problem`; a bad one raises
:class:`ExperimentError` with the option and the value at fault.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from salesim.simulator.experiments.records import PLAN_ATTAINMENT, has_plan, metric_names
from salesim.simulator.experiments.stats import estimate
from salesim.simulator.experiments.variants import Change, ExperimentError, Variant, apply
from salesim.simulator.experiments.whatif import working_roles
from salesim.simulator.scenario.schema import Scenario

__all__ = ["Budget", "Constraint", "Objective", "Problem", "Staffing", "check_replications",
           "constraint_metrics", "default_bounds", "min_replications", "parse_budget",
           "parse_constraint", "parse_objective", "parse_problem", "parse_range",
           "parse_roles"]

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


def parse_objective(text: str) -> Objective:
    """``--objective``: ``profit`` or ``cost``."""
    if text == "profit":
        return "profit"
    if text == "cost":
        return "cost"
    raise ExperimentError(f"--objective must be profit or cost, not {text!r}")


def parse_roles(base: Scenario, roles: str | None) -> list[str]:
    """``--roles a,b``: the roles staffed (default: every role that does a step)."""
    names = [r.name for r in base.roles]
    if roles is None:
        chosen = working_roles(base)
    else:
        chosen = [r.strip() for r in roles.split(",") if r.strip()]
        unknown = [r for r in chosen if r not in names]
        if unknown or not chosen:
            raise ExperimentError(f"--roles: unknown role '{unknown[0] if unknown else roles}'; "
                                  f"allowed: {', '.join(names)}")
    if not chosen:
        raise ExperimentError("no role does any step; nothing to staff")
    return chosen


def parse_range(item: str, roles: Sequence[str]) -> tuple[str, tuple[int, int]]:
    """``--range ROLE=LOW..HIGH``: a role staffed and its headcount range (both ends in)."""
    role, eq, text = item.partition("=")
    role = role.strip()
    lo_text, dots, hi_text = text.partition("..")
    if role not in roles:
        raise ExperimentError(f"--range {item!r}: '{role}' is not among the roles staffed "
                              f"({', '.join(roles)})")
    try:
        lo, hi = int(lo_text), int(hi_text)
    except ValueError:
        lo, hi = -1, -1
    if not eq or not dots or lo < 0:
        raise ExperimentError(f"--range {item!r}: expected ROLE=LOW..HIGH with whole "
                              f"numbers ≥ 0")
    if hi < lo:
        raise ExperimentError(f"--range {item!r}: empty range ({lo} is above {hi})")
    return role, (lo, hi)


def parse_problem(base: Scenario, objective: str, constraints: Sequence[str],
                  budgets: Sequence[str], roles: str | None, ranges: Sequence[str],
                  plan: float | None) -> Problem:
    """The problem ``salesim optimize`` is given, from its options.

    Raises:
        ExperimentError: an option that does not parse, names an unknown metric or role, or
            asks the impossible (the message names the option and its value).
    """
    goal = parse_objective(objective)
    metrics = constraint_metrics(base, plan)
    parsed = [parse_constraint(c, metrics) for c in constraints]
    if goal == "cost" and not parsed:
        raise ExperimentError("--objective cost needs at least one --constraint (else the "
                              "cheapest staffing is the smallest)")
    budget = parse_budget(budgets)
    chosen = parse_roles(base, roles)
    bounds = dict(zip(chosen, default_bounds(base, chosen), strict=True))
    bounds.update(parse_range(item, chosen) for item in ranges)
    return Problem(base, chosen, [bounds[r] for r in chosen], goal, parsed, budget, plan)
