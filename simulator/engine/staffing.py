"""The people: staff of each seat, their calendars and queues, hiring, attrition and cuts."""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from salesim.simulator.engine.rng import Streams
from salesim.simulator.scenario.bounds import MIN_SPEED
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.organise import Seat, seat_of, teams
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import MONTH_DAYS


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
    seat: Seat  # where they work: the role, and its pod if the role is split
    hired_at: float = 0.0
    ramp_days: float = 0.0
    ramp_start: float = 1.0
    left_at: float | None = None
    leaving: bool = False  # leaves when the work at hand is done
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
    """The people of one seat (a role, or a role's pod) and the leads waiting for them.

    Pooled requests wait in the role's shared queue; owned requests wait in their owner's personal
    queue. A person who becomes free takes the best (priority, arrival order) request among the
    shared queue and their own queue; an idle person is found in the order they became idle.
    A request fires with the Staff who takes the work, or with None when the owner it waited
    for has left (the lead then finds a new owner or is lost).
    """

    def __init__(self, env: simpy.Environment, seat: Seat) -> None:
        self.env = env
        self.seat = seat
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


class Staffing:
    """Every seat's pool, and the processes that hire, lose and cut people."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, streams: Streams) -> None:
        self.env = env
        self.scenario = scenario
        self.streams = streams
        self.pools: dict[Seat, RolePool] = {}
        self._pools_of: dict[str, list[RolePool]] = {}
        self._hired: dict[str, int] = {}
        self._serving: dict[tuple[str, str], RolePool] = {}  # (role, segment) → pool, on demand
        day_zero = teams(scenario)
        for team in day_zero:
            self.pools[team.seat] = RolePool(env, team.seat)
            self._pools_of.setdefault(team.seat.role, []).append(self.pools[team.seat])
        self._handover = {role.name: streams.named("decisions", f"{role.name}/handover")
                          for role in scenario.roles}
        for role in scenario.roles:
            for team in (t for t in day_zero if t.seat.role == role.name):
                for _ in range(team.headcount):
                    self.hire(role.name, initial=True, seat=team.seat)
            if role.headcount_changes:
                env.process(self._planned_changes(role.name))

    def pool(self, role: str, segment: str) -> RolePool:
        """The pool of a role that serves a segment (the segment's pod, if any)."""
        key = (role, segment)
        found = self._serving.get(key)
        if found is None:
            found = self._serving[key] = self.pools[seat_of(self.scenario.org, role, segment)]
        return found

    def active(self, role: str) -> list[Staff]:
        return [s for pool in self._pools_of[role] for s in pool.active]

    def hire(self, role: str, initial: bool = False, seat: Seat | None = None) -> Staff:
        """Hire person number k of a role: their traits come from their own named stream."""
        spec = self.scenario.role(role)
        if seat is None:  # the pool (pod) with the fewest people
            seat = min(self._pools_of[role], key=lambda p: len(p.active)).seat
        number = self._hired.get(role, 0) + 1
        self._hired[role] = number
        traits = self.streams.named("people", f"{role}#{number}")
        speed = float(spec.speed.sample(traits, 1)[0])
        skill = float(spec.conversion_skill.sample(traits, 1)[0])
        ramp = spec.ramp_up if not initial else None
        person = Staff(
            id=f"{role}-{number}", role=role, seat=seat, speed=max(speed, MIN_SPEED), skill=skill,
            calendar=self.scenario.work_calendar(role), hired_at=self.env.now,
            ramp_days=ramp.days if ramp else 0.0, ramp_start=ramp.start if ramp else 1.0,
        )
        self.pools[seat].hire(person)
        if spec.attrition_per_month > 0:
            rate = -math.log1p(-spec.attrition_per_month) / MONTH_DAYS
            stay = float(traits.exponential(1 / rate))
            self.env.process(self._attrition(person, stay))
        return person

    def take_over(self, role: str, rule: str, owners: dict[str, Staff | None],
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
        new = self.pool(role, segment).choose_owner(rule)
        if new is not None:
            new.owned_leads += 1
        owners[role] = new
        return True

    def _attrition(self, person: Staff, stay_days: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(stay_days)
        if not person.active:
            return
        self.pools[person.seat].leave(person)
        lag = self.scenario.role(person.role).replacement_lag_days
        if lag is not None:
            yield self.env.timeout(lag)
            self.hire(person.role, seat=person.seat)

    def _planned_changes(self, role: str) -> Generator[simpy.Event, Any, None]:
        for change in self.scenario.role(role).headcount_changes:
            if change.day > self.env.now:
                yield self.env.timeout(change.day - self.env.now)
            active = self.active(role)
            for _ in range(change.headcount - len(active)):
                self.hire(role)
            # a cut lets go of the least productive first (the seed's weekly efficiency ranking)
            cut = sorted(active, key=lambda s: (s.speed * s.skill, s.id))
            for person in cut[:max(0, len(active) - change.headcount)]:
                self.pools[person.seat].leave(person)


def release(owners: dict[str, Staff | None]) -> None:
    """The owners of a lead that is done with them hold one lead fewer."""
    for owner in owners.values():
        if owner is not None:
            owner.owned_leads -= 1
