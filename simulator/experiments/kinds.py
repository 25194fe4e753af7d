"""The four kinds of experiment, each prepared from its command's options and run by a session.

``prepare_*`` check the options in the order the user reads them and build the variants
(raising :class:`ExperimentError` or :class:`ScenarioError` with one line naming the input);
``run`` replicates them on the session's Lab and returns what the folder holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from salesim.simulator.experiments.compare import (
    compare_document,
    metric_catalogue,
    runs_table,
    summary_table,
)
from salesim.simulator.experiments.grid import Axis, grid, parse_vary
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.optimize import Optimizer, optimize_document
from salesim.simulator.experiments.optimize import candidates_rows as optimize_candidates
from salesim.simulator.experiments.problem import Problem, check_replications, parse_problem
from salesim.simulator.experiments.settings import (
    Measured,
    Settings,
    Warmup,
    check_plan,
    fixed_warmup,
    normalise,
    on_settings,
    parse_precision_option,
    parse_warmup,
    run_measured,
)
from salesim.simulator.experiments.stats import Precision
from salesim.simulator.experiments.sweep import (
    sweep_document,
    sweep_runs_table,
    sweep_summary_table,
)
from salesim.simulator.experiments.variants import (
    ExperimentError,
    Variant,
    load_variants,
    scenario_key,
)
from salesim.simulator.experiments.whatif import (
    Lever,
    levers,
    tornado_table,
    whatif_document,
    working_roles,
)
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.experiment_folder import ExperimentOutput
from salesim.simulator.store.names import variant_file

__all__ = [
    "Compare",
    "Optimize",
    "Replication",
    "StaffingOptions",
    "Sweep",
    "WhatIf",
    "prepare_compare",
    "prepare_optimize",
    "prepare_sweep",
    "prepare_whatif",
]


@dataclass(frozen=True)
class Replication:
    """What compare, sweep and whatif share: the variants, the settings, a precision target."""

    variants: list[Variant]
    settings: Settings
    seed: int
    warmup: Warmup
    precision: Precision | None

    @property
    def identity(self) -> dict[str, Any]:
        return {"variants": [v.key for v in self.variants], "warmup": self.settings.warmup}

    def measure(self, lab: Lab, plan: float | None) -> Measured:
        s = self.settings
        return run_measured(lab, self.variants, self.warmup, s.replications, self.precision,
                            s.max_replications, plan)


class _OnReplication:
    """The session's view of compare, sweep and whatif: seed and identity of their runs."""

    runs: Replication

    @property
    def seed(self) -> int:
        return self.runs.seed

    @property
    def identity(self) -> dict[str, Any]:
        return self.runs.identity


def _seed(scenario: Scenario, settings: Settings) -> int:
    return scenario.seed if settings.seed is None else settings.seed


def _metric_keys(variants: Sequence[Variant], plan: float | None) -> list[str]:
    return [c["key"] for c in metric_catalogue(variants, plan)]


def _base(path: Path, settings: Settings, warmup: Warmup) -> Scenario:
    """The scenario at ``path`` on the experiment's seed, horizon and warm-up."""
    base = load_scenario(path)
    return on_settings(base, _seed(base, settings), settings.days, warmup, str(path))


# -- compare -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare(_OnReplication):
    """Variants on common random numbers: paired differences with 95% CIs and a verdict."""

    runs: Replication

    kind: Literal["compare"] = "compare"

    @property
    def base(self) -> Scenario:
        return self.runs.variants[0].scenario

    @property
    def description(self) -> str:
        return f"Comparing {len(self.runs.variants)} variants"

    def run(self, lab: Lab) -> ExperimentOutput:
        plan = self.runs.settings.plan
        m = self.runs.measure(lab, plan)
        doc = compare_document(m.variants, m.result.records, seed=self.seed,
                               replications=m.result.replications, plan=plan,
                               precision=m.result.precision, warmup=m.warmup)
        runs = runs_table([v.name for v in m.variants], m.result.records,
                          _metric_keys(m.variants, plan), plan=plan)
        return ExperimentOutput(self.kind, doc,
                                {"runs.csv": runs, "summary.csv": summary_table(doc)},
                                {variant_file(v.name): v.scenario for v in m.variants})


def prepare_compare(files: Sequence[Path], settings: Settings) -> Compare:
    """Scenario files (the first is the base) or a variant-set file."""
    plan = check_plan(settings.plan)
    warmup = parse_warmup(settings.warmup)
    variants = load_variants(files)
    if len(variants) < 2:
        raise ExperimentError("compare needs at least two variants: two scenario files, or a "
                              "variant-set file with at least one variant")
    seed = _seed(variants[0].scenario, settings)
    variants = normalise(variants, seed, settings.days, fixed_warmup(warmup))
    precision = parse_precision_option(settings.precision, settings.metric,
                                       variants[0].scenario, plan)
    return Compare(Replication(variants, settings, seed, warmup, precision))


# -- sweep ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep(_OnReplication):
    """A grid of variants: one tidy row per variant × replication, and means with CIs."""

    base: Scenario
    axes: list[Axis]
    runs: Replication

    kind: Literal["sweep"] = "sweep"

    @property
    def description(self) -> str:
        return f"Sweeping {len(self.runs.variants)} variants"

    def run(self, lab: Lab) -> ExperimentOutput:
        plan = self.runs.settings.plan
        m = self.runs.measure(lab, plan)
        doc = sweep_document(self.base.name, self.axes, m.variants, m.result.records,
                             seed=self.seed, replications=m.result.replications, plan=plan,
                             precision=m.result.precision, warmup=m.warmup)
        runs = sweep_runs_table(self.axes, m.variants, m.result.records,
                                _metric_keys(m.variants, plan), plan)
        return ExperimentOutput(self.kind, doc,
                                {"runs.csv": runs, "summary.csv": sweep_summary_table(doc)},
                                {"scenario.yaml": self.base})


