"""Metrics on small hand-built event logs, where every figure can be worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from salesim.simulator.engine.events import frame_from_columns
from salesim.simulator.metrics.bottleneck import StageLoad
from salesim.simulator.metrics.measure import RunMetrics, measure
from tests.conftest import scenario_from_yaml

TINY = scenario_from_yaml("""
name: tiny
horizon_days: 10
calendar: {start_date: 2026-01-05, weekdays: [mon, tue, wed, thu, fri, sat, sun],
           hours: "00:00-24:00"}
channels: [{name: web, rate: 1, per: calendar_day, cost_per_lead: 50}]
roles: [{name: seller, headcount: 1}]
stages:
  - name: sell
    steps:
      - {name: call, role: seller, effort_hours: 24, sla_days: 1}
      - {name: pay, client_delay_days: 2, conversion: 0.5, loss_reasons: {no_money: 1},
         wins: true}
""")

STAFF = pd.DataFrame({"staff_id": ["seller-1"], "role": ["seller"], "speed": [1.0],
                      "skill": [1.0], "hired_at": [0.0], "left_at": [float("nan")]})


def log(rows: list[tuple[float, int, str, str, str, str]], amounts: dict[int, float]
        ) -> pd.DataFrame:
    """Rows of (time, lead, step, event, staff, reason) for the tiny scenario's one stage."""
    cols: dict[str, list[object]] = {c: [] for c in (
        "time", "lead_id", "channel", "segment", "stage", "step", "event", "staff_id", "role",
        "amount", "reason", "work_hours")}
    for time, lead, step, event, staff, reason in rows:
        staffed = event in ("enqueue", "start", "finish")
        cols["time"].append(time)
        cols["lead_id"].append(lead)
        cols["channel"].append("web")
        cols["segment"].append("default")
        cols["stage"].append("" if event == "arrive" else "sell")
        cols["step"].append(step)
        cols["event"].append(event)
        cols["staff_id"].append(staff)
        cols["role"].append("seller" if staffed else "")
        cols["amount"].append(amounts[lead])
        cols["reason"].append(reason)
        cols["work_hours"].append(24.0 if event == "finish" else 0.0)
    return frame_from_columns(cols)


# Lead 0 is served at once and wins; lead 1 waits half a day for the seller and is lost at
# payment; lead 2 is in the seller's hands when the horizon (day 10) ends.
EVENTS = log([
    (0.0, 0, "", "arrive", "", ""),
    (0.0, 0, "call", "enqueue", "", ""),
    (0.0, 0, "call", "start", "seller-1", ""),
    (0.5, 1, "", "arrive", "", ""),
    (0.5, 1, "call", "enqueue", "", ""),
    (1.0, 0, "call", "finish", "seller-1", ""),
    (1.0, 0, "call", "convert", "", ""),
    (1.0, 0, "pay", "client_wait", "", ""),
    (1.0, 1, "call", "start", "seller-1", ""),
    (2.0, 1, "call", "finish", "seller-1", ""),
    (2.0, 1, "call", "convert", "", ""),
    (2.0, 1, "pay", "client_wait", "", ""),
    (3.0, 0, "pay", "convert", "", ""),
    (3.0, 0, "pay", "win", "", ""),
    (4.0, 1, "pay", "lose", "", "no_money"),
    (9.0, 2, "", "arrive", "", ""),
    (9.0, 2, "call", "enqueue", "", ""),
    (9.0, 2, "call", "start", "seller-1", ""),
], amounts={0: 1000.0, 1: 500.0, 2: 700.0})


@pytest.fixture(scope="module")
def metrics() -> RunMetrics:
    return measure(EVENTS, STAFF, TINY)


def test_overall_accounting(metrics: RunMetrics) -> None:
    assert metrics.overall == {
        "generated": 3, "won": 1, "lost": 1, "in_progress": 1, "bookings": 1000.0,
        "revenue": 1000.0, "revenue_first": 1000.0, "revenue_repeat": 0.0,
        "average_deal": 1000.0, "lead_to_deal": pytest.approx(1 / 3),
        "lead_to_deal_days_median": 3.0, "lead_to_cash_days_median": 3.0,
    }


def test_stage_table(metrics: RunMetrics) -> None:
    row = metrics.stages.iloc[0]
    assert (row["entered"], row["converted"], row["lost"], row["in_progress"]) == (3, 1, 1, 1)
    assert row["conversion"] == 0.5
    assert row["wait_days_mean"] == pytest.approx(0.25)  # leads 0 and 1 left: waits 0 and 0.5
    assert row["cycle_days_mean"] == pytest.approx(3.25)  # 3.0 and 3.5 days
    assert row["wait_share"] == pytest.approx(0.5 / 6.5)
    # WIP: lead 0 in [0, 3], lead 1 in [0.5, 4], lead 2 in [9, 10] → 7.5 lead-days / 10 days
    assert row["wip_mean"] == pytest.approx(0.75)
    assert row["sla_breaches"] == 1  # lead 1 took 1.5 days from queue to finished call


