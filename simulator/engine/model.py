"""The SimPy model: leads flow through stages and steps, staff work on their calendars.

Everything random is drawn before the run (see ``docs/design.md``): the model only decides who
does what and when. It does no I/O and prints nothing; what happened is in the event log.
"""

from __future__ import annotations

import array
import bisect
import functools
import heapq
import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from salesim.simulator.engine.events import EventLog
from salesim.simulator.engine.motivation import Drive, drive, pay_at_risk, shares_work
from salesim.simulator.engine.rng import Streams
from salesim.simulator.engine.structure import organised
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.fields import for_segment
from salesim.simulator.scenario.months import months_of
from salesim.simulator.scenario.reasons import COOLED, HANDOFF, OWNER_LEFT
from salesim.simulator.scenario.schema import ClientBase, Scenario, Step
from salesim.simulator.units import MONTH_DAYS

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


# -- leads drawn before the run -------------------------------------------------------------------


@dataclass(frozen=True)
class Leads:
    """All leads of a run with their attributes, in arrival order."""

    time: FloatArray
    channel: list[str]
    segment: list[str]
    amount: FloatArray

    def __len__(self) -> int:
        return len(self.time)


def draw_leads(scenario: Scenario, streams: Streams) -> Leads:
    """Arrival times, channels, segments and amounts: independent of staffing and process."""
    company = scenario.work_calendar()
    horizon = scenario.horizon_days
    n_days = math.ceil(horizon)
    months = _month_of_day(scenario, n_days)
    times: list[FloatArray] = []
    channels: list[str] = []
    segments: list[str] = []
    amounts: list[FloatArray] = []
    for channel in scenario.channels:
        arrivals = streams.named("arrivals", channel.name)
        season = np.ones(12) if channel.seasonality is None else np.asarray(channel.seasonality)
        if channel.per == "calendar_day":
            opens = np.arange(n_days, dtype=np.float64)
            lengths = np.ones(n_days)
        else:
            intervals = [company.day_interval(d) for d in range(n_days)]
            working = [d for d, iv in enumerate(intervals) if iv is not None]
            opens = np.array([intervals[d][0] for d in working], dtype=np.float64)  # type: ignore[index]
            lengths = np.array([intervals[d][1] - intervals[d][0] for d in working],  # type: ignore[index]
                               dtype=np.float64)
        day_idx = np.floor(opens).astype(np.int64)
        counts = arrivals.poisson(channel.rate * season[months[day_idx]])
        offsets = arrivals.random(int(counts.sum())) * np.repeat(lengths, counts)
        t = np.repeat(opens, counts) + offsets
        t.sort(kind="stable")
        t = t[t < horizon]
        mix = scenario.segment_mix(channel)
        names = list(mix)
        lead_rng = streams.named("leads", channel.name)
        seg_idx = lead_rng.choice(len(names), size=len(t), p=np.asarray(list(mix.values())))
        amount = np.zeros(len(t))
        for k, seg in enumerate(names):
            chosen = seg_idx == k
            amount[chosen] = channel.deal_size_for(seg).sample(lead_rng, int(chosen.sum()))
        times.append(t)
        channels.extend([channel.name] * len(t))
        segments.extend(names[k] for k in seg_idx)
        amounts.append(amount)
    all_times = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(all_times, kind="stable")
    return Leads(
        time=all_times[order],
        channel=[channels[i] for i in order],
        segment=[segments[i] for i in order],
        amount=np.concatenate(amounts)[order] if amounts else np.zeros(0),
    )


