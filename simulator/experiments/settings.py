"""The settings every experiment shares: seed, horizon, warm-up, plan, precision target.

They are parsed here from the command's options (a bad one raises :class:`ExperimentError`
naming the option), and put on every variant so that all run on the same footing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salesim.simulator.experiments.lab import (
    Lab,
    Replicated,
    detect_warmup,
    replicate_variants,
    warmup_report,
)
from salesim.simulator.experiments.records import PLAN_ATTAINMENT, has_plan, metric_names
from salesim.simulator.experiments.stats import Precision, parse_precision
from salesim.simulator.experiments.variants import ExperimentError, Variant, with_settings
from salesim.simulator.scenario.schema import Scenario

__all__ = ["Measured", "Settings", "check_plan", "normalise", "parse_precision_option",
           "parse_warmup", "run_measured"]

Warmup = float | str | None  # days, "auto", or the scenario's own


def parse_warmup(text: str | None) -> Warmup:
    """``--warmup``: a number of days ≥ 0, or ``auto`` (MSER-5 on the base's runs)."""
    if text is None:
        return None
    t = text.strip().lower()
    if t == "auto":
        return "auto"
    try:
        days = float(t)
    except ValueError:
        raise ExperimentError(f"--warmup must be a number of days or 'auto', not "
                              f"{text!r}") from None
    if not math.isfinite(days) or days < 0:
        raise ExperimentError(f"--warmup must be 0 or more days, not {text!r}")
    return days


def check_plan(plan: float | None) -> float | None:
    """``--plan``: a positive amount a month, or none."""
    if plan is not None and not (math.isfinite(plan) and plan > 0):
        raise ExperimentError(f"--plan must be a positive amount a month, got {plan:g}")
    return plan


def parse_precision_option(text: str | None, metric: str, scenario: Scenario,
                           plan: float | None) -> Precision | None:
    """``--precision`` for ``--metric`` (which must be a metric of the scenario)."""
    allowed = [*metric_names(scenario), *([PLAN_ATTAINMENT] if has_plan(scenario, plan) else [])]
    if metric not in allowed:
        hint = (" (the scenario has no plan: give --plan AMOUNT)" if metric == PLAN_ATTAINMENT
                else "")
        raise ExperimentError(f"--metric: unknown metric '{metric}'{hint}; allowed: "
                              f"{', '.join(allowed)}")
    if text is None:
        return None
    try:
        return parse_precision(text, metric)
    except ValueError as exc:
        raise ExperimentError(str(exc)) from None


@dataclass(frozen=True)
class Settings:
    """The options of an experiment command that every kind shares (as typed by the user)."""

    replications: int
    seed: int | None = None
    days: float | None = None
    warmup: str | None = None
    precision: str | None = None
    metric: str = "revenue_per_month"
    max_replications: int = 200
    plan: float | None = None


def fixed_warmup(warmup: Warmup) -> float | None:
    """The warm-up to put on the variants before running: a number of days, else none."""
    return warmup if isinstance(warmup, float) else None


def on_settings(scenario: Scenario, seed: int, days: float | None, warmup: Warmup,
                source: str) -> Scenario:
    """One scenario on the experiment's seed, horizon and warm-up."""
    return with_settings(scenario, seed=seed, days=days, warmup_days=fixed_warmup(warmup),
                         source=source)


def normalise(variants: Sequence[Variant], seed: int, days: float | None,
              warmup_days: float | None) -> list[Variant]:
    """Every variant on the experiment's seed (and --days / --warmup); same horizon required."""
    out = [Variant(v.name, with_settings(v.scenario, seed=seed, days=days,
                                         warmup_days=warmup_days, source=v.source),
                   v.source, v.settings, v.description) for v in variants]
    base = out[0].scenario
    for v in out[1:]:
        s = v.scenario
        if s.horizon_days != base.horizon_days:
            raise ExperimentError(f"{v.source}: horizon_days {s.horizon_days:g} differs from the "
                                  f"base's {base.horizon_days:g}; variants are compared over the "
                                  f"same horizon (or pass --days)")
        if s.warmup_days != base.warmup_days:
            raise ExperimentError(f"{v.source}: warmup_days {s.warmup_days:g} differs from the "
                                  f"base's {base.warmup_days:g} (or pass --warmup DAYS)")
        if s.currency != base.currency:
            raise ExperimentError(f"{v.source}: currency {s.currency} differs from the base's "
                                  f"{base.currency}")
    return out


@dataclass(frozen=True)
class Measured:
    """Variants replicated after the warm-up was settled, and the warm-up report."""

    variants: list[Variant]
    result: Replicated
    warmup: dict[str, Any]


def run_measured(lab: Lab, variants: list[Variant], warmup: Warmup, replications: int,
                 precision: Precision | None, max_replications: int, plan: float | None
                 ) -> Measured:
    """Settle the warm-up (MSER-5 on the base's runs for 'auto'), then replicate."""
    if warmup == "auto":
        pilot = lab.records(variants[:1], replications)
        detected = detect_warmup(pilot[0])
        try:
            variants = normalise(variants, lab.seed, None, float(detected.days))
        except ExperimentError as exc:
            raise ExperimentError(f"--warmup auto: {exc}") from None
    result = replicate_variants(lab, variants, replications, precision, max_replications, plan)
    detected = detect_warmup(result.records[0])
    base = variants[0].scenario
    return Measured(variants, result, warmup_report(detected, base.warmup_days,
                                                    base.horizon_days))
