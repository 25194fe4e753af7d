"""Tests of engine.structure: the scenario as the engine runs it under each org structure."""

from __future__ import annotations

from salesim.simulator.engine.structure import organised
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import scenario_from_yaml

DEPARTMENT = """
    name: org
    horizon_days: 10
    segments: [smb, ent]
    channels: [{name: web, rate: 1, segment_mix: {smb: 0.5, ent: 0.5}}]
    roles:
      - {name: hunter, headcount: 2}
      - {name: closer, headcount: 1}
      - {name: manager, headcount: 3}
    org:
      structure: STRUCTURE
      full_cycle: {role: manager, replaces: [hunter, closer]}
      pods:
        - {name: small, segments: [smb], headcount: {hunter: 4}}
        - {name: large, segments: [ent], headcount: {hunter: 1}}
    stages:
      - name: work
        steps: [{name: call, role: hunter, conversion: 0.5}, {name: close, role: closer}]
    plan: {monthly_revenue: 100, role: closer}
"""


def _department(structure: str) -> Scenario:
    return scenario_from_yaml(DEPARTMENT.replace("STRUCTURE", structure))


def test_a_conveyor_does_not_hire_the_full_cycle_managers() -> None:
    run = organised(_department("conveyor"))
    assert [r.name for r in run.roles] == ["hunter", "closer"]


def test_full_cycle_gives_the_replaced_roles_work_to_the_manager() -> None:
    run = organised(_department("full_cycle"))
    assert [r.name for r in run.roles] == ["manager"]
    assert [st.role for st in run.stages[0].steps] == ["manager", "manager"]
    assert run.stages[0].assignment == "owned"
    assert run.plan is not None and run.plan.role == "manager"


def test_pods_count_a_split_role_by_its_pods() -> None:
    run = organised(_department("pods"))
    assert [(r.name, r.headcount) for r in run.roles] == [("hunter", 5), ("closer", 1)]
