"""People: skill, ramp-up of new hires, attrition with replacement, planned headcount changes,
and what happens to a leaver's leads."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd
import pytest

from salesim.simulator.engine.model import Leads, SalesModel
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.reasons import OWNER_LEFT
from tests.conftest import scenario_from_yaml

ALWAYS_OPEN = '{weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}'


def test_a_new_hire_works_at_half_speed_halfway_up_the_ramp() -> None:
    scenario = scenario_from_yaml(f"""
    name: ramp
    horizon_days: 40
    calendar: {ALWAYS_OPEN}
    channels: [{{name: web, rate: 1, per: calendar_day}}]
    roles:
      - name: seller
        headcount: 0
        ramp_up: {{days: 20, start: 0.0}}
        headcount_changes: [{{day: 0, headcount: 1}}]
    stages: [{{name: s, steps: [{{name: call, role: seller, effort_hours: 1}}]}}]
    """)
    arrive = np.array([5.0, 10.0, 30.0])
    leads = Leads(time=arrive, channel=["web"] * 3, segment=["default"] * 3,
                  amount=np.zeros(3))
    model = SalesModel(scenario, leads=leads)
    model.run()
    events = model.log.to_frame()
    hours = events.loc[events["event"] == "finish", "work_hours"].tolist()
    # productivity 0.25 on day 5, 0.5 on day 10 (halfway), 1 after day 20
    assert hours == pytest.approx([4.0, 2.0, 1.0])


ATTRITION = f"""
name: attrition
horizon_days: 30.4375
calendar: {ALWAYS_OPEN}
channels: [{{name: web, rate: 0.01, per: calendar_day}}]
roles: [{{name: seller, headcount: 200, attrition_per_month: 0.1}}]
stages: [{{name: s, steps: [{{name: call, role: seller, effort_hours: 1}}]}}]
"""


def test_attrition_loses_the_monthly_hazard_share_of_the_staff() -> None:
    scenario = scenario_from_yaml(ATTRITION)
    left = [simulate(scenario, seed=4, replication=r).staff["left_at"].notna().mean()
            for r in range(10)]
    share = float(np.mean(left))
    standard_error = math.sqrt(0.1 * 0.9 / 2000)
    assert share == pytest.approx(0.1, abs=4 * standard_error)


def test_leavers_are_replaced_after_the_lag() -> None:
    scenario = scenario_from_yaml(ATTRITION.replace(
        "attrition_per_month: 0.1", "attrition_per_month: 0.5, replacement_lag_days: 7"))
    staff = simulate(scenario, seed=2).staff
    leavers = staff[staff["left_at"].notna()].sort_values("left_at")
    hires = staff[staff["hired_at"] > 0].sort_values("hired_at")
    # every leaver before day horizon-7 has a successor exactly 7 days later
    replaced = leavers[leavers["left_at"] < 30.4375 - 7]
    assert len(replaced) > 50
    np.testing.assert_allclose(hires["hired_at"].to_numpy()[:len(replaced)],
                               replaced["left_at"].to_numpy() + 7)
    assert hires["staff_id"].iloc[0] == "seller-201"


def test_a_planned_cut_lets_the_least_productive_go() -> None:
    scenario = scenario_from_yaml(f"""
    name: cut
    horizon_days: 120
    calendar: {ALWAYS_OPEN}
    channels: [{{name: web, rate: 20, per: calendar_day}}]
    roles:
      - name: seller
        headcount: 6
        speed: {{dist: uniform, low: 0.5, high: 1.5}}
        headcount_changes: [{{day: 60, headcount: 4}}, {{day: 90, headcount: 5}}]
    stages: [{{name: s, steps: [{{name: call, role: seller, effort_hours: 2}}]}}]
    """)
    result = simulate(scenario, seed=8)
    staff = result.staff.set_index("staff_id")
    initial = staff.loc[[f"seller-{k}" for k in range(1, 7)]]
    gone = initial[initial["left_at"].notna()]
    assert sorted(gone.index) == sorted(initial["speed"].nsmallest(2).index)
    assert ((gone["left_at"] >= 60) & (gone["left_at"] < 60 + 2 / 24 / 0.5 + 1e-9)).all()
    assert staff.loc["seller-7", "hired_at"] == 90
    # nobody who left started new work after leaving
    starts = result.events[result.events["event"] == "start"]
    for staff_id, row in gone.iterrows():
        assert (starts.loc[starts["staff_id"] == staff_id, "time"] < row["left_at"]).all()


OWNED = f"""
name: owned
horizon_days: 60
calendar: {ALWAYS_OPEN}
crm_keeps_history: %s
lost_when_owner_leaves: 0.4
channels: [{{name: web, rate: 30, per: calendar_day}}]
roles:
  - name: closer
    headcount: 4
    headcount_changes: [{{day: 30, headcount: 2}}]
stages:
  - name: close
    assignment: owned
    steps:
      - {{name: call, role: closer, effort_hours: 0.5, client_delay_days: 3}}
      - {{name: contract, role: closer, effort_hours: 0.5}}
"""


def _owner_left_losses(keeps_history: bool) -> pd.DataFrame:
    events = simulate(scenario_from_yaml(OWNED % str(keeps_history).lower()), seed=5).events
    return events[(events["event"] == "lose") & (events["reason"] == OWNER_LEFT)]


def test_with_crm_history_a_leavers_leads_go_to_colleagues() -> None:
    assert len(_owner_left_losses(True)) == 0


def test_without_crm_history_a_share_of_a_leavers_leads_is_lost() -> None:
    lost = _owner_left_losses(False)
    # the two leavers own about 2 × 30 × 3 / 4 ≈ 45 leads waiting on clients at day 30
    assert 5 < len(lost) < 40
    assert (lost["time"] >= 30).all() and (lost["step"] == "contract").all()


def test_conversion_skill_multiplies_the_conversion_of_the_persons_steps() -> None:
    scenario = scenario_from_yaml(f"""
    name: skill
    horizon_days: 200
    calendar: {ALWAYS_OPEN}
    channels: [{{name: web, rate: 10, per: calendar_day}}]
    roles: [{{name: seller, headcount: 2, conversion_skill: 0.5}}]
    stages:
      - name: s
        steps:
          - {{name: call, role: seller, effort_hours: 0.2}}
          - {{name: decide, client_delay_days: 1, conversion: 0.8}}
    """)
    steps = simulate(scenario, seed=1).metrics().steps.set_index("step")
    decided = cast(int, steps.loc["decide", "converted"]) + cast(int, steps.loc["decide", "lost"])
    assert steps.loc["decide", "conversion"] == pytest.approx(
        0.4, abs=4 * math.sqrt(0.24 / decided))
