"""Stability: a queue that grows without bound is told from one that follows growing demand.

Theory (``tests/theory/queueing.py``): an M/M/1 station fed at λ with service rate μ is stable
only if ρ = λ/μ < 1; at ρ > 1 its queue grows at λ − μ a day and the share of the work it cannot
serve is 1 − 1/ρ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from salesim.simulator.metrics.capacity import queue_samples
from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.metrics.stability import (
    SATURATED_UTILIZATION,
    judge_queue,
    unstable_sentence,
    who,
)
from salesim.simulator.metrics.summary import summary
from salesim.simulator.runner import simulate
from tests.conftest import scenario_from_yaml

# 10 leads a day round the clock; station one's load is 10 × hours / 24, station two is light
TANDEM = """
name: tandem
horizon_days: 120
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 10, per: calendar_day}]
roles:
  - {name: first, headcount: 1}
  - {name: second, headcount: 1}
stages:
  - {name: one, steps: [{name: a, role: first, effort_hours: {dist: exponential, mean: %s}}]}
  - {name: two, steps: [{name: b, role: second, effort_hours: {dist: exponential, mean: 0.6},
                         conversion: 0.5}]}
"""

# demand grows fourfold from January to April; three clerks work 09:00-12:00 every day, so
# leads that arrive in the afternoon and at night wait for the morning: the queue grows with
# demand while the clerks stay ~60% busy
GROWING = """
name: growing
horizon_days: 120
calendar: {start_date: 2026-01-01, weekdays: [mon, tue, wed, thu, fri, sat, sun],
           hours: "09:00-12:00"}
channels: [{name: web, rate: 30, per: calendar_day,
            seasonality: [0.2, 0.45, 0.7, 1.0, 1, 1, 1, 1, 1, 1, 1, 1]}]
roles: [{name: clerk, headcount: 3}]
stages:
  - {name: intake, steps: [{name: check, role: clerk, effort_hours: {dist: exponential, mean: 0.2},
                            conversion: 0.5}]}
