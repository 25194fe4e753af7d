"""What one run contributes to an experiment: a small flat record, computed where the run ran.

A worker (a local process or a Dask worker) simulates, measures and reduces the run to
:func:`run_record`'s few dozen numbers, so that an event log of 100,000 rows never crosses a
process or network boundary. Everything here is pure apart from the simulation itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.metrics.measure import RunMetrics
from salesim.simulator.plans.planfact import plan_attainment
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.schema import SalesPlan, Scenario
from salesim.simulator.units import MONTH_DAYS

Record = dict[str, Any]

# the figures every record has (besides utilization.<role>, queue_mean.<role>, the bottleneck
# and the daily series), in the order of the tidy tables
BASE_METRICS = (
    "revenue_per_month", "profit_per_month", "won_per_month", "gross_margin_per_month",
    "lead_cost_per_month", "payroll_per_month", "revenue", "profit", "gross_margin",
    "cost_of_goods", "lead_cost", "payroll", "penalties", "generated", "won", "lost",
    "in_progress", "lead_to_deal", "average_deal", "cycle_days", "unstable", "overload",
)
TEXT_FIELDS = ("bottleneck_stage", "bottleneck_role", "bottleneck_kind", "bottleneck_verdict",
               "unstable_queues")
UNSTABLE = "unstable"  # 1.0 when some queue of the run grows without bound, else 0.0
SERIES_FIELD = "won_per_day"
RANKING_FIELD = "screen_ranking"
PLAN_ATTAINMENT = "plan_attainment"
PLAN_FIELD = "plan"  # the scenario's own plan over the window (when it has one)
PLAN_ACTUAL = "plan_actual"  # the sales that plan covers, credited to the window
PLAN_MONTHS = "plan_months"  # the window in months of plan, for a flat --plan a month
UNIT_PLAN = 1_000_000.0  # the flat plan measured against when the scenario has none


@dataclass(frozen=True)
class ProfitBreakdown:
    """Money over the measured window (``warmup_days`` to ``horizon_days``)."""

    revenue: float
    cost_of_goods: float
    lead_cost: float
    payroll: float
    penalties: float

    @property
    def gross_margin(self) -> float:
        return self.revenue - self.cost_of_goods

    @property
    def profit(self) -> float:
        return self.gross_margin - self.lead_cost - self.payroll - self.penalties


def profit_breakdown(scenario: Scenario, metrics: RunMetrics) -> ProfitBreakdown:
    """The money of a run: its monthly P&L (``metrics.money``, ``pnl.csv``) summed.

    This is the one place that defines profit for ``compare``, ``sweep``, ``whatif`` and
    ``optimize``: revenue invoiced (first deals and repeat orders) − cost of goods − lead costs
    − fixed and variable payroll − late-delivery penalties, over the measured window (the
    engine books money when it happens after the warm-up). The totals are ``summary.json``'s.
    """
    pnl = metrics.pnl

    def total(column: str) -> float:
        return float(pnl[column].sum()) if len(pnl) else 0.0

    return ProfitBreakdown(
        revenue=total("revenue"), cost_of_goods=total("cost_of_goods"),
        lead_cost=total("lead_costs"),
        payroll=total("payroll_fixed") + total("payroll_variable"),
        penalties=total("penalties"))


def window_days(scenario: Scenario) -> float:
    """Length of the measured window in days."""
    return scenario.horizon_days - scenario.warmup_days


def run_record(scenario: Scenario, seed: int, replication: int) -> Record:
    """Simulate replication ``replication`` of ``seed`` and reduce it to its record.

    The function a worker runs: its result is a few kilobytes whatever the size of the run.
    """
    result = simulate(scenario, seed, replication)
    return reduce_run(result.scenario, result.metrics(), result.events)


def reduce_run(scenario: Scenario, metrics: RunMetrics, events: pd.DataFrame) -> Record:
    """The record of a measured run (pure): headline figures, per-role load, the bottleneck.

    Keys: :data:`BASE_METRICS`, ``utilization.<role>`` and ``queue_mean.<role>`` for every role,
    :data:`TEXT_FIELDS`, ``unstable`` (1.0 when a queue grows without bound,
    ``metrics.stability``), ``overload`` (the unstable queues' share of work they cannot
    serve, summed; 0 when stable) and ``unstable_queues`` (``stage (role)``, ``; ``-separated),
    ``won_per_day`` (deals won on each day of the horizon, by the day of
    the win, over the whole run: the series warm-up detection reads) and, when the scenario
    has a plan, ``plan`` (its revenue plan over the window).
    """
    overall = metrics.overall
    money = profit_breakdown(scenario, metrics)
    months = window_days(scenario) / MONTH_DAYS
    record: Record = {
        "revenue_per_month": money.revenue / months,
        "profit_per_month": money.profit / months,
        "won_per_month": float(overall["won"]) / months,
        "gross_margin_per_month": money.gross_margin / months,
        "lead_cost_per_month": money.lead_cost / months,
        "payroll_per_month": money.payroll / months,
        "revenue": money.revenue,
        "profit": money.profit,
        "gross_margin": money.gross_margin,
        "cost_of_goods": money.cost_of_goods,
        "lead_cost": money.lead_cost,
        "payroll": money.payroll,
        "penalties": money.penalties,
        "generated": float(overall["generated"]),
        "won": float(overall["won"]),
        "lost": float(overall["lost"]),
        "in_progress": float(overall["in_progress"]),
        "lead_to_deal": _float(overall["lead_to_deal"]),
        "average_deal": _float(overall["average_deal"]),
        "cycle_days": _float(overall["lead_to_cash_days_median"]),
    }
    for row in metrics.roles.itertuples(index=False):
        record[f"utilization.{row.role}"] = _float(row.utilization)
        record[f"queue_mean.{row.role}"] = _float(row.queue_mean)
    b = metrics.bottleneck
    record["bottleneck_stage"] = "" if b.stage is None else b.stage
    record["bottleneck_role"] = "" if b.role is None else b.role
    record["bottleneck_kind"] = b.kind
    record["bottleneck_verdict"] = metrics.verdict
    stability = metrics.stability
    record[UNSTABLE] = 0.0 if stability.stable else 1.0
    record["overload"] = stability.overload
    record["unstable_queues"] = "; ".join(f"{q.stage} ({q.role})" for q in stability.unstable)
    # what the bottleneck confirmation (experiments.verdict) reads: every staffed stage in the
    # queue screen's order, and the biggest leak
    record[RANKING_FIELD] = [row.as_dict() for row in b.ranking]
    leak = b.leak.as_dict() if b.leak else {}
    record["leak_stage"] = str(leak.get("stage") or "")
    record["leak_role"] = str(leak.get("role") or "")
    record["leak_conversion"] = _float(leak.get("conversion"))
    record[SERIES_FIELD] = daily_wins(events, scenario.horizon_days)
    att = metrics.attainment
    if att is None:  # against a flat plan, for --plan: covers new business
        att = plan_attainment(events, scenario, SalesPlan.model_construct(
            monthly_revenue=UNIT_PLAN, by_month=None, role="", policy="none",
            covers="new_business"))
    else:
        record[PLAN_FIELD] = float(att.plan)
    record[PLAN_ACTUAL] = float(att.actual)
    record[PLAN_MONTHS] = att.month_equivalents
    return record


def record_problem(record: Any) -> str | None:
    """Why ``record`` is not a whole record as :func:`reduce_run` makes them, or None (pure).

    What a checkpoint read back must pass before it stands in for a run.
    """
    if not isinstance(record, dict):
        return f"the record is {type(record).__name__}, not an object"
    for key in (*BASE_METRICS, PLAN_ACTUAL, PLAN_MONTHS):
        if not _is_number(record.get(key)):
            return f"record field {key!r} is missing or not a number"
    for key in TEXT_FIELDS:
        if not isinstance(record.get(key), str):
            return f"record field {key!r} is missing or not text"
    series = record.get(SERIES_FIELD)
    if not isinstance(series, list) or not all(_is_number(x) for x in series):
        return f"record field {SERIES_FIELD!r} is missing or not a list of numbers"
    ranking = record.get(RANKING_FIELD)
    if not isinstance(ranking, list) or not all(isinstance(x, dict) for x in ranking):
        return f"record field {RANKING_FIELD!r} is missing or not a list of objects"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def unstable_queues(record: Record) -> list[tuple[str, str]]:
    """The (stage, role) pairs whose queues grew without bound in this run (none if stable)."""
    text = str(record.get("unstable_queues", "") or "")
    out = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        stage, _, role = item.rpartition(" (")
        out.append((stage, role.rstrip(")")))
    return out


def daily_wins(events: pd.DataFrame, horizon_days: float) -> list[float]:
    """Deals won on each day 0, 1, … of the horizon (a partial last day counts as a day)."""
    days = max(1, math.ceil(horizon_days))
    times = events.loc[events["event"] == "win", "time"].to_numpy(dtype=np.float64)
    counts = np.bincount(np.clip(times.astype(np.int64), 0, days - 1), minlength=days)
    return [float(c) for c in counts]


def has_plan(scenario: Scenario, plan_per_month: float | None) -> bool:
    """Whether records of this scenario get ``plan_attainment`` (``--plan`` or its own plan)."""
    return plan_per_month is not None or scenario.plan is not None


def metric_names(scenario: Scenario) -> list[str]:
    """Every numeric field of a record of this scenario, in table order."""
    return [*BASE_METRICS, *(f"utilization.{r.name}" for r in scenario.roles),
            *(f"queue_mean.{r.name}" for r in scenario.roles)]


def with_plan(record: Record, plan_per_month: float | None) -> Record:
    """The record with ``plan_attainment``: revenue ÷ the plan over the same window.

    One definition (:func:`plans.planfact.plan_attainment`): the sales the plan covers,
    credited to the window's plan months, ÷ the plan over the window. The plan is
    ``plan_per_month`` (``--plan``, flat, pro rata to the window's working days) when given,
    else the scenario's own ``plan``; without either, the record is returned as is.
    """
    if plan_per_month is not None:
        plan = plan_per_month * float(record[PLAN_MONTHS])
        return {**record, PLAN_ATTAINMENT: _ratio(record[PLAN_ACTUAL], plan)}
    own = record.get(PLAN_FIELD)
    if own:
        return {**record, PLAN_ATTAINMENT: _ratio(record[PLAN_ACTUAL], float(own))}
    return record


def _ratio(actual: float, plan: float) -> float:
    return float(actual) / plan if plan > 0 else math.nan


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
