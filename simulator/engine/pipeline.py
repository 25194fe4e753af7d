"""Leads through the pipeline: they arrive, get owners, pass from stage to stage (handed from role
to role in a conveyor) and are won or lost."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from salesim.simulator.engine.aftersale import AfterSale
from salesim.simulator.engine.cases import Case, Route, StepPlan
from salesim.simulator.engine.draws import FloatArray, Handoffs, Leads
from salesim.simulator.engine.events import EventLog
from salesim.simulator.engine.incentives import Incentives
from salesim.simulator.engine.staffing import Staff, release
from salesim.simulator.engine.work import StepWork
from salesim.simulator.scenario.reasons import HANDOFF
from salesim.simulator.scenario.schema import Scenario


class Pipeline:
    """The lead processes of a run."""

    def __init__(self, env: simpy.Environment, log: EventLog, scenario: Scenario, leads: Leads,
                 route: Route, work: StepWork, incentives: Incentives, after_sale: AfterSale,
                 payment_days: FloatArray, handoffs: Handoffs | None) -> None:
        self.env, self.log, self.scenario, self.leads = env, log, scenario, leads
        self.route, self.work = route, work
        self.incentives, self.after_sale = incentives, after_sale
        self._payment_days = payment_days
        self._handoffs = handoffs
        self._priority = {seg: rank for rank, seg in enumerate(scenario.segments)}
        # in a full-cycle department the lead keeps its manager from stage to stage
        self._persistent = scenario.org.structure == "full_cycle"

    def arrivals(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for lead_id, t in enumerate(self.leads.time.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self._lead(lead_id))

    def _lead(self, lead_id: int) -> Generator[simpy.Event, Any, None]:
        leads, route = self.leads, self.route
        channel, segment = leads.channel[lead_id], leads.segment[lead_id]
        amount = float(leads.amount[lead_id])
        self.log.record(self.env.now, lead_id, channel, segment, "", "", "arrive", amount=amount)
        kept: dict[str, Staff | None] = {}
        lead = Case(lead_id, channel, segment, amount, 0, "", kept)
        previous_role: str | None = None
        try:
            for si, plans in enumerate(route.steps(segment, channel)):
                if not plans:
                    if si == route.ship_stage:  # nothing of ours to do: shipped at once
                        self.work.ship(lead_id, channel, segment, amount)
                    continue
                first_role = next((p.role for p in plans if p.role is not None), None)
                if self._handoffs is not None and previous_role is not None \
                        and first_role is not None and first_role != previous_role:
                    handed = yield from self._hand_off(lead, si, plans[0])
                    if not handed:
                        return
                previous_role = next((p.role for p in reversed(plans) if p.role is not None),
                                     previous_role)
                done = yield from self._stage(lead, si, plans, kept)
                if not done:
                    return
                if si == route.ship_stage:
                    self.work.ship(lead_id, channel, segment, amount)
        finally:
            release(kept)

    def _stage(self, lead: Case, si: int, plans: list[StepPlan],
               kept: dict[str, Staff | None]) -> Generator[simpy.Event, Any, bool]:
        """The lead goes through the steps of one stage; False when it is lost there."""
        stage = self.route.stages[si]
        lead.priority = self._priority[lead.segment] if stage.queue == "priority" else 0
        lead.owner_rule = stage.owner_rule
        lead.owners = kept if self._persistent else {}
        lead.last_worker = None
        if stage.assignment == "owned":
            for role in dict.fromkeys(p.role for p in plans if p.role is not None):
                if role not in lead.owners:
                    owner = self.incentives.owner_for(role, lead.segment, stage.owner_rule)
                    if owner is not None:
                        owner.owned_leads += 1
                    lead.owners[role] = owner
        try:
            for plan in plans:
                outcome = yield from self.work.step(lead, plan)
                if outcome == "lose":
                    return False
                if plan.wins:
                    self._win(lead, plan)
        finally:
            if not self._persistent:
                release(lead.owners)
        return True

    def _win(self, lead: Case, plan: StepPlan) -> None:
        self.log.record(self.env.now, lead.id, lead.channel, lead.segment, plan.stage,
                        plan.name, "win", amount=lead.amount)
        self.incentives.credit(lead.last_by_role, lead.amount)
        self.after_sale.invoice(lead.id, lead.channel, lead.segment, lead.amount,
                                self._payment_days[lead.id])
        if self.scenario.clients is not None:
            lead.client = self.after_sale.become_client(lead)

    def _hand_off(self, lead: Case, si: int, first: StepPlan
                  ) -> Generator[simpy.Event, Any, bool]:
        """A conveyor passes the lead to the next role: time passes, and before the win the
        lead can be dropped on the way (loss reason ``handoff``)."""
        assert self._handoffs is not None
        delays, drops, loss = self._handoffs
        delay = float(delays[si][lead.id])
        if delay > 0:
            yield self.env.timeout(delay)
        if si <= self.route.win_stage and float(drops[si][lead.id]) < loss:
            self.log.record(self.env.now, lead.id, lead.channel, lead.segment, first.stage,
                            first.name, "lose", amount=lead.amount, reason=HANDOFF)
            return False
        return True