def _month_of_day(scenario: Scenario, n_days: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    start = np.datetime64(scenario.calendar.start_date, "D")
    days = start + np.arange(n_days)
    return (days.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int64)


@dataclass(frozen=True)
class StepDraws:
    """Per-lead random numbers for one step: effort, client delay and two decision uniforms.

    ``array.array``: the engine reads one number at a time, which is several times faster than
    indexing a numpy array, at 8 bytes a number (a list of floats takes 32).
    """

    effort_hours: array.array[float]
    client_delay_days: array.array[float]
    decision: array.array[float]
    reason: array.array[float]


def draw_steps(scenario: Scenario, streams: Streams, n_leads: int) -> list[list[StepDraws]]:
    """Draws indexed [stage][step][lead]; keyed by step name so other steps do not shift them."""
    out: list[list[StepDraws]] = []
    for stage in scenario.stages:
        row = []
        for step in stage.steps:
            key = f"{stage.name}/{step.name}"
            durations = streams.named("durations", key)
            decisions = streams.named("decisions", key)
            row.append(StepDraws(
                effort_hours=_doubles(step.effort_hours.sample(durations, n_leads)),
                client_delay_days=_doubles(step.client_delay_days.sample(durations, n_leads)),
                decision=_doubles(decisions.random(n_leads)),
                reason=_doubles(decisions.random(n_leads)),
            ))
        out.append(row)
    return out


def _doubles(values: FloatArray) -> array.array[float]:
    out = array.array("d")
    out.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return out


def draw_payment_days(scenario: Scenario, streams: Streams, leads: Leads) -> FloatArray:
    """Days from the first invoice to the money, per lead (0 without a payment block)."""
    if scenario.payment is None or not scenario.payment.first_deals:
        return np.zeros(len(leads))
    rng = streams.named("durations", "payment")
    days = np.zeros(len(leads))
    segments = np.asarray(leads.segment, dtype=object)
    for segment in scenario.segments:
        at = segments == segment
        dist = for_segment(scenario.payment.delay_days, segment)
        days[at] = dist.sample(rng, int(at.sum()))
    return days


def draw_handoffs(scenario: Scenario, streams: Streams, n_leads: int
                  ) -> tuple[list[FloatArray], list[FloatArray], float] | None:
    """Per stage and lead: the hand-off delay into the stage and a drop uniform (conveyor)."""
    handoff = scenario.org.handoff
    if scenario.org.structure != "conveyor" or handoff is None:
        return None
    delays, drops = [], []
    for stage in scenario.stages:
        delays.append(handoff.delay_days.sample(
            streams.named("durations", f"handoff/{stage.name}"), n_leads))
        drops.append(streams.named("decisions", f"handoff/{stage.name}").random(n_leads))
    return delays, drops, handoff.loss


# -- staff and queues -----------------------------------------------------------------------------


@dataclass(eq=False)
class Staff:
    """One person: speed and conversion skill, calendar, ramp-up and personal queue of owned work.

    ``productivity(t)`` is 1 for the initial staff; a person hired during the run starts at the
    role's ``ramp_up.start`` and reaches 1 after ``ramp_up.days``.
    """

    id: str
    role: str
    speed: float
    skill: float
    calendar: WorkCalendar
    hired_at: float = 0.0
    ramp_days: float = 0.0
    ramp_start: float = 1.0
    left_at: float | None = None
    leaving: bool = False  # leaves when the work at hand is done
    pool: str = ""  # the pool (the role, or the role's pod) the person works in
    owned_leads: int = 0
    clients: int = 0
    queue: list[tuple[int, int, simpy.Event]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.left_at is None and not self.leaving

    def productivity(self, t: float) -> float:
        if self.ramp_days <= 0:
            return 1.0
        done = min(1.0, max(0.0, (t - self.hired_at) / self.ramp_days))
        return self.ramp_start + (1.0 - self.ramp_start) * done


class RolePool:
    """The people of one role and the leads waiting for them.

    Pooled requests wait in the role's shared queue; owned requests wait in their owner's personal
    queue. A person who becomes free takes the best (priority, arrival order) request among the
    shared queue and their own queue; an idle person is found in the order they became idle.
    A request fires with the Staff who takes the work, or with None when the owner it waited
    for has left (the lead then finds a new owner or is lost).
    """

    def __init__(self, env: simpy.Environment, name: str) -> None:
        self.env = env
        self.name = name
        self.staff: list[Staff] = []  # everyone who ever worked here, in order of hiring
        self.shared: list[tuple[int, int, simpy.Event]] = []
        self.idle: dict[int, Staff] = {}
        self._index: dict[int, int] = {}
        self._turn = 0
        self._order = itertools.count()

    @property
    def active(self) -> list[Staff]:
        return [s for s in self.staff if s.active]

    def choose_owner(self, rule: str, clients: bool = False) -> Staff | None:
        """An owner for a lead (or, with ``clients``, for a client: load = clients owned)."""
        active = self.active
        if not active:
            return None
        if rule == "least_loaded":
            if clients:
                return min(active, key=lambda s: s.clients)
            return min(active, key=lambda s: s.owned_leads)
        person = active[self._turn % len(active)]
        self._turn += 1
        return person

    def request(self, priority: int, owner: Staff | None) -> simpy.Event:
        """An event that fires with the Staff who takes the work (see the class docstring)."""
        event = self.env.event()
        if owner is None:
            if self.idle:
                first = next(iter(self.idle))
                event.succeed(self.idle.pop(first))
            else:
                heapq.heappush(self.shared, (priority, next(self._order), event))
        elif not owner.active:
            event.succeed(None)
        else:
            index = self._index[id(owner)]
            if index in self.idle:
                del self.idle[index]
                event.succeed(owner)
            else:
                heapq.heappush(owner.queue, (priority, next(self._order), event))
        return event

    def release(self, person: Staff) -> None:
        """The person is free: give them the best waiting request, or mark them idle."""
        if person.leaving:
            self._depart(person)
            return
        own, shared = person.queue, self.shared
        if own and (not shared or own[0] < shared[0]):
            heapq.heappop(own)[2].succeed(person)
        elif shared:
            heapq.heappop(shared)[2].succeed(person)
        else:
            self.idle[self._index[id(person)]] = person

    def hire(self, person: Staff) -> None:
        """A new person joins and takes waiting work at once."""
        self._index[id(person)] = len(self.staff)
        self.staff.append(person)
        self.release(person)

    def leave(self, person: Staff) -> None:
        """The person leaves now if idle, else after the work at hand."""
        if not person.active:
            return
        index = self._index[id(person)]
        if index in self.idle:
            del self.idle[index]
            self._depart(person)
        else:
            person.leaving = True

    def _depart(self, person: Staff) -> None:
        person.leaving = False
        person.left_at = self.env.now
        waiting, person.queue = person.queue, []
        for _priority, _order, event in waiting:
            event.succeed(None)


# -- the model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _StepPlan:
    """What the lead process needs of a step, flattened for speed."""

    stage_index: int
    step_index: int
    stage: str
    name: str
    role: str | None
    client_delay: bool
    conversion: dict[str, float]
    reasons: tuple[str, ...]
    reason_cum: tuple[float, ...]
    half_life_days: float | None
    wins: bool
    after_sale: bool
    sla_days: float | None
    spec: Step
    draws: StepDraws


REVIEW_DAYS = 30.0  # a client's risks are re-drawn at least this often (hazards change)
NO_DRIVE = Drive()
SHARING_SLACK = 2  # leads more than the least loaded colleague a sharing owner may take on
CLIENT_STAGE = "client_base"  # the stage name of an account manager's work on a repeat order


class SalesModel:
    """A SimPy environment holding one run of a scenario.

    Args:
        scenario: a validated scenario.
        seed: root seed (defaults to the scenario's).
        replication: replication number; 0 is the plain run.
        leads: the leads to simulate instead of drawing them from the channels (for exercises
            and tests that need a lead at an exact moment).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, replication: int = 0,
                 leads: Leads | None = None) -> None:
        scenario = organised(scenario)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.streams = Streams(self.seed, replication)
        self.env = simpy.Environment()
        self.log = EventLog()
        self.leads = draw_leads(scenario, self.streams) if leads is None else leads
        draws = draw_steps(scenario, self.streams, len(self.leads))
        self._payment_days = draw_payment_days(scenario, self.streams, self.leads)
        self._clients: dict[int, Client] = {}  # by case: a client's lead and its orders
        self._next_case = len(self.leads)
        # one pool per role, or per role and pod when the department is organised in pods
        self.pools: dict[str, RolePool] = {}
        self._pools_of: dict[str, list[RolePool]] = {}
        self._hired: dict[str, int] = {}
        for role in scenario.roles:
            pods = [pod for pod in scenario.org.pods if role.name in pod.headcount] \
                if scenario.org.structure == "pods" else []
            keys = [(f"{role.name}@{pod.name}", pod.headcount[role.name]) for pod in pods] \
                or [(role.name, role.headcount)]
            self._pools_of[role.name] = []
            for key, _ in keys:
                self.pools[key] = RolePool(self.env, key)
                self._pools_of[role.name].append(self.pools[key])
        self._handover = {role.name: self.streams.named("decisions", f"{role.name}/handover")
                          for role in scenario.roles}
        for role in scenario.roles:
            for pool in self._pools_of[role.name]:
                for _ in range(self._initial_headcount(role.name, pool.name)):
                    self._hire(role.name, initial=True, pool=pool.name)
            if role.headcount_changes:
                self.env.process(self._planned_changes(role.name))
        self._priority = {seg: rank for rank, seg in enumerate(scenario.segments)}
        win = scenario.win_step()
        self._stages: list[tuple[str, str, str, list[_StepPlan]]] = []
        for si, stage in enumerate(scenario.stages):
            plans = [self._plan(si, ki, step, draws[si][ki], win)
                     for ki, step in enumerate(stage.steps)]
            self._stages.append((stage.assignment, stage.owner_rule, stage.queue, plans))
        self._route = {  # the steps a lead of a segment and channel goes through, per stage
            (seg, ch.name): [
                [p for p in plans if scenario.step_applies(stage.steps[p.step_index], seg,
                                                           ch.name)]
                for stage, (_, _, _, plans) in zip(scenario.stages, self._stages, strict=True)]
            for seg in scenario.segments for ch in scenario.channels
        }
        self._handoffs = draw_handoffs(scenario, self.streams, len(self.leads))
        self._win_stage = win[0]
        self._ship_stage = scenario.shipping_stage()
        self._motivated = {r.name: r for r in scenario.roles if r.behaviour is not None}
        self._month_starts = [m.start for m in months_of(scenario)]
        self._month_spans = [(m.start, m.end, m.label) for m in months_of(scenario)]
        self._credited: dict[str, dict[int, float]] = {}  # person → month index → revenue
        self.env.process(self._arrivals())
        if scenario.clients is not None:
            self._existing_clients(scenario.clients)

    # -- people ---------------------------------------------------------------------------------

    def _initial_headcount(self, role: str, pool: str) -> int:
        _, _, pod = pool.partition("@")
        if not pod:
            return self.scenario.role(role).headcount
        return next(p.headcount[role] for p in self.scenario.org.pods if p.name == pod)

    def _pool(self, role: str, segment: str) -> RolePool:
        """The pool of a role that serves a segment (the segment's pod, if any)."""
        pod = self.scenario.org.pod_of(role, segment)
        return self.pools[role if pod is None else f"{role}@{pod}"]

    def _active(self, role: str) -> list[Staff]:
        return [s for pool in self._pools_of[role] for s in pool.active]

    def _hire(self, role: str, initial: bool = False, pool: str | None = None) -> Staff:
        """Hire person number k of a role: their traits come from their own named stream."""
        spec = self.scenario.role(role)
        if pool is None:  # the pool (pod) with the fewest people
            pool = min(self._pools_of[role], key=lambda p: len(p.active)).name
        number = self._hired.get(role, 0) + 1
        self._hired[role] = number
        traits = self.streams.named("people", f"{role}#{number}")
        speed = float(spec.speed.sample(traits, 1)[0])
        skill = float(spec.conversion_skill.sample(traits, 1)[0])
        ramp = spec.ramp_up if not initial else None
        person = Staff(
            id=f"{role}-{number}", role=role, pool=pool, speed=max(speed, 1e-6), skill=skill,
            calendar=self.scenario.work_calendar(role), hired_at=self.env.now,
            ramp_days=ramp.days if ramp else 0.0, ramp_start=ramp.start if ramp else 1.0,
        )
        self.pools[pool].hire(person)
        if spec.attrition_per_month > 0:
            rate = -math.log1p(-spec.attrition_per_month) / MONTH_DAYS
            stay = float(traits.exponential(1 / rate))
            self.env.process(self._attrition(person, stay))
        return person

    def _attrition(self, person: Staff, stay_days: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(stay_days)
        if not person.active:
            return
        self.pools[person.pool].leave(person)
        lag = self.scenario.role(person.role).replacement_lag_days
        if lag is not None:
            yield self.env.timeout(lag)
            self._hire(person.role, pool=person.pool)

    def _planned_changes(self, role: str) -> Generator[simpy.Event, Any, None]:
        for change in self.scenario.role(role).headcount_changes:
            if change.day > self.env.now:
                yield self.env.timeout(change.day - self.env.now)
            active = self._active(role)
            for _ in range(change.headcount - len(active)):
                self._hire(role)
            # a cut lets go of the least productive first (the seed's weekly efficiency ranking)
            cut = sorted(active, key=lambda s: (s.speed * s.skill, s.id))
            for person in cut[:max(0, len(active) - change.headcount)]:
                self.pools[person.pool].leave(person)

    def _take_over(self, role: str, rule: str, owners: dict[str, Staff | None],
                   segment: str) -> bool:
        """The lead's owner left: find a new one, or lose the lead; True if it stays."""
        scenario = self.scenario
        old = owners.get(role)
        if old is not None:
            old.owned_leads -= 1
        if not scenario.crm_keeps_history and \
                self._handover[role].random() < scenario.lost_when_owner_leaves:
            owners[role] = None
            return False
        new = self._pool(role, segment).choose_owner(rule)
        if new is not None:
            new.owned_leads += 1
        owners[role] = new
        return True

    # -- invoices and clients -------------------------------------------------------------------

    def _client_base(self) -> ClientBase:
        assert self.scenario.clients is not None
        return self.scenario.clients

    def _invoice(self, case: int, channel: str, segment: str, amount: float,
                 delay_days: float) -> None:
        """An invoice is out: the money comes ``delay_days`` later (with a payment block)."""
        payment = self.scenario.payment
        if payment is not None and (payment.first_deals or case >= len(self.leads)):
            self.env.process(self._pay(case, channel, segment, amount, delay_days))

    def _pay(self, case: int, channel: str, segment: str, amount: float, delay_days: float
             ) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay_days)
        client = self._clients.get(case)
        self.log.record(self.env.now, case, channel, segment, "", "", "paid", amount=amount,
                        client_id=-1 if client is None or client.lead_id == case
                        else client.lead_id)

    def _become_client(self, lead: _LeadInStage) -> None:
        base = self._client_base()
        owner = self._pool(base.owner_role, lead.segment).choose_owner("least_loaded",
                                                                       clients=True)
        if owner is not None:
            owner.clients += 1
        client = Client(lead.id, lead.channel, lead.segment, lead.amount, lead.amount, owner,
                        self.streams.named("decisions", f"client#{lead.id}"))
        self._clients[lead.id] = client
        self.env.process(self._client_life(client))

    def _existing_clients(self, base: ClientBase) -> None:
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
                case = self._next_case
                self._next_case += 1
                owner = self._pool(base.owner_role, segment).choose_owner("least_loaded",
                                                                         clients=True)
                if owner is not None:
                    owner.clients += 1
                client = Client(case, channel.name, segment, amount, amount, owner,
                                self.streams.named("decisions", f"client#{case}"))
                self._clients[case] = client
                self.env.process(self._client_life(client))

    def _client_life(self, client: Client) -> Generator[simpy.Event, Any, None]:
        """Repeat orders, upsell and churn as competing risks, re-drawn at least monthly."""
        base, env, rng = self._client_base(), self.env, client.rng
        while True:
            owner = client.owner
            if owner is not None and not owner.active:
                owner.clients -= 1
                if not self.scenario.crm_keeps_history \
                        and rng.random() < self.scenario.lost_when_owner_leaves:
                    self._churn(client, OWNER_LEFT)
                    return
                role = owner.role
                client.owner = self._pool(role, client.segment).choose_owner("least_loaded",
                                                                             clients=True)
                if client.owner is not None:
                    client.owner.clients += 1
                client.owner_left_until = env.now + base.memory_days
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
                self._churn(client, "churned")
                return
            if pick >= churn + order + upsell:
                continue
            kind = "repeat" if pick < churn + order else "upsell"
            share = base.repeat_order_share if kind == "repeat" else base.upsell_share
            # the order runs on its own: the client does not stop being a client meanwhile
            env.process(self._order(client, client.first_amount * share, kind))

    def _client_rates(self, client: Client) -> tuple[float, float, float]:
        """Daily rates of a repeat order, an upsell and churn for this client now."""
        base, now = self._client_base(), self.env.now
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
        env, record, base = self.env, self.log.record, self._client_base()
        case = self._next_case
        self._next_case += 1
        self._clients[case] = client
        client.revenue += amount
        record(env.now, case, client.channel, client.segment, "", "", "order", amount=amount,
               reason=kind, client_id=client.lead_id)
        delay = for_segment(self.scenario.payment.delay_days, client.segment).sample(
            client.rng, 1)[0] if self.scenario.payment is not None else 0.0
        self._invoice(case, client.channel, client.segment, amount, float(delay))
        order = _LeadInStage(case, client.channel, client.segment, amount, 0, "least_loaded",
                             {}, client_id=client.lead_id, rng=client.rng)
        if client.owner is not None:
            handling = self._handling_plan(client.owner.role, kind)
            order.owners = {client.owner.role: client.owner}
            yield from self._step(order, handling)
        names = [st.name for st in self.scenario.stages]
        ship_stage = self._ship_stage
        if ship_stage is not None and names[ship_stage] not in base.order_stages:
            self._ship(case, client.channel, client.segment, amount, client.lead_id)
        for stage_name in base.order_stages:
            si = names.index(stage_name)
            _, owner_rule, _, _ = self._stages[si]
            order.owners = {}
            order.owner_rule = owner_rule
            for plan in self._route[(client.segment, client.channel)][si]:
                yield from self._step(order, plan)
            if si == ship_stage:
                self._ship(case, client.channel, client.segment, amount, client.lead_id)
        self._promote(client)

    @functools.cache  # noqa: B019 - one plan per (role, kind) for the model's lifetime
    def _handling_plan(self, role: str, kind: str) -> _StepPlan:
        """The account manager's work on a repeat order, as an after-sale step."""
        step = Step(name=f"{kind}_order", role=role,
                    effort_hours=self._client_base().order_handling_hours)
        return _StepPlan(
            stage_index=-1, step_index=0, stage=CLIENT_STAGE, name=step.name, role=role,
            client_delay=False, conversion=dict.fromkeys(self.scenario.segments, 1.0),
            reasons=("none",), reason_cum=(1.0,), half_life_days=None, wins=False,
            after_sale=True, sla_days=self._client_base().answer_within_days, spec=step,
            draws=_NO_DRAWS)

    def _promote(self, client: Client) -> None:
        """A client whose revenue passed the threshold becomes a key account with a KAM."""
        key = self._client_base().key_accounts
        if key is None or client.key or client.churned or client.revenue < key.revenue_threshold:
            return
        kam = self._pool(key.role, client.segment).choose_owner("least_loaded", clients=True)
        if kam is None:
            return
        if client.owner is not None:
            client.owner.clients -= 1
        client.owner, client.key = kam, True
        kam.clients += 1
        self.log.record(self.env.now, client.lead_id, client.channel, client.segment, "", "",
                        "key_account", staff_id=kam.id, role=kam.role, amount=client.revenue)

    # -- motivation -----------------------------------------------------------------------------

    def _month_index(self, t: float) -> int:
        return max(0, bisect.bisect_right(self._month_starts, t) - 1)

    def _attainment(self, person: Staff, t: float) -> float | None:
        """Credited revenue this month ÷ personal plan to date (plan role only)."""
        plan = self.scenario.plan
        if plan is None or plan.role != person.role:
            return None
        index = self._month_index(t)
        start, end, label = self._month_spans[index]
        elapsed = (t - start) / (end - start) if end > start else 1.0
        team = max(1, len(self._active(person.role)))
        to_date = plan.for_month(label) * elapsed / team
        if to_date <= 0:
            return None
        return self._credited.get(person.id, {}).get(index, 0.0) / to_date

    def _drive(self, person: Staff, t: float) -> Drive:
        role = self._motivated.get(person.role)
        if role is None or role.behaviour is None:
            return NO_DRIVE
        plan = self.scenario.plan
        team = max(1, len(self._active(person.role)))
        personal = (plan.for_month(self._month_spans[self._month_index(t)][2]) / team
                    if plan is not None and plan.role == person.role else 0.0)
        at_risk = pay_at_risk(role.salary_per_month, role.pay, personal, team)
        return drive(role.behaviour, role.pay, self._attainment(person, t), at_risk)

    def _credit(self, lead: _LeadInStage) -> None:
        """A win counts towards the monthly attainment of the people who brought it in."""
        index = self._month_index(self.env.now)
        for role in self._motivated:
            person = lead.last_by_role.get(role)
            if person is not None:
                months = self._credited.setdefault(person.id, {})
                months[index] = months.get(index, 0.0) + lead.amount

    def _sharing_owner(self, role: str, segment: str) -> Staff | None:
        """With a team bonus the lead goes to the colleague furthest behind plan, among those
        not already holding many more leads than the least loaded (nobody drowns)."""
        active = self._pool(role, segment).active
        if not active:
            return None
        now = self.env.now
        lightest = min(s.owned_leads for s in active)
        free = [s for s in active if s.owned_leads <= lightest + SHARING_SLACK]
        return min(free, key=lambda s: (self._attainment(s, now) or 0.0, s.owned_leads))

    # -- leads ----------------------------------------------------------------------------------

    def _plan(self, si: int, ki: int, step: Step, draws: StepDraws, win: tuple[int, int]
              ) -> _StepPlan:
        stage = self.scenario.stages[si]
        reasons = tuple(step.loss_reasons)
        cum = tuple(itertools.accumulate(step.loss_reasons[r] for r in reasons))
        return _StepPlan(
            stage_index=si, step_index=ki, stage=stage.name, name=step.name, role=step.role,
            client_delay=step.client_delay_days.mean > 0,
            conversion={seg: step.conversion_for(seg) for seg in self.scenario.segments},
            reasons=reasons, reason_cum=cum, half_life_days=stage.half_life_of(step),
            wins=(si, ki) == win, after_sale=(si, ki) > win, sla_days=step.sla_days,
            spec=step, draws=draws,
        )

    def run(self) -> None:
        """Simulate up to the horizon."""
        self.env.run(until=self.scenario.horizon_days)

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for lead_id, t in enumerate(self.leads.time.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self._lead(lead_id))

    def _lead(self, lead_id: int) -> Generator[simpy.Event, Any, None]:
        env, record = self.env, self.log.record
        leads = self.leads
        channel, segment = leads.channel[lead_id], leads.segment[lead_id]
        amount = float(leads.amount[lead_id])
        record(env.now, lead_id, channel, segment, "", "", "arrive", amount=amount)
        # in a full-cycle department the lead keeps its manager from stage to stage
        persistent = self.scenario.org.structure == "full_cycle"
        kept: dict[str, Staff | None] = {}
        last_by_role: dict[str, Staff] = {}  # who last worked the lead, per role (for credit)
        previous_role: str | None = None
        try:
            for si, plans in enumerate(self._route[(segment, channel)]):
                if not plans:
                    if si == self._ship_stage:  # nothing of ours to do: shipped at once
                        self._ship(lead_id, channel, segment, amount)
                    continue
                first_role = next((p.role for p in plans if p.role is not None), None)
                if self._handoffs is not None and previous_role is not None \
                        and first_role is not None and first_role != previous_role:
                    handed = yield from self._hand_off(lead_id, channel, segment, amount, si,
                                                       plans[0])
                    if not handed:
                        return
                previous_role = next((p.role for p in reversed(plans) if p.role is not None),
                                     previous_role)
                assignment, owner_rule, discipline, _ = self._stages[si]
                priority = self._priority[segment] if discipline == "priority" else 0
                owners = kept if persistent else {}
                if assignment == "owned":
                    for role in dict.fromkeys(p.role for p in plans if p.role is not None):
                        if role in owners:
                            continue
                        spec = self._motivated.get(role)
                        owner = (self._sharing_owner(role, segment)
                                 if spec is not None and shares_work(spec.behaviour, spec.pay)
                                 else self._pool(role, segment).choose_owner(owner_rule))
                        if owner is not None:
                            owner.owned_leads += 1
                        owners[role] = owner
                lead = _LeadInStage(lead_id, channel, segment, amount, priority, owner_rule,
                                    owners, last_by_role=last_by_role)
                try:
                    for plan in plans:
                        outcome = yield from self._step(lead, plan)
                        if outcome == "lose":
                            return
                finally:
                    if not persistent:
                        _release(owners)
                if si == self._ship_stage:
                    self._ship(lead_id, channel, segment, amount)
        finally:
            _release(kept)

    def _ship(self, case: int, channel: str, segment: str, amount: float,
              client_id: int = -1) -> None:
        """The order is shipped: with ``revenue_recognition: shipment`` its revenue counts now."""
        self.log.record(self.env.now, case, channel, segment, "", "", "ship", amount=amount,
                        client_id=client_id)

    def _hand_off(self, lead_id: int, channel: str, segment: str, amount: float, si: int,
                  first: _StepPlan) -> Generator[simpy.Event, Any, bool]:
        """A conveyor passes the lead to the next role: time passes, and before the win the
        lead can be dropped on the way (loss reason ``handoff``)."""
        assert self._handoffs is not None
        delays, drops, loss = self._handoffs
        delay = float(delays[si][lead_id])
        if delay > 0:
            yield self.env.timeout(delay)
        if si <= self._win_stage and float(drops[si][lead_id]) < loss:
            self.log.record(self.env.now, lead_id, channel, segment, first.stage, first.name,
                            "lose", amount=amount, reason=HANDOFF)
            return False
        return True

    def _step(self, lead: _LeadInStage, plan: _StepPlan) -> Generator[simpy.Event, Any, str]:
        env, record = self.env, self.log.record
        lead_id, channel, segment, amount = lead.id, lead.channel, lead.segment, lead.amount
        effort, client_delay, u, u_reason = lead.draws(plan)
        stage, step = plan.stage, plan.name
        queue_wait = 0.0
        if plan.role is not None:
            pool = self._pool(plan.role, segment)
            entered = env.now
            record(entered, lead_id, channel, segment, stage, step, "enqueue", role=plan.role,
                   amount=amount, client_id=lead.client_id)
            while True:
                person: Staff | None = yield pool.request(lead.priority,
                                                          lead.owners.get(plan.role))
                if person is not None:
                    break
                if not self._take_over(plan.role, lead.owner_rule, lead.owners, segment):
                    record(env.now, lead_id, channel, segment, stage, step, "lose",
                           amount=amount, reason=OWNER_LEFT)
                    return "lose"
            start = person.calendar.next_open(env.now)
            if start > env.now:
                yield env.timeout(start - env.now)
            # `start` itself, not env.now: now + (start - now) can fall one ulp short of opening
            queue_wait = start - entered
            record(start, lead_id, channel, segment, stage, step, "start", staff_id=person.id,
                   role=plan.role, amount=amount, client_id=lead.client_id)
            work_hours = effort / (person.speed * person.productivity(start)
                                   * self._drive(person, start).speed)
            finish = person.calendar.add_work_hours(start, work_hours)
            if finish > env.now:
                yield env.timeout(finish - env.now)
            record(env.now, lead_id, channel, segment, stage, step, "finish", staff_id=person.id,
                   role=plan.role, amount=amount, work_hours=work_hours, client_id=lead.client_id)
            pool.release(person)
            lead.last_worker = person
            lead.last_by_role[person.role] = person
            client = self._clients.get(lead_id)
            if client is not None and plan.sla_days is not None \
                    and env.now - entered > plan.sla_days:
                remembered = env.now + self._client_base().memory_days
                if plan.stage == CLIENT_STAGE:  # the owner was slow to answer a request
                    client.unanswered_until = remembered
                else:
                    client.late_until = remembered
        if plan.client_delay:
            record(env.now, lead_id, channel, segment, stage, step, "client_wait", amount=amount,
                   client_id=lead.client_id)
            if client_delay > 0:
                yield env.timeout(client_delay)
        p = plan.conversion[segment]
        if lead.last_worker is not None:
            worker = lead.last_worker
            p = min(1.0, p * worker.skill * self._drive(worker, env.now).conversion)
        cooled = p if plan.half_life_days is None else p * 0.5 ** (queue_wait / plan.half_life_days)
        if u < cooled or plan.after_sale:
            record(env.now, lead_id, channel, segment, stage, step, "convert", amount=amount,
                   client_id=lead.client_id)
            if plan.wins:
                record(env.now, lead_id, channel, segment, stage, step, "win", amount=amount)
                self._credit(lead)
                self._invoice(lead_id, channel, segment, amount, self._payment_days[lead_id])
                if self.scenario.clients is not None:
                    self._become_client(lead)
            return "convert"
        if u < p:
            reason = COOLED
        else:
            r = u_reason * plan.reason_cum[-1]
            reason = plan.reasons[min(_bisect(plan.reason_cum, r), len(plan.reasons) - 1)]
        record(env.now, lead_id, channel, segment, stage, step, "lose", amount=amount,
               reason=reason)
        return "lose"


@dataclass
class _LeadInStage:
    """A case's state while it goes through one stage: a lead, or a client's repeat order.

    A lead's random numbers were drawn before the run (indexed by lead id); a repeat order
    draws its own from the client's stream.
    """

    id: int
    channel: str
    segment: str
    amount: float
    priority: int
    owner_rule: str
    owners: dict[str, Staff | None]
    last_worker: Staff | None = None
    last_by_role: dict[str, Staff] = field(default_factory=dict)
    client_id: int = -1
    rng: np.random.Generator | None = None

    def draws(self, plan: _StepPlan) -> tuple[float, float, float, float]:
        """Effort hours, client delay days and the two decision uniforms at a step."""
        if self.rng is None:
            d, i = plan.draws, self.id
            return d.effort_hours[i], d.client_delay_days[i], d.decision[i], d.reason[i]
        spec, rng = plan.spec, self.rng
        return (float(spec.effort_hours.sample(rng, 1)[0]),
                float(spec.client_delay_days.sample(rng, 1)[0]), rng.random(), rng.random())


@dataclass(eq=False)
class Client:
    """A won lead's life as a client: owner, revenue so far, what raises its churn."""

    lead_id: int
    channel: str
    segment: str
    first_amount: float
    revenue: float
    owner: Staff | None
    rng: np.random.Generator
    key: bool = False
    churned: bool = False
    late_until: float = -math.inf
    unanswered_until: float = -math.inf
    owner_left_until: float = -math.inf


def _release(owners: dict[str, Staff | None]) -> None:
    for owner in owners.values():
        if owner is not None:
            owner.owned_leads -= 1


_NO_DRAWS = StepDraws(array.array("d"), array.array("d"), array.array("d"), array.array("d"))


def _bisect(cum: tuple[float, ...], x: float) -> int:
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1
