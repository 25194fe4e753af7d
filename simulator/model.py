"""The SimPy model: leads flow through stages and steps, staff work on their calendars.

Everything random is drawn before the run (see ``docs/design.md``): the model only decides who
does what and when. It does no I/O and prints nothing; what happened is in the event log.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulator.calendar import WorkCalendar
from simulator.config import COOLED, Scenario, Step
from simulator.events import EventLog
from simulator.rng import Streams

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
    """Per-lead random numbers for one step: effort, client delay and two decision uniforms."""

    effort_hours: FloatArray
    client_delay_days: FloatArray
    decision: FloatArray
    reason: FloatArray


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
                effort_hours=step.effort_hours.sample(durations, n_leads),
                client_delay_days=step.client_delay_days.sample(durations, n_leads),
                decision=decisions.random(n_leads),
                reason=decisions.random(n_leads),
            ))
        out.append(row)
    return out


# -- staff and queues -----------------------------------------------------------------------------


@dataclass(eq=False)
class Staff:
    """One person: their speed multiplier, calendar and personal queue of owned work."""

    id: str
    speed: float
    calendar: WorkCalendar
    owned_leads: int = 0
    queue: list[tuple[int, int, simpy.Event]] = field(default_factory=list)


class RolePool:
    """The people of one role and the leads waiting for them.

    Pooled requests wait in the role's shared queue; owned requests wait in their owner's personal
    queue. A person who becomes free takes the best (priority, arrival order) request among the
    shared queue and their own queue; an idle person is found in arrival order of idleness.
    """

    def __init__(self, env: simpy.Environment, name: str, staff: list[Staff]) -> None:
        self.env = env
        self.name = name
        self.staff = staff
        self.shared: list[tuple[int, int, simpy.Event]] = []
        self.idle: dict[int, Staff] = {i: s for i, s in enumerate(staff)}
        self._index = {id(s): i for i, s in enumerate(staff)}
        self._round_robin = itertools.cycle(range(len(staff))) if staff else None
        self._order = itertools.count()

    def choose_owner(self, rule: str) -> Staff | None:
        if not self.staff:
            return None
        if rule == "least_loaded":
            return min(self.staff, key=lambda s: s.owned_leads)
        assert self._round_robin is not None
        return self.staff[next(self._round_robin)]

    def request(self, priority: int, owner: Staff | None) -> simpy.Event:
        """An event that fires with the Staff who takes the work."""
        event = self.env.event()
        if owner is None:
            if self.idle:
                first = next(iter(self.idle))
                event.succeed(self.idle.pop(first))
            else:
                heapq.heappush(self.shared, (priority, next(self._order), event))
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
        own, shared = person.queue, self.shared
        if own and (not shared or own[0] < shared[0]):
            heapq.heappop(own)[2].succeed(person)
        elif shared:
            heapq.heappop(shared)[2].succeed(person)
        else:
            self.idle[self._index[id(person)]] = person

    def queue_length(self) -> int:
        return len(self.shared) + sum(len(s.queue) for s in self.staff)


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
    draws: StepDraws


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
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.streams = Streams(self.seed, replication)
        self.env = simpy.Environment()
        self.log = EventLog()
        self.leads = draw_leads(scenario, self.streams) if leads is None else leads
        draws = draw_steps(scenario, self.streams, len(self.leads))
        self.pools = {role.name: RolePool(self.env, role.name, self._hire(role.name))
                      for role in scenario.roles}
        self._priority = {seg: rank for rank, seg in enumerate(scenario.segments)}
        win = scenario.win_step()
        self._stages: list[tuple[str, str, str, list[_StepPlan]]] = []
        for si, stage in enumerate(scenario.stages):
            plans = [self._plan(si, ki, step, draws[si][ki], win)
                     for ki, step in enumerate(stage.steps)]
            self._stages.append((stage.assignment, stage.owner_rule, stage.queue, plans))
        self._segment_steps = {
            seg: [[p for p in plans if scenario.step_applies(stage.steps[p.step_index], seg)]
                  for stage, (_, _, _, plans) in zip(scenario.stages, self._stages, strict=True)]
            for seg in scenario.segments
        }
        self.env.process(self._arrivals())

    def _hire(self, role: str) -> list[Staff]:
        spec = self.scenario.role(role)
        speeds = spec.speed.sample(self.streams.named("people", role), spec.headcount)
        calendar = self.scenario.work_calendar(role)
        return [Staff(f"{role}-{i + 1}", max(float(s), 1e-6), calendar)
                for i, s in enumerate(speeds)]

    def _plan(self, si: int, ki: int, step: Step, draws: StepDraws, win: tuple[int, int]
              ) -> _StepPlan:
        stage = self.scenario.stages[si]
        reasons = tuple(step.loss_reasons)
        cum = tuple(itertools.accumulate(step.loss_reasons[r] for r in reasons))
        return _StepPlan(
            stage_index=si, step_index=ki, stage=stage.name, name=step.name, role=step.role,
            client_delay=step.client_delay_days.mean > 0,
            conversion={seg: step.conversion_for(seg) for seg in self.scenario.segments},
            reasons=reasons, reason_cum=cum, half_life_days=stage.cooling_half_life_days,
            wins=(si, ki) == win, after_sale=(si, ki) > win, draws=draws,
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
        for si, plans in enumerate(self._segment_steps[segment]):
            if not plans:
                continue
            assignment, owner_rule, discipline, _ = self._stages[si]
            priority = self._priority[segment] if discipline == "priority" else 0
            owners: dict[str, Staff | None] = {}
            if assignment == "owned":
                for role in dict.fromkeys(p.role for p in plans if p.role is not None):
                    owner = self.pools[role].choose_owner(owner_rule)
                    if owner is not None:
                        owner.owned_leads += 1
                    owners[role] = owner
            try:
                for plan in plans:
                    won_or_lost = yield from self._step(lead_id, channel, segment, amount, plan,
                                                        priority, owners)
                    if won_or_lost == "lose":
                        return
            finally:
                for owner in owners.values():
                    if owner is not None:
                        owner.owned_leads -= 1

    def _step(self, lead_id: int, channel: str, segment: str, amount: float, plan: _StepPlan,
              priority: int, owners: dict[str, Staff | None]
              ) -> Generator[simpy.Event, Any, str]:
        env, record = self.env, self.log.record
        stage, step = plan.stage, plan.name
        queue_wait = 0.0
        if plan.role is not None:
            pool = self.pools[plan.role]
            entered = env.now
            record(entered, lead_id, channel, segment, stage, step, "enqueue", role=plan.role,
                   amount=amount)
            person: Staff = yield pool.request(priority, owners.get(plan.role))
            start = person.calendar.next_open(env.now)
            if start > env.now:
                yield env.timeout(start - env.now)
            queue_wait = env.now - entered
            record(env.now, lead_id, channel, segment, stage, step, "start", staff_id=person.id,
                   role=plan.role, amount=amount)
            work_hours = float(plan.draws.effort_hours[lead_id]) / person.speed
            finish = person.calendar.add_work_hours(env.now, work_hours)
            if finish > env.now:
                yield env.timeout(finish - env.now)
            record(env.now, lead_id, channel, segment, stage, step, "finish", staff_id=person.id,
                   role=plan.role, amount=amount, work_hours=work_hours)
            pool.release(person)
        if plan.client_delay:
            delay = float(plan.draws.client_delay_days[lead_id])
            record(env.now, lead_id, channel, segment, stage, step, "client_wait", amount=amount)
            if delay > 0:
                yield env.timeout(delay)
        p = plan.conversion[segment]
        u = float(plan.draws.decision[lead_id])
        cooled = p if plan.half_life_days is None else p * 0.5 ** (queue_wait / plan.half_life_days)
        if u < cooled or plan.after_sale:
            record(env.now, lead_id, channel, segment, stage, step, "convert", amount=amount)
            if plan.wins:
                record(env.now, lead_id, channel, segment, stage, step, "win", amount=amount)
            return "convert"
        if u < p:
            reason = COOLED
        else:
            r = float(plan.draws.reason[lead_id]) * plan.reason_cum[-1]
            reason = plan.reasons[min(_bisect(plan.reason_cum, r), len(plan.reasons) - 1)]
        record(env.now, lead_id, channel, segment, stage, step, "lose", amount=amount,
               reason=reason)
        return "lose"


def _bisect(cum: tuple[float, ...], x: float) -> int:
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1