def test_step_table(metrics: RunMetrics) -> None:
    call, pay = metrics.steps.iloc[0], metrics.steps.iloc[1]
    assert (call["entered"], call["converted"], call["lost"], call["in_progress"]) == (3, 2, 0, 1)
    assert call["wait_days_mean"] == pytest.approx(0.5 / 3)  # started visits: 0, 0.5, 0
    assert call["cycle_days_mean"] == pytest.approx(1.25)  # decided: 1.0 and 1.5
    assert (pay["entered"], pay["converted"], pay["lost"]) == (2, 1, 1)
    assert pay["cycle_days_mean"] == pytest.approx(2.0)
    assert metrics.losses.to_dict("records") == [
        {"stage": "sell", "step": "pay", "reason": "no_money", "lost": 1}]


def test_red_warnings_name_the_person(metrics: RunMetrics) -> None:
    assert metrics.warnings.to_dict("records") == [
        {"stage": "sell", "step": "call", "staff_id": "seller-1", "breaches": 1,
         "worst_days": 0.5}]


def test_utilisation_and_queue(metrics: RunMetrics) -> None:
    role = metrics.roles.iloc[0]
    # busy: 24 h (lead 0) + 24 h (lead 1) + 24 h of lead 2's unfinished call, of 240 h
    assert role["busy_hours"] == pytest.approx(72.0)
    assert role["available_hours"] == pytest.approx(240.0)
    assert role["utilization"] == pytest.approx(0.3)
    assert role["queue_mean"] == pytest.approx(0.05)  # 0.5 lead-days queued over 10 days
    person = metrics.people.iloc[0]
    assert (person["staff_id"], person["tasks"], person["utilization"]) == ("seller-1", 3,
                                                                            pytest.approx(0.3))


def test_channel_and_monthly_tables(metrics: RunMetrics) -> None:
    assert metrics.channels.iloc[0].to_dict() == {
        "channel": "web", "leads": 3, "cost": 150.0, "won": 1, "revenue": 1000.0,
        "revenue_repeat": 0.0, "gross_margin": 1000.0,
        "cost_per_won": 150.0, "conversion": pytest.approx(1 / 3),
        "revenue_per_cost": pytest.approx(1000 / 150),
        "return_on_spend": pytest.approx((1000 - 150) / 150)}
    assert metrics.monthly.to_dict("records") == [
        {"month": "2026-01", "won": 1, "bookings": 1000.0, "revenue_first": 1000.0, "orders": 0,
         "revenue_repeat": 0.0, "revenue": 1000.0}]


def test_capacity_verdict_when_leads_wait(metrics: RunMetrics) -> None:
    b = metrics.bottleneck
    assert (b.stage, b.role, b.kind) == ("sell", "seller", "capacity")
    assert isinstance(b.evidence, StageLoad)
    assert b.evidence.wait_work_hours_mean == pytest.approx(4.0)  # 12 h over 3 starts
    assert b.evidence.utilization == pytest.approx(0.3)
    assert metrics.verdict.startswith("Seller is the bottleneck, in Sell: the team is busy 30% "
                                      "of its working time")
    assert "(4.0 working hours)" in metrics.verdict


def test_conversion_verdict_when_nobody_waits() -> None:
    no_wait = EVENTS.copy()
    lead1 = no_wait["lead_id"] == 1
    # lead 1 now arrives when the seller is free: nothing queues
    no_wait.loc[lead1 & no_wait["event"].isin(["arrive", "enqueue"]), "time"] = 1.0
    metrics = measure(no_wait.sort_values("time", kind="stable"), STAFF, TINY)
    b = metrics.bottleneck
    assert (b.stage, b.kind) == ("sell", "conversion")
    assert metrics.verdict.startswith("No team holds the department back")
    assert "the biggest leak is Sell, which loses 50% of the leads" in metrics.verdict


def test_warmup_excludes_early_leads_from_lead_counts() -> None:
    late = TINY.model_copy(update={"warmup_days": 5.0})
    metrics = measure(EVENTS, STAFF, late)
    assert metrics.overall["generated"] == 1  # only lead 2 arrived after day 5
    # utilisation over [5, 10]: only lead 2's 24 h of 120 h
    assert metrics.roles.iloc[0]["utilization"] == pytest.approx(0.2)
