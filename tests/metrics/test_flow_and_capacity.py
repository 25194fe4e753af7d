"""Flow (visits, funnel) and capacity (utilisation, queues) on the hand-built log of
``tests.metrics.test_metrics``: one seller, three leads over ten round-the-clock days."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
import pytest

from salesim.simulator.metrics.capacity import (
    queue_late,
    queue_samples,
    queue_trend,
    queued_work_hours,
    role_tables,
)
from salesim.simulator.metrics.flow import lead_table, loss_table, stage_visits, step_visits
from tests.metrics.test_metrics import EVENTS, STAFF, TINY

WINDOW = (0.0, 10.0)


def test_step_visits_time_each_event_of_a_visit() -> None:
    visits = step_visits(EVENTS, TINY).set_index(["lead_id", "step"])
    call = cast("pd.Series[Any]", visits.loc[(1, "call")])
    assert (call["t_enqueue"], call["t_start"], call["t_finish"]) == (0.5, 1.0, 2.0)
    assert call["wait_days"] == 0.5
    assert call["wait_work_hours"] == pytest.approx(12.0)
    assert call["staff_id"] == "seller-1"
    assert call["sla_breach"]  # half a day queued and a day of work: past the one-day SLA
    assert visits.loc[(1, "pay"), "outcome"] == "lose"
    assert not visits.loc[(2, "call"), "done"]


def test_stage_visits_and_losses() -> None:
    visits = step_visits(EVENTS, TINY)
    stages = stage_visits(visits, TINY).set_index("lead_id")
    assert stages.loc[0, "converted"] and stages.loc[1, "lost"]
    assert stages.loc[1, "t_exit"] == 4.0
    assert stages.loc[2, "t_exit"] == float("inf")  # still in the stage at the horizon
    assert loss_table(visits).to_dict("records") == [
        {"stage": "sell", "step": "pay", "reason": "no_money", "lost": 1}]


def test_lead_table() -> None:
    leads = lead_table(EVENTS)
    assert list(leads.index) == [0, 1, 2]
    assert leads.loc[0, "t_won"] == 3.0 and leads.loc[1, "lost_reason"] == "no_money"


def test_role_tables_count_busy_hours_in_the_window() -> None:
    roles, people = role_tables(step_visits(EVENTS, TINY), STAFF, TINY, WINDOW)
    seller = roles.iloc[0]
    # 24 h for each of the three leads (lead 2's until the horizon) of 240 h
    assert (seller["busy_hours"], seller["available_hours"]) == (72.0, 240.0)
    assert seller["utilization"] == pytest.approx(0.3)
    assert seller["queue_mean"] == pytest.approx(0.5 / 10)  # half a lead-day over ten days
    assert people.iloc[0]["tasks"] == 3


def test_queues_per_stage() -> None:
    visits = step_visits(EVENTS, TINY)
    assert queued_work_hours(visits, TINY, WINDOW) == pytest.approx(12.0)
    # lead 1 queues between 0.5 and 1.0: nobody waits at a whole day
    assert list(queue_samples(visits, "sell", WINDOW)) == [0.0] * 11
    assert queue_trend(visits, "sell", WINDOW) == 0.0
    assert queue_late(visits, "sell", WINDOW) == (0.0, 0.0)
