"""Tests of engine.cases: the compiled route, and what a case and a client remember."""

from __future__ import annotations

import math

import numpy as np

from salesim.simulator.engine.cases import CLIENT_STAGE, Case, Client, compile_route
from salesim.simulator.engine.draws import draw_steps
from salesim.simulator.engine.rng import Streams
from tests.conftest import scenario_from_yaml

SCENARIO = """
    name: route
    horizon_days: 10
    segments: [smb, ent]
    channels:
      - {name: web, rate: 1, segment_mix: {smb: 0.5, ent: 0.5}}
      - {name: fair, rate: 1, segment_mix: {smb: 0.5, ent: 0.5}}
    roles: [{name: hunter, headcount: 1}]
    stages:
      - name: sales
        queue: priority
        steps:
          - {name: call, role: hunter, conversion: 0.5, loss_reasons: {price: 0.25, time: 0.75}}
          - {name: demo, role: hunter, segments: [ent], conversion: 0.8}
          - {name: booth, role: hunter, channels: [fair]}
      - name: fulfilment
        steps: [{name: ship, role: hunter}]
"""


def test_the_route_of_each_kind_of_lead() -> None:
    scenario = scenario_from_yaml(SCENARIO)
    route = compile_route(scenario, draw_steps(scenario, Streams(1), 3))
    assert [s.name for s in route.stages] == ["sales", "fulfilment"]
    assert route.stages[0].queue == "priority"
    assert route.win_stage == 0
    assert route.ship_stage == 1
    assert [[p.name for p in stage] for stage in route.steps("smb", "web")] == [
        ["call"], ["ship"]]
    assert [[p.name for p in stage] for stage in route.steps("ent", "fair")] == [
        ["call", "demo", "booth"], ["ship"]]
    call, demo = route.stages[0].steps[0], route.stages[0].steps[1]
    assert call.reasons == ("price", "time") and call.reason_cum == (0.25, 1.0)
    assert (demo.wins, demo.after_sale) == (True, False)
    assert route.stages[1].steps[0].after_sale
    assert len(call.draws.decision) == 3


def _client(lead_id: int) -> Client:
    return Client(lead_id, "web", "smb", 10.0, 10.0, None, np.random.default_rng(0), 90.0)


def test_a_client_remembers_slow_answers_and_late_work() -> None:
    client = _client(4)
    client.remember_slow(10.0, CLIENT_STAGE)
    assert (client.unanswered_until, client.late_until) == (100.0, -math.inf)
    client.remember_slow(20.0, "fulfilment")
    assert client.late_until == 110.0


def test_a_case_names_its_client_only_on_a_repeat_order() -> None:
    lead = Case(4, "web", "smb", 10.0, 0, "round_robin", {})
    assert lead.client_id == -1
    lead.client = _client(4)
    assert lead.client_id == -1
    order = Case(12, "web", "smb", 5.0, 0, "least_loaded", {}, client=lead.client)
    assert order.client_id == 4