"""


def test_mm1_at_rho_1_3_is_unstable() -> None:
    rho = 1.3
    metrics = simulate(scenario_from_yaml(TANDEM % f"{rho * 24 / 10:.4f}"), seed=3).metrics()
    st = metrics.stability
    assert not st.stable
    assert [(q.stage, q.role) for q in st.unstable] == [("one", "first")]
    q = st.unstable[0]
    lam, mu = 10.0, 10.0 / rho
    assert q.growth_per_30d == pytest.approx((lam - mu) * 30, rel=0.3)
    assert q.overload == pytest.approx(1 - 1 / rho, abs=0.08)
    assert q.utilization_second_half > 0.99
    assert q.queue_at_end == pytest.approx((lam - mu) * 120, rel=0.3)
    assert q.stuck_ratio > 2  # far more in progress than Little's law allows a steady state
    # station two only sees what station one manages to serve: stable
    assert {x.stage: x.status for x in st.queues}["two"] == "stable"
    verdict = metrics.verdict
    assert "First staff cannot keep up in one" in verdict
    assert verdict.endswith("this staffing is not sustainable; figures at the horizon depend on "
                            "how long you simulate.")


def test_mm1_at_rho_0_7_is_stable() -> None:
    metrics = simulate(scenario_from_yaml(TANDEM % f"{0.7 * 24 / 10:.4f}"), seed=3).metrics()
    st = metrics.stability
    assert st.stable and not st.unstable
    assert all(q.status == "stable" for q in st.queues)
    one = st.queues[0]
    assert one.utilization_second_half == pytest.approx(0.7, abs=0.06)
    assert one.overload == 0.0
    assert "not sustainable" not in metrics.verdict
    assert st.warning() == ""


def test_a_queue_growing_with_demand_while_served_is_stable() -> None:
    result = simulate(scenario_from_yaml(GROWING), seed=1)
    st = result.metrics().stability
    q = st.queues[0]
    assert st.stable and q.status != "unstable"
    assert 0.5 < q.utilization_second_half < 0.7
    daily = queue_samples(step_visits(result.events, result.scenario), "intake", (0.0, 120.0))
    assert daily[-30:].mean() > 3 * daily[:30].mean()  # it does grow, fourfold with demand


def _judge(queue: np.ndarray, utilization: float, last_quarter: float | None = None) -> str:
    return judge_queue("s", "r", queue, queue_at_end=float(queue[-1]),
                       utilization_second_half=utilization,
                       utilization_last_quarter=utilization if last_quarter is None
                       else last_quarter,
                       in_progress_at_end=int(queue[-1]), entries_per_day_recent=10.0,
                       cycle_days_mean=1.0, arrivals_per_day_second_half=10.0).status


def test_the_verdict_needs_both_saturation_and_growth() -> None:
    days = np.arange(200, dtype=np.float64)
    runaway = 3.0 * days  # 90 leads a month
    assert _judge(runaway, 1.0) == "unstable"
    # the same queue with staff who still have spare time: demand outgrows them (to watch)
    assert _judge(runaway, 0.6) == "watch"
    # saturated, but working off a backlog: the queue falls
    assert _judge(runaway[::-1].copy(), 1.0) == "watch"
    # saturated in the last quarter only: demand has just caught up with capacity
    assert _judge(runaway, SATURATED_UTILIZATION - 0.1, last_quarter=1.0) == "watch"
    # a saturated queue wandering without trend (a self-limiting one) is not a runaway
    rng = np.random.default_rng(0)
    wandering = 60 + 15 * np.sin(days / 9) + rng.normal(0, 3, len(days))
    assert _judge(wandering, 1.0) != "unstable"
    # a flat, small queue at moderate load
    assert _judge(np.full(200, 2.0), 0.6) == "stable"


def test_sentences() -> None:
    assert who("hunter") == "Hunters"
    assert who("warehouse") == "Warehouse staff"
    assert who("call_centre") == "Call centre staff"
    text = unstable_sentence([{"stage": "lead_development", "role": "hunter",
                               "growth_per_30d": 376.2, "queue_at_end": 2232.0,
                               "in_progress_at_end": 4521, "stuck_ratio": 24.2}])
    assert text == ("Hunters cannot keep up in lead_development: over the second half of the "
                    "period their queue grew by 376 leads a month, and 2,232 leads wait for them "
                    "at the horizon (4,521 still in progress there, 24× what a steady flow would "
                    "hold) — this staffing is not sustainable; figures at the horizon depend on "
                    "how long you simulate.")
    assert unstable_sentence([]) == ""


def test_summary_stability_block_over_replications() -> None:
    """R > 1: stable only if every replication is; the share of unstable ones; one warning."""
    scenario = scenario_from_yaml(TANDEM % f"{1.3 * 24 / 10:.4f}")
    runs = [simulate(scenario, seed=3, replication=r).metrics() for r in range(2)]
    doc = summary(scenario, 3, runs)
    block = doc["stability"]
    assert block["stable"] is False
    assert (block["replications"], block["unstable_replications"], block["unstable_share"]) \
        == (2, 2, 1.0)
    [u] = block["unstable"]
    assert (u["stage"], u["role"], u["share"]) == ("one", "first", 1.0)
    assert u["growth_per_30d"] > 30 and u["utilization_last_quarter"] > 0.99
    assert block["warning"].startswith("In all 2 replications, first staff cannot keep up")
    verdict = doc["bottleneck"]["verdict"]
    assert verdict.count("not sustainable") == 1 and verdict.endswith(block["warning"])
    single = summary(scenario, 3, runs[:1])["stability"]
    assert single["stable"] is False and single["unstable"][0]["queue_at_end"] > 100


def test_salesim_run_prints_the_warning_first(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from salesim.simulator.cli.main import app

    scenario = tmp_path / "tandem.yaml"
    scenario.write_text(TANDEM % f"{1.3 * 24 / 10:.4f}")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert text.index("⚠ Not sustainable. First staff cannot keep up in one") \
        < text.index("Leads:")
    block = json.loads((out / "summary.json").read_text())["stability"]
    assert block["stable"] is False and block["unstable"][0]["role"] == "first"
    assert block["warning"] in " ".join(
        json.loads((out / "summary.json").read_text())["bottleneck"]["verdict"].split())
