"""One step of a case: it queues for a person of the step's role, is worked on the person's
calendar, waits for the client, and converts or is lost."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from salesim.simulator.engine.cases import Case, StepPlan
from salesim.simulator.engine.events import EventLog
from salesim.simulator.engine.incentives import Incentives
from salesim.simulator.engine.staffing import Staff, Staffing
from salesim.simulator.scenario.reasons import COOLED, OWNER_LEFT

Outcome = str  # "convert" or "lose"


class StepWork:
    """Runs the steps of every case, and ships orders."""

    def __init__(self, env: simpy.Environment, log: EventLog, staffing: Staffing,
                 incentives: Incentives) -> None:
        self.env = env
        self.log = log
        self.staffing = staffing
        self.incentives = incentives

    def step(self, lead: Case, plan: StepPlan) -> Generator[simpy.Event, Any, Outcome]:
        """A case goes through one step; "lose" when it is lost there."""
        env = self.env
        effort, client_delay, u, u_reason = lead.draws(plan)
        queue_wait = 0.0
        if plan.role is not None:
            waited = yield from self._work(lead, plan, plan.role, effort)
            if waited is None:
                return "lose"
            queue_wait = waited
        if plan.client_delay:
            self.log.record(env.now, lead.id, lead.channel, lead.segment, plan.stage, plan.name,
                            "client_wait", amount=lead.amount, client_id=lead.client_id)
            if client_delay > 0:
                yield env.timeout(client_delay)
        return self._decide(lead, plan, queue_wait, u, u_reason)

    def ship(self, case: int, channel: str, segment: str, amount: float,
             client_id: int = -1) -> None:
        """The order is shipped: with ``revenue_recognition: shipment`` its revenue counts now."""
        self.log.record(self.env.now, case, channel, segment, "", "", "ship", amount=amount,
                        client_id=client_id)

    def _work(self, lead: Case, plan: StepPlan, role: str, effort: float
              ) -> Generator[simpy.Event, Any, float | None]:
        """Queue, then work: the time queued, or None when the lead is lost for want of an
        owner."""
        env, record = self.env, self.log.record
        pool = self.staffing.pool(role, lead.segment)
        entered = env.now
        record(entered, lead.id, lead.channel, lead.segment, plan.stage, plan.name, "enqueue",
               role=role, amount=lead.amount, client_id=lead.client_id)
        while True:
            person: Staff | None = yield pool.request(lead.priority, lead.owners.get(role))
            if person is not None:
                break
            if not self.staffing.take_over(role, lead.owner_rule, lead.owners, lead.segment):
                record(env.now, lead.id, lead.channel, lead.segment, plan.stage, plan.name,
                       "lose", amount=lead.amount, reason=OWNER_LEFT)
                return None
        start = person.calendar.next_open(env.now)
        if start > env.now:
            yield env.timeout(start - env.now)
        record(start, lead.id, lead.channel, lead.segment, plan.stage, plan.name, "start",
               staff_id=person.id, role=role, amount=lead.amount, client_id=lead.client_id)
        work_hours = effort / (person.speed * person.productivity(start)
                               * self.incentives.drive(person, start).speed)
        finish = person.calendar.add_work_hours(start, work_hours)
        if finish > env.now:
            yield env.timeout(finish - env.now)
        record(env.now, lead.id, lead.channel, lead.segment, plan.stage, plan.name, "finish",
               staff_id=person.id, role=role, amount=lead.amount, work_hours=work_hours,
               client_id=lead.client_id)
        pool.release(person)
        lead.last_worker = person
        lead.last_by_role[person.role] = person
        client = lead.client
        if client is not None and plan.sla_days is not None \
                and env.now - entered > plan.sla_days:
            client.remember_slow(env.now, plan.stage)
        # `start` itself, not env.now: now + (start - now) can fall one ulp short of opening
        return start - entered

    def _decide(self, lead: Case, plan: StepPlan, queue_wait: float, u: float,
                u_reason: float) -> Outcome:
        """Convert or lose: the step's conversion, the worker's skill and drive, cooling."""
        now = self.env.now
        p = plan.conversion[lead.segment]
        if lead.last_worker is not None:
            worker = lead.last_worker
            p = min(1.0, p * worker.skill * self.incentives.drive(worker, now).conversion)
        cooled = p if plan.half_life_days is None else p * 0.5 ** (queue_wait / plan.half_life_days)
        if u < cooled or plan.after_sale:
            self.log.record(now, lead.id, lead.channel, lead.segment, plan.stage, plan.name,
                            "convert", amount=lead.amount, client_id=lead.client_id)
            return "convert"
        if u < p:
            reason = COOLED
        else:
            r = u_reason * plan.reason_cum[-1]
            reason = plan.reasons[min(_bisect(plan.reason_cum, r), len(plan.reasons) - 1)]
        self.log.record(now, lead.id, lead.channel, lead.segment, plan.stage, plan.name, "lose",
                        amount=lead.amount, reason=reason)
        return "lose"


def _bisect(cum: tuple[float, ...], x: float) -> int:
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1
