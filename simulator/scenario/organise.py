"""Who works where: a role's people as teams, one per pod when the department has pods (pure).

The one place that reads a role's headcount from the org structure; the engine hires and routes
by :class:`Seat`, and only the outputs write a seat as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesim.simulator.scenario.schema import Organisation, Scenario


@dataclass(frozen=True)
class Seat:
    """Where a person works: a role, and the pod whose segments they serve (None: no pod)."""

    role: str
    pod: str | None = None

    def __str__(self) -> str:
        """``role@pod``, or the role alone."""
        return self.role if self.pod is None else f"{self.role}@{self.pod}"


@dataclass(frozen=True)
class Team:
    """The people of one seat on day 0."""

    seat: Seat
    headcount: int


def teams(scenario: Scenario) -> tuple[Team, ...]:
    """Every team, role by role in the scenario's order and, for a split role, pod by pod.

    In a department of pods a role named in pods' headcounts has one team per such pod; any other
    role is one team of its ``headcount``.
    """
    out: list[Team] = []
    for role in scenario.roles:
        split = [Team(Seat(role.name, pod.name), pod.headcount[role.name])
                 for pod in scenario.org.pods if role.name in pod.headcount] \
            if scenario.org.structure == "pods" else []
        out.extend(split or [Team(Seat(role.name), role.headcount)])
    return tuple(out)


def headcount_of_split_roles(scenario: Scenario) -> dict[str, int]:
    """A split role's headcount: the total of its pods' teams."""
    total: dict[str, int] = {}
    for team in teams(scenario):
        if team.seat.pod is not None:
            total[team.seat.role] = total.get(team.seat.role, 0) + team.headcount
    return total


def seat_of(org: Organisation, role: str, segment: str) -> Seat:
    """The seat of ``role`` that serves ``segment``: the segment's pod, if the role is split."""
    return Seat(role, org.pod_of(role, segment))
