"""Org structures: the same leads through a conveyor or a full-cycle department."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from salesim.simulator.runner import simulate
from salesim.simulator.scenario.reasons import HANDOFF
from tests.conftest import scenario_from_yaml

DEPARTMENT = """
name: org
horizon_days: 240
warmup_days: 30
channels:
  - {name: inbound, rate: 4, per: working_day}
  - {name: outsourced_calls, rate: 3, per: working_day, cost_per_lead: 400}
roles:
  - {name: qualifier, headcount: 1}
  - {name: hunter, headcount: 3}
  - {name: closer, headcount: 2}
  - {name: farmer, headcount: 1}
  - {name: manager, headcount: 6}
org:
  structure: %s
  handoff: {delay_days: 2, loss: 0.1}
  full_cycle: {role: manager, replaces: [hunter, closer, farmer]}
stages:
  - name: lead_generation
    steps:
      - {name: mql_check, role: qualifier, effort_hours: 0.2, channels: [inbound]}
  - name: lead_development
    assignment: owned
    steps:
      - {name: qualification, role: hunter, effort_hours: 0.5, client_delay_days: 1,
         conversion: 0.7}
      - {name: presentation, role: hunter, effort_hours: 1.5, client_delay_days: 3,
         conversion: 0.6}
  - name: conversion
    assignment: owned
    steps:
      - {name: proposal, role: closer, effort_hours: 2, client_delay_days: 4, conversion: 0.5}
      - {name: contract, role: closer, effort_hours: 1, wins: true}
  - name: account_management
    steps:
      - {name: handover, role: farmer, effort_hours: 1}
"""


@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    return {structure: simulate(scenario_from_yaml(DEPARTMENT % structure), seed=4).events
            for structure in ("conveyor", "full_cycle")}


def test_a_conveyor_loses_leads_at_each_hand_off(runs: dict[str, pd.DataFrame]) -> None:
    conveyor = runs["conveyor"]
    dropped = conveyor[(conveyor["event"] == "lose") & (conveyor["reason"] == HANDOFF)]
    # hand-offs before the win: qualifier → hunter (inbound leads only), hunter → closer
    into = dropped.groupby(dropped["stage"].astype(str)).size()
    entered = conveyor[conveyor["event"] == "convert"]
    passed_development = entered[(entered["stage"] == "lead_development")
                                 & (entered["step"] == "presentation")]["lead_id"].nunique()
    expected = 0.1 * (passed_development + int(into["conversion"]))
    assert into["conversion"] == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert "account_management" not in into  # after the win nothing is lost
    assert not (runs["full_cycle"]["reason"] == HANDOFF).any()


def test_full_cycle_keeps_one_manager_from_first_call_to_client(
        runs: dict[str, pd.DataFrame]) -> None:
    work = runs["full_cycle"]
    starts = work[(work["event"] == "start") & (work["role"] == "manager")]
    assert set(work.loc[work["event"] == "start", "role"].astype(str)) == {"qualifier", "manager"}
    assert starts.groupby("lead_id")["staff_id"].nunique().max() == 1


def test_full_cycle_wins_more_and_faster_when_hand_offs_cost(
        runs: dict[str, pd.DataFrame]) -> None:
    """Documented direction (docs/org.md): without hand-off losses and delays, a lightly loaded
    full-cycle department wins more of the same leads, sooner."""
    def won(events: pd.DataFrame) -> pd.Series:
        arrive = events[events["event"] == "arrive"].set_index("lead_id")["time"]
        win = events[events["event"] == "win"].set_index("lead_id")["time"]
        return win - arrive.reindex(win.index)
    conveyor, full = won(runs["conveyor"]), won(runs["full_cycle"])
    assert len(full) > 1.1 * len(conveyor)
    assert full.median() < conveyor.median() - 3  # two hand-offs of 2 days each


def test_outsourced_leads_skip_in_house_qualification(runs: dict[str, pd.DataFrame]) -> None:
    events = runs["conveyor"]
    checked = events[(events["step"] == "mql_check") & (events["event"] == "start")]
    assert set(checked["channel"].astype(str)) == {"inbound"}
    outsourced = events[(events["channel"] == "outsourced_calls") & (events["event"] == "start")]
    assert outsourced["step"].astype(str).iloc[0] == "qualification"


def test_full_cycle_needs_its_role() -> None:
    from salesim.simulator.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"org.full_cycle.replaces\[0\]"):
        scenario_from_yaml((DEPARTMENT % "full_cycle").replace(
            "replaces: [hunter, closer, farmer]", "replaces: [hunterz]"))


PODS = """
name: pods
horizon_days: 200
warmup_days: 20
segments: [A, C]
channels: [{name: web, rate: 22, per: working_day, segment_mix: {A: 0.25, C: 0.75}}]
roles:
  - {name: seller, headcount: 5}   # pooled: the same five sellers, serving every segment
  - {name: expert, headcount: 1}
org:
  structure: %s
  pods:
    - {name: enterprise, segments: [A], headcount: {seller: 2, expert: 1}}
    - {name: smb, segments: [C], headcount: {seller: 3}}
stages:
  - name: sell
    steps:
      - {name: call, role: seller, effort_hours: 1.5, client_delay_days: 1}
      - {name: review, role: expert, effort_hours: 0.5, segments: [A]}
"""


def test_pods_serve_their_own_segments() -> None:
    result = simulate(scenario_from_yaml(PODS % "pods"), seed=2)
    staff = result.staff.set_index("staff_id")
    assert staff["pod"].to_dict() == {"seller-1": "enterprise", "seller-2": "enterprise",
                                      "seller-3": "smb", "seller-4": "smb", "seller-5": "smb",
                                      "expert-1": "enterprise"}
    starts = result.events[result.events["event"] == "start"]
    pod = starts["staff_id"].astype(str).map(staff["pod"])
    segment = starts["segment"].astype(str)
    assert (pod[segment == "A"] == "enterprise").all()
    assert (pod[segment == "C"] == "smb").all()
    # the role's table sums its pods: 5 sellers
    roles = result.metrics().roles.set_index("role")
    assert roles.loc["seller", "headcount"] == 5


def test_pods_shield_a_segment_but_lose_the_pooling() -> None:
    """Documented direction (docs/org.md): the enterprise pod's leads do not queue behind the
    crowd of small leads, but the crowded pod makes its leads wait far longer than a shared pool
    of the same five sellers would."""
    def waits(structure: str) -> pd.Series:
        result = simulate(scenario_from_yaml(PODS % structure), seed=2)
        from salesim.simulator.metrics.flow import step_visits

        visits = step_visits(result.events, result.scenario)
        calls = visits[visits["step"] == "call"]
        return calls.groupby(calls["segment"].astype(str))["wait_work_hours"].mean()
    # load: pooled 73%; enterprise pod 46%, smb pod 92%
    pods, pooled = waits("pods"), waits("conveyor")
    assert pods["C"] > 5 * pooled["C"]
    assert pods["A"] < 0.2 * pods["C"]
    assert pods["A"] < 2 * pooled["A"]