def prepare_sweep(path: Path, vary: Sequence[str], settings: Settings) -> Sweep:
    """The scenario at ``path`` varied along every ``--vary PATH=VALUES``."""
    plan = check_plan(settings.plan)
    warmup = parse_warmup(settings.warmup)
    base = load_scenario(path)
    axes = [parse_vary(v) for v in vary]
    seed = _seed(base, settings)
    base = on_settings(base, seed, settings.days, warmup, str(path))
    variants = grid(base, axes)
    precision = parse_precision_option(settings.precision, settings.metric, base, plan)
    return Sweep(base, axes, Replication(variants, settings, seed, warmup, precision))


# -- whatif --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIf(_OnReplication):
    """+1 person and a faster process in every role, ranked by profit per rouble."""

    levers: list[Lever]
    faster: float
    runs: Replication

    kind: Literal["whatif"] = "whatif"

    @property
    def base(self) -> Scenario:
        return self.runs.variants[0].scenario

    @property
    def description(self) -> str:
        return f"Valuing {len(self.levers)} levers"

    def run(self, lab: Lab) -> ExperimentOutput:
        m = self.runs.measure(lab, None)
        found = self.levers
        if self.runs.warmup == "auto":  # the levers were re-derived with the warm-up
            found = [Lever(lv.role, lv.kind, v, lv.added_cost_per_month)
                     for lv, v in zip(found, m.variants[1:], strict=True)]
        doc = whatif_document(m.variants[0], found, m.result.records, seed=self.seed,
                              replications=m.result.replications, faster=self.faster,
                              precision=m.result.precision, warmup=m.warmup)
        runs = runs_table([v.name for v in m.variants], m.result.records,
                          _metric_keys(m.variants, None))
        return ExperimentOutput(self.kind, doc,
                                {"tornado.csv": tornado_table(doc), "runs.csv": runs},
                                {"scenario.yaml": m.variants[0].scenario})


def prepare_whatif(path: Path, faster: float, settings: Settings) -> WhatIf:
    """Every working role of the scenario at ``path``: one more person, and less work."""
    warmup = parse_warmup(settings.warmup)
    base = _base(path, settings, warmup)
    if not working_roles(base):
        raise ExperimentError(f"{path}: no role does any step; nothing to value")
    found = levers(base, faster)
    precision = parse_precision_option(settings.precision, settings.metric, base, None)
    variants = [Variant(base.name, base, str(path)), *(lv.variant for lv in found)]
    return WhatIf(found, faster, Replication(variants, settings, base.seed, warmup, precision))


# -- optimize ------------------------------------------------------------------------------------

EXHAUSTIVE = "exhaustive"
SEARCH = ("marginal analysis (greedy, pairs when no single hire pays) then local search "
          "(±1, then two roles at once), common random numbers")


@dataclass(frozen=True)
class Optimize:
    """The staffing with the best expected profit, or the cheapest meeting the constraints."""

    problem: Problem
    replications: int
    exhaustive: bool
    warnings: list[str]

    kind: Literal["optimize"] = "optimize"
    description: str = "Optimising staffing"

    @property
    def base(self) -> Scenario:
        return self.problem.base

    @property
    def seed(self) -> int:
        return self.problem.base.seed

    @property
    def identity(self) -> dict[str, Any]:
        return {"base": scenario_key(self.base), "roles": self.problem.roles}

    def run(self, lab: Lab) -> ExperimentOutput:
        opt = Optimizer(self.problem, lab, self.replications)
        best = opt.exhaustive() if self.exhaustive else opt.search()
        current = opt.evaluate([tuple(self.base.role(r).headcount
                                      for r in self.problem.roles)])[0]
        if not best.feasible:
            lab.store.discard()
            shares = "; ".join([f"{c.text} met in {s[1]:.0%}" for c, s in
                                zip(self.problem.constraints, best.statuses, strict=True)]
                               + ([] if best.stable else
                                  [f"unstable in {best.unstable_share:.0%} of replications "
                                   f"({best.rejected([])})"]))
            raise ExperimentError(
                f"no staffing within the ranges and budget meets the constraints with every "
                f"queue stable (closest: {best.variant.name}: {shares}); widen --range or "
                f"--budget, or relax them")
        doc = optimize_document(opt, best, current, seed=self.seed,
                                method=EXHAUSTIVE if self.exhaustive else SEARCH)
        return ExperimentOutput(self.kind, doc,
                                {"candidates.csv": pd.DataFrame(optimize_candidates(opt))},
                                {"best.yaml": best.variant.scenario})


@dataclass(frozen=True)
class StaffingOptions:
    """What ``salesim optimize`` is asked, as typed."""

    objective: str = "profit"
    constraints: Sequence[str] = ()
    budgets: Sequence[str] = ()
    roles: str | None = None
    ranges: Sequence[str] = ()
    exhaustive: bool = False


def prepare_optimize(path: Path, staffing: StaffingOptions, settings: Settings) -> Optimize:
    """The staffing problem of the scenario at ``path``; warnings on rough chance constraints."""
    plan = check_plan(settings.plan)
    warmup = parse_warmup(settings.warmup)
    if warmup == "auto":
        raise ExperimentError("--warmup auto is not available for optimize; detect it with "
                              "compare or sweep and pass --warmup DAYS")
    base = _base(path, settings, warmup)
    problem = parse_problem(base, staffing.objective, staffing.constraints, staffing.budgets,
                            staffing.roles, staffing.ranges, plan)
    warnings = check_replications(problem.constraints, settings.replications)
    return Optimize(problem, settings.replications, staffing.exhaustive, warnings)
