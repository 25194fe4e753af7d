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

from functools import cached_property
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
from salesim.simulator.metrics.stability import Stability
from salesim.simulator.metrics.verdict import run_verdict
from salesim.simulator.plans.planfact import Attainment, plan_attainment
from salesim.simulator.scenario.schema import Scenario

# reports/ still imports step_visits and MIN_WAIT_WORK_HOURS from here
__all__ = ["RunMetrics", "measure"]


# -- everything for one run ---------------------------------------------------------------------


class RunMetrics:
    """All tables of one run, each computed when it is first read and then kept.

    A caller that reads a few headline figures (an experiment's record) pays only for the tables
    those figures need; :meth:`complete` computes every table (before a run is sent to another
    process, or to time the whole).
    """

    TABLES = ("overall", "stages", "steps", "losses", "roles", "people", "channels", "monthly",
              "bottleneck", "verdict", "pnl", "payroll", "cash", "clients", "activity", "ranking",
              "warnings", "attainment", "stability")

    def __init__(self, events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> None:
        self.events = events
        self.staff = staff
        self.scenario = scenario
        self.window = (scenario.warmup_days, scenario.horizon_days)

    def complete(self) -> RunMetrics:
        """Compute every table now (and return self)."""
        for name in self.TABLES:
            getattr(self, name)
        return self

    def money(self) -> dict[str, float]:
        """Totals of the P&L over the run: revenue, costs, profit."""
        totals = {c: float(self.pnl[c].sum()) for c in self.pnl.columns if c != "month"}
        totals["payroll"] = totals["payroll_fixed"] + totals["payroll_variable"]
        return totals

    # -- what several tables share -------------------------------------------------------------

    @cached_property
    def _all_visits(self) -> pd.DataFrame:
        """Every step visit, warm-up included: time averages (utilisation, queues) cover every
        lead present in the window."""
        return step_visits(self.events, self.scenario)

    @cached_property
    def _visits(self) -> pd.DataFrame:
        """The step visits that entered in the window (a step's flow counts these, leads and
        repeat orders alike, so that Little's law holds on its figures with a warm-up too)."""
        visits = self._all_visits
        return visits[visits["t_enter"] >= self.window[0]]

    @cached_property
    def _all_stage_rows(self) -> pd.DataFrame:
        return stage_visits(self._all_visits, self.scenario)

    @cached_property
    def _counted_leads(self) -> pd.DataFrame:
        leads = lead_table(self.events)
        return leads[leads["t_arrive"] >= self.window[0]]

    @cached_property
    def _sold(self) -> pd.DataFrame:
        return in_window(booked(self.events), self.scenario)

    @cached_property
    def _revenue(self) -> pd.DataFrame:
        return in_window(recognised(self.events, self.scenario), self.scenario)

    @cached_property
    def _role_and_people(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return role_tables(self._all_visits, self.staff, self.scenario, self.window)

    # -- the tables ----------------------------------------------------------------------------

    @cached_property
    def overall(self) -> dict[str, Any]:
        return overall(self._counted_leads, self._sold, self._revenue,
                       first_cash(invoices(self.events), self.scenario))

    @cached_property
    def stages(self) -> pd.DataFrame:
        rows = self._all_stage_rows
        return stage_table(rows[rows["t_enter"] >= self.window[0]], rows, self.scenario,
                           self.window)

    @cached_property
    def steps(self) -> pd.DataFrame:
        return step_table(self._visits, self.scenario)

    @cached_property
    def losses(self) -> pd.DataFrame:
        return loss_table(self._visits)

    @cached_property
    def roles(self) -> pd.DataFrame:
        return self._role_and_people[0]

    @cached_property
    def people(self) -> pd.DataFrame:
        return self._role_and_people[1]

    @cached_property
    def channels(self) -> pd.DataFrame:
        return channel_table(self._counted_leads, self._revenue, self.scenario)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        return monthly_revenue(self._sold, self._revenue, self.scenario)

    @cached_property
    def bottleneck(self) -> Bottleneck:
        return bottleneck(self.stages, self.roles, self._all_visits, self.scenario, self.window,
                          self.staff)

    @cached_property
    def verdict(self) -> str:
        """The bottleneck's verdict, in words, with the stability warning."""
        return run_verdict(self.bottleneck, self.stability, self.scenario)

    @cached_property
    def pnl(self) -> pd.DataFrame:
        return pnl(self.events, self.staff, self.scenario, self.payroll)

    @cached_property
    def payroll(self) -> pd.DataFrame:
        return payroll(self.events, self.staff, self.scenario)

    @cached_property
    def cash(self) -> pd.DataFrame:
        return cash_table(self.events, self.scenario)

    @cached_property
    def clients(self) -> pd.DataFrame:
        return clients_table(self.events, self.scenario)

    @cached_property
    def activity(self) -> pd.DataFrame:
        return activity_table(self.events)

    @cached_property
    def ranking(self) -> pd.DataFrame:
        return weekly_ranking(self.events, self.scenario)

    @cached_property
    def warnings(self) -> pd.DataFrame:
        return red_warnings(self._visits)

    @cached_property
    def attainment(self) -> Attainment | None:
        """Against the scenario's plan, if it has one."""
        if self.scenario.plan is None:
            return None
        return plan_attainment(self.events, self.scenario)

    @cached_property
    def stability(self) -> Stability:
        return stability(self._all_visits, self.staff, self.scenario, self.window)


def measure(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> RunMetrics:
    """Every table of one run, over the window ``[warmup_days, horizon_days]`` (each computed
    when first read)."""
    return RunMetrics(events, staff, scenario)
