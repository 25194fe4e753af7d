"""Experiments on the engine: compare variants, sweep a grid, value levers, optimise staffing.

Every experiment runs each variant for the same replications r = 0..R-1 of one seed, so variants
share arrivals, deal sizes and per-step dice (common random numbers) and are compared pair by
pair. Runs execute through any ``concurrent.futures.Executor`` (local processes or a Dask
cluster, :mod:`experiments.executors`); each is reduced where it ran to a small record
(:mod:`experiments.records`). See ``docs/experiments.md``.
"""

from salesim.simulator.experiments.checkpoints import RunStore
from salesim.simulator.experiments.compare import compare_document
from salesim.simulator.experiments.executors import Backend, InlineExecutor, open_backend
from salesim.simulator.experiments.grid import grid, parse_vary
from salesim.simulator.experiments.lab import Interrupted, Lab, detect_warmup, replicate_variants
from salesim.simulator.experiments.optimize import Optimizer
from salesim.simulator.experiments.problem import Problem, parse_budget, parse_constraint
from salesim.simulator.experiments.records import profit_breakdown, run_record
from salesim.simulator.experiments.stats import (
    estimate,
    mser5,
    paired_difference,
    parse_precision,
    unpaired_difference,
)
from salesim.simulator.experiments.sweep import sweep_document
from salesim.simulator.experiments.variants import (
    Change,
    ExperimentError,
    Variant,
    apply,
    load_variants,
)
from salesim.simulator.experiments.verdict import Confirmation, confirm_bottleneck, screen_of
from salesim.simulator.experiments.whatif import levers, whatif_document

__all__ = [
    "Backend",
    "Change",
    "Confirmation",
    "ExperimentError",
    "InlineExecutor",
    "Interrupted",
    "Lab",
    "Optimizer",
    "Problem",
    "RunStore",
    "Variant",
    "apply",
    "compare_document",
    "confirm_bottleneck",
    "detect_warmup",
    "estimate",
    "grid",
    "levers",
    "load_variants",
    "mser5",
    "open_backend",
    "paired_difference",
    "parse_budget",
    "parse_constraint",
    "parse_precision",
    "parse_vary",
    "profit_breakdown",
    "replicate_variants",
    "run_record",
    "screen_of",
    "sweep_document",
    "unpaired_difference",
    "whatif_document",
]
