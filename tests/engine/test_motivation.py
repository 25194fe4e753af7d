"""Motivation: each mechanism of docs/motivation.md does what the page says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesim.simulator.engine.motivation import Drive, drive, pay_at_risk
from salesim.simulator.metrics.money import payroll
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.roles import Behaviour, PayScheme
from tests.conftest import scenario_from_yaml

DEFAULTS = Behaviour()
COMMISSION = PayScheme(commission=0.02)
BONUS = PayScheme(commission=0.02, plan_bonus=20000)


def test_salary_only_sells_average() -> None:
    assert drive(DEFAULTS, None, None, 0.0) == Drive(speed=0.9, conversion=0.95)
    assert drive(DEFAULTS, PayScheme(), 0.5, 0.0) == Drive(speed=0.9, conversion=0.95)


def test_pay_at_risk_raises_effort() -> None:
    assert drive(DEFAULTS, COMMISSION, None, 0.5).speed == pytest.approx(1.15)
    assert drive(DEFAULTS, COMMISSION, None, 0.0).speed == pytest.approx(1.0)


def test_pay_at_risk_is_the_variable_share_of_target_pay() -> None:
    scheme = PayScheme(commission=0.02, plan_bonus=20000, team_bonus=40000,
                       best_result_prize=20000)
    # variable at target: 2% of 1,000,000 + 20,000 + (40,000 + 20,000) / 4 = 55,000
    assert pay_at_risk(90000, scheme, 1_000_000, 4) == pytest.approx(55000 / 145000)
    assert pay_at_risk(90000, None, 1_000_000, 4) == 0.0


def test_effort_rises_near_the_bonus_and_relaxes_after_it() -> None:
    below, near, after = (drive(DEFAULTS, BONUS, a, 0.0).speed for a in (0.5, 0.9, 1.2))
    assert (below, near, after) == pytest.approx((1.0, 1.15, 0.85))


def test_an_accelerator_or_a_team_bonus_keeps_them_going_after_the_bonus() -> None:
    accelerated = BONUS.model_copy(update={"accelerator": 0.01})
    team = BONUS.model_copy(update={"team_bonus": 100000})
    assert drive(DEFAULTS, accelerated, 1.2, 0.0).speed == pytest.approx(1.0)
    assert drive(DEFAULTS, team, 1.2, 0.0).speed == pytest.approx(1.0)
    no_sharing = Behaviour(team_sharing=False)
    assert drive(no_sharing, team, 1.2, 0.0).speed == pytest.approx(0.85)


SALARY_ONLY = """
name: salary
horizon_days: 60
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 5, per: calendar_day}]
roles: [{name: seller, headcount: 2, behaviour: {}}]
stages: [{name: s, steps: [{name: call, role: seller, effort_hours: 0.9}]}]
"""


def test_in_the_engine_a_salaried_seller_works_at_salary_only_speed() -> None:
    events = simulate(scenario_from_yaml(SALARY_ONLY), seed=1).events
    hours = events.loc[events["event"] == "finish", "work_hours"]
    assert len(hours) > 200
    np.testing.assert_allclose(hours, 0.9 / 0.9)


TEAM = """
name: team
horizon_days: 365
warmup_days: 31
calendar: {{start_date: 2026-01-01}}
plan: {{monthly_revenue: 600000, role: closer}}
channels: [{{name: web, rate: 4, per: working_day, deal_size: 10000}}]
roles:
  - name: closer
    headcount: 4
    conversion_skill: {{dist: empirical, values: [0.5, 0.8, 1.0, 1.3]}}
    pay: {{commission: 0.02, plan_bonus: 10000{team}}}
    behaviour: {{}}
stages:
  - name: close
    assignment: owned
    steps:
      - {{name: call, role: closer, effort_hours: 1, client_delay_days: 3}}
      - {{name: contract, role: closer, effort_hours: 1, conversion: 0.6, wins: true}}
"""


def _attainment_spread(team_bonus: str) -> float:
    scenario = scenario_from_yaml(TEAM.format(team=team_bonus))
    spreads = []
    for replication in range(3):
        result = simulate(scenario, seed=5, replication=replication)
        pay = payroll(result.events, result.staff, result.scenario)
        pay = pay[pay["month"] > "2026-01"]
        attainment = pay["credited_revenue"].astype(float) / pay["personal_plan"].astype(float)
        spreads.append(float(attainment.groupby(pay["month"]).std().mean()))
    return float(np.mean(spreads))


def test_a_team_bonus_lowers_the_spread_of_plan_attainment() -> None:
    """Those ahead pass new leads to lagging colleagues (docs/motivation.md)."""
    alone = _attainment_spread("")
    together = _attainment_spread(", team_bonus: 40000")
    assert together < 0.7 * alone


def test_payroll_columns_are_exact_decimals() -> None:
    scenario = scenario_from_yaml(TEAM.format(team=""))
    result = simulate(scenario.with_overrides(horizon_days=60), seed=1)
    pay = payroll(result.events, result.staff, result.scenario)
    # warm-up 31 days: the measured window is February and the first day of March
    assert isinstance(pay, pd.DataFrame) and len(pay) == 8
    assert all(str(v).count(".") == 1 and len(str(v).split(".")[1]) == 2
               for v in pay["total"])
