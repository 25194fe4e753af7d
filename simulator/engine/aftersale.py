"""After the sale: invoices and payments, clients with their repeat orders, upsell, key accounts
and churn, and the fulfilment of their orders."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from salesim.simulator.engine.cases import CLIENT_STAGE, Case, Client, Route, StepPlan
from salesim.simulator.engine.draws import NO_DRAWS
from salesim.simulator.engine.events import EventLog
from salesim.simulator.engine.rng import Streams
from salesim.simulator.engine.staffing import Staff, Staffing
from salesim.simulator.engine.work import StepWork
from salesim.simulator.scenario.fields import for_segment
from salesim.simulator.scenario.reasons import CHURNED, OWNER_LEFT
from salesim.simulator.scenario.schema import ClientBase, Scenario, Step
from salesim.simulator.units import MONTH_DAYS

REVIEW_DAYS = 30.0  # a client's risks are re-drawn at least this often (hazards change)


class AfterSale:
    """Invoices of every sale, and the life of each client (with a client base)."""

    def __init__(self, env: simpy.Environment, log: EventLog, scenario: Scenario,
                 streams: Streams, staffing: Staffing, work: StepWork, route: Route,
                 n_leads: int) -> None:
        self.env, self.log, self.scenario, self.streams = env, log, scenario, streams
        self.staffing, self.work, self.route = staffing, work, route
        self._next_case = n_leads  # repeat orders and day-0 clients are numbered after leads
        self._handling: dict[tuple[str, str], StepPlan] = {}

    def invoice(self, case: int, channel: str, segment: str, amount: float, delay_days: float,
                client_id: int = -1) -> None:
        """An invoice is out: the money comes ``delay_days`` later (with a payment block).

        ``client_id`` is the client a repeat order is for (-1: a lead's first deal).
        """
        payment = self.scenario.payment
        if payment is not None and (payment.first_deals or client_id != -1):
            self.env.process(self._pay(case, channel, segment, amount, delay_days, client_id))

    def become_client(self, lead: Case) -> Client:
        """A won lead becomes a client of the least loaded account manager."""
        return self._new_client(lead.id, lead.channel, lead.segment, lead.amount)

    def existing_clients(self, base: ClientBase) -> None:
        """The clients the department has on day 0 (``clients.initial``): each is a case of its
        own (numbered after the leads), with a channel drawn by the channels' lead volume of its
        segment, a first deal drawn from that channel's deal size, and the least loaded owner."""
        rng = self.streams.named("leads", "initial_clients")
        scenario = self.scenario
        for segment in scenario.segments:
            count = base.initial.get(segment, 0)
            if count == 0:
                continue
            weights = np.array([ch.rate * (5 / 7 if ch.per == "working_day" else 1.0)
                                * scenario.segment_mix(ch).get(segment, 0.0)
                                for ch in scenario.channels])
            if weights.sum() <= 0:
                weights = np.ones(len(scenario.channels))
            picks = rng.choice(len(scenario.channels), size=count, p=weights / weights.sum())
            for k in picks.tolist():
                channel = scenario.channels[k]
                amount = float(channel.deal_size_for(segment).sample(rng, 1)[0])
                self._new_client(self._new_case(), channel.name, segment, amount)

    def _base(self) -> ClientBase:
        assert self.scenario.clients is not None
        return self.scenario.clients

    def _new_case(self) -> int:
        case = self._next_case
        self._next_case += 1
        return case

    def _least_loaded(self, role: str, segment: str) -> Staff | None:
        return self.staffing.pool(role, segment).choose_owner("least_loaded", clients=True)

    def _new_client(self, case: int, channel: str, segment: str, amount: float) -> Client:
        base = self._base()
        owner = self._least_loaded(base.owner_role, segment)
        if owner is not None:
            owner.clients += 1
        client = Client(case, channel, segment, amount, amount, owner,
                        self.streams.named("decisions", f"client#{case}"), base.memory_days)
        self.env.process(self._client_life(client))
        return client

    def _pay(self, case: int, channel: str, segment: str, amount: float, delay_days: float,
             client_id: int) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay_days)
        self.log.record(self.env.now, case, channel, segment, "", "", "paid", amount=amount,
                        client_id=client_id)

    def _client_life(self, client: Client) -> Generator[simpy.Event, Any, None]:
        """Repeat orders, upsell and churn as competing risks, re-drawn at least monthly."""
        base, env, rng = self._base(), self.env, client.rng
        while True:
            owner = client.owner
            if owner is not None and not owner.active and not self._new_owner(client, owner):
                self._churn(client, OWNER_LEFT)
                return
            order, upsell, churn = self._client_rates(client)
            total = order + upsell + churn
            wait = rng.exponential(1 / total) if total > 0 else math.inf
            if wait > REVIEW_DAYS:
                yield env.timeout(REVIEW_DAYS)
                continue
            yield env.timeout(wait)
            # rates may have fallen meanwhile (the client became a key account): thinning keeps
            # the process exact for falls; rises are taken up at the next review
            order, upsell, now_churn = self._client_rates(client)
            churn = min(churn, now_churn)
            pick = rng.random() * total
            if pick < churn:
                self._churn(client, CHURNED)
                return
            if pick >= churn + order + upsell:
                continue
            kind = "repeat" if pick < churn + order else "upsell"
            share = base.repeat_order_share if kind == "repeat" else base.upsell_share
            # the order runs on its own: the client does not stop being a client meanwhile
            env.process(self._order(client, client.first_amount * share, kind))

    def _new_owner(self, client: Client, gone: Staff) -> bool:
        """The client's owner left: the client goes to a colleague, or leaves; True if it stays."""
        gone.clients -= 1
        if not self.scenario.crm_keeps_history \
                and client.rng.random() < self.scenario.lost_when_owner_leaves:
            return False
        client.owner = self._least_loaded(gone.role, client.segment)
        if client.owner is not None:
            client.owner.clients += 1
        client.owner_left_until = self.env.now + self._base().memory_days
        return True

    def _client_rates(self, client: Client) -> tuple[float, float, float]:
        """Daily rates of a repeat order, an upsell and churn for this client now."""
        base, now = self._base(), self.env.now
        key = base.key_accounts if client.key else None
        order = for_segment(base.repeat_orders_per_month, client.segment) / MONTH_DAYS
        load = client.owner.clients / base.clients_per_owner if client.owner else 1.0
        upsell = base.upsell_per_month * max(0.0, 1.0 - load) / MONTH_DAYS
        hazard = for_segment(base.churn_per_month, client.segment)
        if now < client.late_until:
            hazard *= base.late_delivery_churn_factor
        if now < client.unanswered_until:
            hazard *= base.unanswered_churn_factor
        if now < client.owner_left_until:
            hazard *= base.owner_left_churn_factor
        if key is not None:
            upsell *= key.upsell_factor
            hazard *= key.churn_factor
        churn = -math.log1p(-min(hazard, 0.999)) / MONTH_DAYS
        return order, upsell, churn

    def _churn(self, client: Client, reason: str) -> None:
        client.churned = True
        if client.owner is not None:
            client.owner.clients -= 1
            client.owner = None
        self.log.record(self.env.now, client.lead_id, client.channel, client.segment, "", "",
                        "churn", amount=client.revenue, reason=reason)

    def _order(self, client: Client, amount: float, kind: str
               ) -> Generator[simpy.Event, Any, None]:
        """A repeat order or upsell: invoiced, handled by the client's owner, then shipped."""
        case = self._new_case()
        client.revenue += amount
        self.log.record(self.env.now, case, client.channel, client.segment, "", "", "order",
                        amount=amount, reason=kind, client_id=client.lead_id)
        payment = self.scenario.payment
        delay = for_segment(payment.delay_days, client.segment).sample(client.rng, 1)[0] \
            if payment is not None else 0.0
        self.invoice(case, client.channel, client.segment, amount, float(delay), client.lead_id)
        order = Case(case, client.channel, client.segment, amount, 0, "least_loaded", {},
                     client=client, rng=client.rng)
        if client.owner is not None:
            order.owners = {client.owner.role: client.owner}
            yield from self.work.step(order, self._handling_plan(client.owner.role, kind))
        yield from self._fulfil(order, client)
        self._promote(client)

    def _fulfil(self, order: Case, client: Client) -> Generator[simpy.Event, Any, None]:
        """The order goes through the client base's order stages, and ships."""
        route, stages = self.route, self._base().order_stages
        names = [stage.name for stage in route.stages]
        ship_stage = route.ship_stage
        if ship_stage is not None and names[ship_stage] not in stages:
            self.work.ship(order.id, client.channel, client.segment, order.amount,
                           client.lead_id)
        for stage_name in stages:
            si = names.index(stage_name)
            order.owners = {}
            order.owner_rule = route.stages[si].owner_rule
            for plan in route.steps(client.segment, client.channel)[si]:
                yield from self.work.step(order, plan)
            if si == ship_stage:
                self.work.ship(order.id, client.channel, client.segment, order.amount,
                               client.lead_id)

    def _handling_plan(self, role: str, kind: str) -> StepPlan:
        """The account manager's work on a repeat order, as an after-sale step."""
        if (role, kind) not in self._handling:
            base = self._base()
            step = Step(name=f"{kind}_order", role=role, effort_hours=base.order_handling_hours)
            self._handling[(role, kind)] = StepPlan(
                stage_index=-1, step_index=0, stage=CLIENT_STAGE, name=step.name, role=role,
                client_delay=False, conversion=dict.fromkeys(self.scenario.segments, 1.0),
                reasons=("none",), reason_cum=(1.0,), half_life_days=None, wins=False,
                after_sale=True, sla_days=base.answer_within_days, spec=step, draws=NO_DRAWS)
        return self._handling[(role, kind)]

    def _promote(self, client: Client) -> None:
        """A client whose revenue passed the threshold becomes a key account with a KAM."""
        key = self._base().key_accounts
        if key is None or client.key or client.churned or client.revenue < key.revenue_threshold:
            return
        kam = self._least_loaded(key.role, client.segment)
        if kam is None:
            return
        if client.owner is not None:
            client.owner.clients -= 1
        client.owner, client.key = kam, True
        kam.clients += 1
        self.log.record(self.env.now, client.lead_id, client.channel, client.segment, "", "",
                        "key_account", staff_id=kam.id, role=kam.role, amount=client.revenue)
