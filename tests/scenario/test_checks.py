"""Tests of scenario.checks: each check on its own, on a scenario broken in one place.

The scenarios are broken with ``model_copy`` (no validation), so each check sees exactly the
problem it is written for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from salesim.simulator.scenario import checks
from salesim.simulator.scenario.checks import Problem, Problems, first_problem
from salesim.simulator.scenario.roles import HeadcountChange
from salesim.simulator.scenario.schema import Pod, Scenario
from tests.conftest import scenario_from_yaml

GOOD = """
    name: good
    horizon_days: 30
    segments: [smb, ent]
    channels: [{name: web, rate: 1, segment_mix: {smb: 0.5, ent: 0.5}}]
    roles: [{name: hunter, headcount: 2}, {name: farmer, headcount: 1}]
    stages:
      - name: sales
        steps: [{name: call, role: hunter, conversion: 0.5}]
      - name: fulfilment
        steps: [{name: ship, role: hunter}]
    clients: {owner_role: farmer}
"""


@pytest.fixture(scope="module")
def good() -> Scenario:
    return scenario_from_yaml(GOOD)


def _with(scenario: Scenario, **update: Any) -> Scenario:
    return scenario.model_copy(update=update)


def _first(check: Callable[[Scenario], Problems], scenario: Scenario) -> Problem | None:
    return next(iter(check(scenario)), None)


def test_a_good_scenario_has_no_problem(good: Scenario) -> None:
    assert first_problem(good) is None
    assert all(list(check(good)) == [] for check in checks.CHECKS)


def test_unique_names(good: Scenario) -> None:
    broken = _with(good, segments=("smb", "smb"))
    assert _first(checks.unique_names, broken) == (
        ("segments", 1), "duplicate segment name 'smb'; segment names must be unique")


def test_warmup_before_horizon(good: Scenario) -> None:
    assert _first(checks.warmup_before_horizon, _with(good, warmup_days=30.0)) == (
        ("warmup_days",), "must be shorter than horizon_days (30), got 30")


def test_channels_fit_segments(good: Scenario) -> None:
    channel = good.channels[0].model_copy(update={"segment_mix": {"smb": 0.5, "ent": 0.4}})
    assert _first(checks.channels_fit_segments, _with(good, channels=(channel,))) == (
        ("channels", 0, "segment_mix"), "shares must sum to 1, they sum to 0.9")


def test_margin_per_segment(good: Scenario) -> None:
    assert _first(checks.margin_per_segment, _with(good, gross_margin={"smb": 0.3})) == (
        ("gross_margin",), "has no margin for segment(s) ent")


def test_roles_are_workable(good: Scenario) -> None:
    role = good.roles[0].model_copy(update={"headcount_changes": (
        HeadcountChange(day=5.0, headcount=1), HeadcountChange(day=5.0, headcount=2))})
    assert _first(checks.roles_are_workable, _with(good, roles=(role, good.roles[1]))) == (
        ("roles", 0, "headcount_changes"),
        "changes must be in increasing order of day, one per day")


def test_client_base_fits(good: Scenario) -> None:
    assert good.clients is not None
    clients = good.clients.model_copy(update={"order_stages": ("sales",)})
    assert _first(checks.client_base_fits, _with(good, clients=clients)) == (
        ("clients", "order_stages", 0),
        "'sales' comes before the winning step; a repeat order goes through after-sale "
        "stages only")


def test_structure_is_complete(good: Scenario) -> None:
    org = good.org.model_copy(update={"structure": "pods"})
    assert _first(checks.structure_is_complete, _with(good, org=org)) == (
        ("org", "pods"), "structure pods needs at least one pod: "
                         "{name, segments, headcount: {role: n}}")


def test_pods_serve_each_segment_once(good: Scenario) -> None:
    pods = (Pod(name="p", segments=("smb",), headcount={"hunter": 1}),)
    org = good.org.model_copy(update={"structure": "pods", "pods": pods})
    assert _first(checks.pods_serve_each_segment_once, _with(good, org=org)) == (
        ("org", "pods"), "no pod serves segment(s) ent")


def test_full_cycle_roles_exist(good: Scenario) -> None:
    cycle = scenario_from_yaml(GOOD.replace("    roles: [", "    roles: [{name: manager, "
                                            "headcount: 1}, ") + """
    org: {full_cycle: {role: manager, replaces: [hunter]}}
    """).org.full_cycle
    assert cycle is not None
    wrong = cycle.model_copy(update={"replaces": ("manager",)})
    org = good.org.model_copy(update={"full_cycle": wrong})
    assert list(checks.full_cycle_roles_exist(_with(good, org=org))) == [
        (("org", "full_cycle", "role"), "unknown role 'manager'; allowed: hunter, farmer"),
        (("org", "full_cycle", "replaces", 0),
         "'manager' must be one of the other roles: hunter, farmer"),
    ]


def test_plan_role_exists(good: Scenario) -> None:
    plan = scenario_from_yaml(GOOD + """
    plan: {monthly_revenue: 100, role: hunter}
    """).plan
    assert plan is not None
    broken = _with(good, plan=plan.model_copy(update={"role": "closer"}))
    assert _first(checks.plan_role_exists, broken) == (
        ("plan", "role"), "unknown role 'closer'; allowed: hunter, farmer")


def test_one_shipping_stage_after_win(good: Scenario) -> None:
    stages = (good.stages[0].model_copy(update={"ships": True}), good.stages[1])
    assert _first(checks.one_shipping_stage_after_win, _with(good, stages=stages)) == (
        ("stages", 0, "ships"),
        "the stage that ships must come after the stage of the winning step")


def test_step_names_what_exists(good: Scenario) -> None:
    step = good.stages[0].steps[0].model_copy(update={"role": "closer"})
    assert _first(lambda s: checks.step_names_what_exists(s, ("x",), step), good) == (
        ("x", "role"),
        "unknown role 'closer'; allowed: hunter, farmer or null for a pure client wait")


def test_step_fits_its_place(good: Scenario) -> None:
    stage = good.stages[1]
    step = stage.steps[0].model_copy(update={"late_penalty": 0.1})
    assert _first(lambda s: checks.step_fits_its_place(s, 1, 0, stage, step), good) == (
        ("stages", 1, "steps", 0, "late_penalty"),
        "a late-delivery penalty needs the promised time: set sla_days")
    winning_twice = stage.steps[0].model_copy(update={"wins": True})
    assert _first(lambda s: checks.step_fits_its_place(s, 1, 0, stage, winning_twice),
                  good) == (("stages", 1, "steps", 0, "wins"), "only one step can win the deal")


def test_labels_name_what_exists(good: Scenario) -> None:
    broken = _with(good, segment_labels={"mid": "Mid-market"})
    assert _first(checks.labels_name_what_exists, broken) == (
        ("segment_labels", "mid"), "unknown segment 'mid'; allowed: ent, smb")


def test_pieces() -> None:
    assert list(checks.unique(("p",), ["a", "b", "a", "b"], "pod", key="name")) == [
        (("p", 2, "name"), "duplicate pod name 'a'; pod names must be unique")]
    assert list(checks.known_keys(("m",), {"a": 1, "z": 2, "y": 3}, {"a"}, "segment")) == [
        (("m", "z"), "unknown segment 'z'; allowed: a")]
    assert list(checks.sums_to_one(("s",), {"a": 0.5, "b": 0.5})) == []
    assert checks.names([]) == "(none defined)"


def test_the_first_problem_follows_the_order_of_the_checks(good: Scenario) -> None:
    broken = _with(good, warmup_days=40.0, segment_labels={"mid": "Mid"})
    assert first_problem(broken) == (("warmup_days",),
                                     "must be shorter than horizon_days (30), got 40")
