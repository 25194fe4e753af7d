"""Pure metrics: an event log (DataFrame) and its scenario → KPI tables and the bottleneck verdict.

Nothing here runs the model or reads files. Conventions (see ``docs/model.md``):

* Lead statistics count the leads that arrived in the measured window ``[warmup, horizon)``;
  stage and step statistics count the visits that entered the stage or step in the window.
* Time averages (WIP, queue length, utilisation) integrate over the window ``[warmup, horizon]``.
* ``conversion`` is converted ÷ decided (converted + lost): leads still in a step at the horizon
  have not been decided and do not count against it.
* Waiting and cycle times are over the visits that ended (a lead still queued at the horizon has
  no waiting time yet); ``in_progress`` counts the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from salesim.simulator.metrics.bottleneck import Bottleneck, bottleneck
from salesim.simulator.metrics.capacity import role_tables, stability
from salesim.simulator.metrics.clients import cash_table, clients_table, first_cash, invoices
from salesim.simulator.metrics.flow import (
    lead_table,
    loss_table,
    red_warnings,
    stage_table,
    stage_visits,
    step_table,
    step_visits,
)
from salesim.simulator.metrics.money import (
    activity_table,
    booked,
    in_window,
    payroll,
    pnl,
    recognised,
    weekly_ranking,
)
from salesim.simulator.metrics.sales import channel_table, monthly_revenue, overall
from salesim.simulator.metrics.stability import STABLE, Stability
from salesim.simulator.metrics.verdict import run_verdict
from salesim.simulator.plans.planfact import Attainment, plan_attainment
from salesim.simulator.scenario.schema import Scenario

# reports/ still imports step_visits and MIN_WAIT_WORK_HOURS from here
__all__ = ["RunMetrics", "measure"]


# -- everything for one run ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunMetrics:
    """All tables of one run."""

    overall: dict[str, Any]
    stages: pd.DataFrame
    steps: pd.DataFrame
    losses: pd.DataFrame
    roles: pd.DataFrame
    people: pd.DataFrame
    channels: pd.DataFrame
    monthly: pd.DataFrame
    bottleneck: Bottleneck
    verdict: str  # the bottleneck's, in words, with the stability warning
    pnl: pd.DataFrame
    payroll: pd.DataFrame
    cash: pd.DataFrame
    clients: pd.DataFrame
    activity: pd.DataFrame
    ranking: pd.DataFrame
    warnings: pd.DataFrame
    window: tuple[float, float] = field(default=(0.0, 0.0))
    attainment: Attainment | None = None  # against the scenario's plan, if it has one
    stability: Stability = STABLE

    def money(self) -> dict[str, float]:
        """Totals of the P&L over the run: revenue, costs, profit."""
        totals = {c: float(self.pnl[c].sum()) for c in self.pnl.columns if c != "month"}
        totals["payroll"] = totals["payroll_fixed"] + totals["payroll_variable"]
        return totals


def measure(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> RunMetrics:
    """Every table of one run, over the window ``[warmup_days, horizon_days]``."""
    window = (scenario.warmup_days, scenario.horizon_days)
    pay = payroll(events, staff, scenario)
    leads = lead_table(events)
    counted = leads[leads["t_arrive"] >= window[0]]
    sold = in_window(booked(events), scenario)
    revenue = in_window(recognised(events, scenario), scenario)
    invoiced = invoices(events)
    # a stage's (and step's) flow counts the visits that entered it in the window, leads and
    # repeat orders alike, so that Little's law holds on its figures with a warm-up too
    all_visits = step_visits(events, scenario)
    all_stage_rows = stage_visits(all_visits, scenario)
    visits = all_visits[all_visits["t_enter"] >= window[0]]
    stage_rows = all_stage_rows[all_stage_rows["t_enter"] >= window[0]]
    stages = stage_table(stage_rows, all_stage_rows, scenario, window)
    # time averages (utilisation, queues) cover every lead present in the window
    roles, people = role_tables(all_visits, staff, scenario, window)
    stable = stability(all_visits, staff, scenario, window)
    found = bottleneck(stages, roles, all_visits, scenario, window, staff)
    return RunMetrics(
        overall=overall(counted, sold, revenue, first_cash(invoiced, scenario)),
        stages=stages,
        steps=step_table(visits, scenario),
        losses=loss_table(visits),
        roles=roles,
        people=people,
        channels=channel_table(counted, revenue, scenario),
        monthly=monthly_revenue(sold, revenue, scenario),
        cash=cash_table(events, scenario),
        clients=clients_table(events, scenario),
        activity=activity_table(events),
        ranking=weekly_ranking(events, scenario),
        warnings=red_warnings(visits),
        bottleneck=found,
        verdict=run_verdict(found, stable, scenario),
        pnl=pnl(events, staff, scenario, pay),
        payroll=pay,
        window=window,
        attainment=plan_attainment(events, scenario) if scenario.plan is not None else None,
        stability=stable,
    )
