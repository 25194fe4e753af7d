"""Tests of scenario.organise: a role's headcount as typed teams, one per pod."""

from __future__ import annotations

from salesim.simulator.scenario.organise import (
    Seat,
    Team,
    headcount_of_split_roles,
    seat_of,
    teams,
)
from tests.conftest import scenario_from_yaml

PODS = """
    name: pods
    horizon_days: 10
    segments: [smb, ent]
    channels: [{name: web, rate: 1, segment_mix: {smb: 0.5, ent: 0.5}}]
    roles:
      - {name: hunter, headcount: 9}
      - {name: closer, headcount: 1}
    org:
      structure: pods
      pods:
        - {name: small, segments: [smb], headcount: {hunter: 2}}
        - {name: large, segments: [ent], headcount: {hunter: 3}}
    stages:
      - name: work
        steps: [{name: call, role: hunter}, {name: close, role: closer}]
"""


def test_a_split_role_has_one_team_per_pod_and_the_others_one_team() -> None:
    assert teams(scenario_from_yaml(PODS)) == (
        Team(Seat("hunter", "small"), 2), Team(Seat("hunter", "large"), 3),
        Team(Seat("closer"), 1))


def test_without_pods_every_role_is_one_team() -> None:
    conveyor = scenario_from_yaml(PODS.replace("structure: pods", "structure: conveyor"))
    assert teams(conveyor) == (Team(Seat("hunter"), 9), Team(Seat("closer"), 1))
    assert headcount_of_split_roles(conveyor) == {}


def test_a_split_role_counts_its_pods() -> None:
    assert headcount_of_split_roles(scenario_from_yaml(PODS)) == {"hunter": 5}


def test_the_seat_serving_a_segment() -> None:
    org = scenario_from_yaml(PODS).org
    assert seat_of(org, "hunter", "ent") == Seat("hunter", "large")
    assert seat_of(org, "closer", "ent") == Seat("closer")


def test_a_seat_is_written_role_at_pod() -> None:
    assert str(Seat("hunter", "small")) == "hunter@small"
    assert str(Seat("closer")) == "closer"
