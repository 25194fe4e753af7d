"""How pay changes what people do in the run: attainment against plan, speed and conversion
factors, credit for wins, and who takes a lead when a team bonus makes people share work."""

from __future__ import annotations

import bisect
from collections.abc import Mapping

import simpy

from salesim.simulator.engine.motivation import Drive, drive, pay_at_risk, shares_work
from salesim.simulator.engine.staffing import Staff, Staffing
from salesim.simulator.scenario.months import months_of
from salesim.simulator.scenario.schema import Scenario

NO_DRIVE = Drive()
SHARING_SLACK = 2  # leads more than the least loaded colleague a sharing owner may take on


class Incentives:
    """The motivated roles of a run and the revenue credited to each person, month by month."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, staffing: Staffing) -> None:
        self.env = env
        self.scenario = scenario
        self.staffing = staffing
        self._motivated = {r.name: r for r in scenario.roles if r.behaviour is not None}
        self._month_starts = [m.start for m in months_of(scenario)]
        self._month_spans = [(m.start, m.end, m.label) for m in months_of(scenario)]
        self._credited: dict[str, dict[int, float]] = {}  # person → month index → revenue

    def owner_for(self, role: str, segment: str, rule: str) -> Staff | None:
        """Who owns a new lead: with a team bonus, the colleague furthest behind plan."""
        spec = self._motivated.get(role)
        if spec is not None and shares_work(spec.behaviour, spec.pay):
            return self._sharing_owner(role, segment)
        return self.staffing.pool(role, segment).choose_owner(rule)

    def drive(self, person: Staff, t: float) -> Drive:
        role = self._motivated.get(person.role)
        if role is None or role.behaviour is None:
            return NO_DRIVE
        plan = self.scenario.plan
        team = max(1, len(self.staffing.active(person.role)))
        personal = (plan.for_month(self._month_spans[self._month_index(t)][2]) / team
                    if plan is not None and plan.role == person.role else 0.0)
        at_risk = pay_at_risk(role.salary_per_month, role.pay, personal, team)
        return drive(role.behaviour, role.pay, self._attainment(person, t), at_risk)

    def credit(self, last_by_role: Mapping[str, Staff], amount: float) -> None:
        """A win counts towards the monthly attainment of the people who brought it in."""
        index = self._month_index(self.env.now)
        for role in self._motivated:
            person = last_by_role.get(role)
            if person is not None:
                months = self._credited.setdefault(person.id, {})
                months[index] = months.get(index, 0.0) + amount

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
        team = max(1, len(self.staffing.active(person.role)))
        to_date = plan.for_month(label) * elapsed / team
        if to_date <= 0:
            return None
        return self._credited.get(person.id, {}).get(index, 0.0) / to_date

    def _sharing_owner(self, role: str, segment: str) -> Staff | None:
        """With a team bonus the lead goes to the colleague furthest behind plan, among those
        not already holding many more leads than the least loaded (nobody drowns)."""
        active = self.staffing.pool(role, segment).active
        if not active:
            return None
        now = self.env.now
        lightest = min(s.owned_leads for s in active)
        free = [s for s in active if s.owned_leads <= lightest + SHARING_SLACK]
        return min(free, key=lambda s: (self._attainment(s, now) or 0.0, s.owned_leads))
