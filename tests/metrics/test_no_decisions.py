"""A run in which no lead is decided: an explicit verdict saying why, and a report that renders.

Each scenario below passes ``validate`` and once crashed ``salesim run`` (issue 11) or named a
bottleneck that is not there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.runner import simulate
from tests.conftest import scenario_from_yaml

BASE = """
name: nothing
horizon_days: {horizon}
calendar: {{start_date: 2026-01-05, weekdays: [mon, tue, wed, thu, fri],
            hours: "09:00-18:00", holidays: [{holidays}]}}
channels: [{{name: web, rate: 8, per: calendar_day, deal_size: 1000}}]
roles: [{{name: seller, headcount: {headcount}, attrition_per_month: {attrition}}}]
stages:
  - name: selling
    steps: [{{name: call, role: seller, effort_hours: 1, conversion: 0.5}}]
"""

TEN_DAYS = ", ".join(f"2026-01-{d:02d}" for d in range(5, 17))


def scenario_text(horizon: str = "10", headcount: int = 2, attrition: str = "0",
                  holidays: str = "") -> str:
    return BASE.format(horizon=horizon, headcount=headcount, attrition=attrition,
                       holidays=holidays)


CASES = {
    "headcount 0": (scenario_text(headcount=0),
                    "nobody works as Seller in the measured window (headcount 0)"),
    "every day a holiday": (scenario_text(holidays=TEN_DAYS),
                            "the calendar of Seller has no working time in the measured window"),
    "attrition 0.9999999": (scenario_text(horizon="60\nwarmup_days: 30", attrition="0.9999999"),
                            "(everyone left: attrition 100.0% a month)"),
    "horizon 1e-9": (scenario_text(horizon="1.0e-9"),
                     "no lead arrived in the measured window of less than an hour"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_that_decides_nothing_says_why(case: str) -> None:
    text, why = CASES[case]
    metrics = simulate(scenario_from_yaml(text)).metrics()
    assert metrics.bottleneck.kind == "none"
    assert metrics.bottleneck.stage is None
    assert metrics.verdict.startswith("No leads were decided in this run: ")
    assert why in metrics.verdict
    assert "There is no bottleneck to name." in metrics.verdict


def test_leads_still_in_progress_are_named_when_nothing_else_stops_them() -> None:
    slow = scenario_text(horizon="3").replace("effort_hours: 1", "effort_hours: 500")
    verdict = simulate(scenario_from_yaml(slow)).metrics().verdict
    assert "that arrived are all still in progress: the measured window of 3.0\xa0days" in verdict


def test_a_queue_nobody_serves_is_unstable() -> None:
    metrics = simulate(scenario_from_yaml(scenario_text(horizon="60", headcount=0))).metrics()
    (queue,) = metrics.stability.unstable
    assert queue.reason == "growing with nobody on the staff to serve it"


@pytest.mark.parametrize("case", ["headcount 0", "horizon 1e-9"])
def test_run_with_report_exits_0(case: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(CASES[case][0])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--report",
                                      "--quick"])
    assert result.exit_code == 0, result.output
    assert "No leads were decided in this run" in (out / "report.md").read_text()
    assert (out / "report.html").stat().st_size > 0
