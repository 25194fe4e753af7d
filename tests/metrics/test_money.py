"""Pay to the kopeck and the monthly P&L, on a hand-built event log."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from salesim.simulator.engine.events import frame_from_columns
from salesim.simulator.metrics.money import credited_wins, late_penalties, payroll, pnl
from salesim.simulator.scenario.months import months_of
from tests.conftest import scenario_from_yaml

SCENARIO = scenario_from_yaml("""
name: pay
horizon_days: 59          # January and February 2026, whole
calendar: {start_date: 2026-01-01}
gross_margin: 0.25
channels: [{name: web, rate: 1, cost_per_lead: 1000}]
plan: {monthly_revenue: 1000000, role: closer}
roles:
  - name: closer
    headcount: 2
    salary_per_month: 90000
    pay:
      commission: 0.05
      plan_bonus: 20000
      accelerator: 0.03
      team_bonus: 50000
      best_result_prize: 10000
      kpi_bonus: {contract: 500}
stages:
  - name: close
    steps:
      - {name: proposal, role: closer, effort_hours: 1}
      - {name: contract, role: closer, effort_hours: 1, wins: true, conversion: 0.5}
""")

# closer-2 leaves on 14 February at noon: 14.5 days of February
STAFF = pd.DataFrame({"staff_id": ["closer-1", "closer-2"], "role": ["closer", "closer"],
                      "speed": [1.0, 1.0], "skill": [1.0, 1.0], "hired_at": [0.0, 0.0],
                      "left_at": [math.nan, 45.5]})

WINS = [  # lead, closer, last step the closer finished, win time, amount
    (0, "closer-1", "contract", 5.0, 400_000.0),
    (1, "closer-1", "contract", 10.0, 250_000.0),
    (2, "closer-2", "contract", 20.0, 300_000.0),
    (3, "closer-1", "proposal", 35.0, 700_000.0),
    (4, "closer-2", "proposal", 40.0, 350_000.5),
]


def _events() -> pd.DataFrame:
    cols: dict[str, list[object]] = {c: [] for c in ("time", "lead_id", "channel", "segment",
                                                      "stage", "step", "event", "staff_id",
                                                      "role", "amount", "reason", "work_hours")}

    def add(time: float, lead: int, step: str, event: str, staff: str, amount: float) -> None:
        for key, value in (("time", time), ("lead_id", lead), ("channel", "web"),
                           ("segment", "default"), ("stage", "" if event == "arrive" else "close"),
                           ("step", step), ("event", event), ("staff_id", staff),
                           ("role", "closer" if staff else ""), ("amount", amount),
                           ("reason", ""), ("work_hours", 1.0 if event == "finish" else 0.0)):
            cols[key].append(value)

    arrivals = [1.0, 2.0, 3.0, 32.0, 33.0]
    for (lead, staff, step, won, amount), arrived in zip(WINS, arrivals, strict=True):
        add(arrived, lead, "", "arrive", "", amount)
        add(won - 0.6, lead, step, "start", staff, amount)
        add(won - 0.5, lead, step, "finish", staff, amount)
        add(won, lead, "contract", "win", "", amount)
    frame = frame_from_columns(cols)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def test_months_of_the_run() -> None:
    months = months_of(SCENARIO)
    assert [(m.label, m.start, m.end, m.days_in_month) for m in months] == [
        ("2026-01", 0.0, 31.0, 31), ("2026-02", 31.0, 59.0, 28)]


def test_each_deal_is_credited_to_the_closer_who_worked_it_last() -> None:
    credited = credited_wins(_events(), "closer", SCENARIO)
    assert credited["staff_id"].tolist() == [w[1] for w in WINS]


def _slip(month: str, staff_id: str) -> dict[str, Any]:
    pay = payroll(_events(), STAFF, SCENARIO)
    row = pay[(pay["month"] == month) & (pay["staff_id"] == staff_id)]
    assert len(row) == 1
    return dict(row.iloc[0])


D = Decimal


def test_january_pay_slips() -> None:
    # plan 1,000,000 shared by two closers present all month: 500,000 each; team missed (950,000)
    one = _slip("2026-01", "closer-1")
    assert (one["salary"], one["commission"], one["accelerator"], one["plan_bonus"],
            one["team_bonus"], one["prize"], one["kpi_bonus"]) == (
        D("90000.00"), D("32500.00"), D("4500.00"), D("20000.00"), D("0"), D("10000.00"),
        D("1000.00"))
    assert one["total"] == D("158000.00")
    two = _slip("2026-01", "closer-2")
    assert (two["commission"], two["accelerator"], two["plan_bonus"], two["kpi_bonus"],
            two["total"]) == (D("15000.00"), D("0.00"), D("0.00"), D("500.00"), D("105500.00"))


def test_february_pay_slips_with_a_leaver_and_the_team_bonus() -> None:
    # February 2026 has 20 working days, 50,000 of plan each; closer-2 works the first 10
    # (2-13 February) before leaving on Sunday the 15th: personal plans (the plan/fact tables')
    # 10 × 25,000 + 10 × 50,000 = 750,000 and 10 × 25,000 = 250,000
    one = _slip("2026-02", "closer-1")
    assert one["personal_plan"] == D("750000.00")
    assert (one["salary"], one["commission"], one["accelerator"], one["plan_bonus"],
            one["team_bonus"], one["prize"]) == (
        D("90000.00"), D("35000.00"), D("0.00"), D("0.00"), D("33333.32"), D("10000.00"))
    assert one["total"] == D("168333.32")
    two = _slip("2026-02", "closer-2")
    assert two["personal_plan"] == D("250000.00")
    # salary 90,000 × 14.5 / 28 days; accelerator 3% of 100,000.50 = 3,000.015 → 3,000.02
    assert (two["salary"], two["commission"], two["accelerator"], two["plan_bonus"],
            two["team_bonus"], two["prize"]) == (
        D("46607.14"), D("17500.03"), D("3000.02"), D("20000.00"), D("16666.68"), D("0"))
    assert two["total"] == D("103773.87")
    assert one["team_bonus"] + two["team_bonus"] == D("50000.00")  # the pool, shared exactly


def test_monthly_pnl() -> None:
    table = pnl(_events(), STAFF, SCENARIO).set_index("month")
    january = table.loc["2026-01"]
    assert january["revenue"] == 950_000
    assert january["cost_of_goods"] == pytest.approx(712_500)
    assert january["lead_costs"] == 3000
    assert january["payroll_fixed"] == 180_000
    assert january["payroll_variable"] == pytest.approx(68_000 + 15_500)
    assert january["profit"] == pytest.approx(237_500 - 3000 - 180_000 - 83_500)
    february = table.loc["2026-02"]
    assert february["payroll_fixed"] == pytest.approx(90_000 + 46_607.14)
    assert february["lead_costs"] == 2000


def test_late_delivery_costs_the_contractual_penalty() -> None:
    scenario = scenario_from_yaml("""
    name: late
    horizon_days: 30
    channels: [{name: web, rate: 1}]
    roles: [{name: warehouse, headcount: 1}]
    stages:
      - name: ship
        steps: [{name: deliver, role: warehouse, effort_hours: 1, sla_days: 2,
                 late_penalty: 0.1}]
    """)
    cols: dict[str, list[object]] = {
        "time": [0.0, 0.0, 1.0, 3.5], "lead_id": [0, 0, 1, 1],
        "stage": ["ship"] * 4, "step": ["deliver"] * 4,
        "event": ["enqueue", "finish", "enqueue", "finish"],
        "amount": [500.0, 500.0, 800.0, 800.0]}
    fines = late_penalties(frame_from_columns(cols), scenario)
    assert fines[["lead_id", "penalty"]].to_dict("records") == [{"lead_id": 1, "penalty": 80.0}]


def test_activity_and_weekly_ranking() -> None:
    from salesim.simulator.metrics.money import activity_table, weekly_ranking

    events = _events()
    activity = activity_table(events).set_index(["staff_id", "step"])["finished"]
    assert activity.to_dict() == {("closer-1", "contract"): 2, ("closer-1", "proposal"): 1,
                                  ("closer-2", "contract"): 1, ("closer-2", "proposal"): 1}
    ranking = weekly_ranking(events, SCENARIO)
    week1 = ranking[ranking["week"] == 1]  # days 0-7: closer-1 won 400,000 on day 5
    assert week1[["rank", "staff_id", "credited_revenue"]].to_dict("records") == [
        {"rank": 1, "staff_id": "closer-1", "credited_revenue": 400_000.0}]
    week6 = ranking[ranking["week"] == 6]  # days 35-42: 700,000 (closer-1), 350,000.50
    assert week6[["rank", "staff_id", "credited_revenue"]].to_dict("records") == [
        {"rank": 1, "staff_id": "closer-1", "credited_revenue": 700_000.0},
        {"rank": 2, "staff_id": "closer-2", "credited_revenue": 350_000.5}]
