"""Tests of engine.staffing: one pool per seat, hired on day 0 with the team's headcount."""

from __future__ import annotations

import simpy

from salesim.simulator.engine.rng import Streams
from salesim.simulator.engine.staffing import Staff, Staffing
from salesim.simulator.engine.structure import organised
from salesim.simulator.scenario.organise import Seat
from tests.engine.test_structure import _department


def test_pools_per_seat_with_the_pods_headcount() -> None:
    scenario = organised(_department("pods"))
    staffing = Staffing(simpy.Environment(), scenario, Streams(1))
    assert {seat: len(pool.staff) for seat, pool in staffing.pools.items()} == {
        Seat("hunter", "small"): 4, Seat("hunter", "large"): 1, Seat("closer"): 1}
    assert staffing.pool("hunter", "ent").seat == Seat("hunter", "large")
    assert [p.id for p in staffing.pools[Seat("hunter", "large")].staff] == ["hunter-5"]
    assert len(staffing.active("hunter")) == 5


def test_a_lost_owner_is_replaced_when_the_crm_keeps_history() -> None:
    scenario = organised(_department("conveyor"))
    staffing = Staffing(simpy.Environment(), scenario, Streams(1))
    gone = staffing.pools[Seat("hunter")].staff[0]
    gone.owned_leads = 1
    staffing.pools[Seat("hunter")].leave(gone)
    owners: dict[str, Staff | None] = {"hunter": gone}
    assert staffing.take_over("hunter", "least_loaded", owners, "smb")
    assert gone.owned_leads == 0
    assert owners["hunter"] is not None and owners["hunter"].id == "hunter-2"
    assert owners["hunter"].owned_leads == 1
