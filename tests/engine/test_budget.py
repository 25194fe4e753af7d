"""The resource budget: leads, events and memory estimated before simulating, and refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.engine.budget import (
    BASE_BYTES,
    BYTES_PER_EVENT,
    BudgetError,
    check_budget,
    estimate,
)
from salesim.simulator.runner import simulate
from tests.conftest import ROOT, scenario_from_yaml

MMC = (ROOT / "scenarios" / "validation" / "mmc_single.yaml").read_text()


def test_a_single_queue_is_estimated_from_its_rate_and_horizon() -> None:
    scenario = scenario_from_yaml(MMC)
    found = estimate(scenario, replications=3)
    assert found.leads == pytest.approx(12 * 365)
    assert found.events == pytest.approx(12 * 365 * (3 + 4))  # one step: 4 events, plus 3
    assert found.memory_bytes == pytest.approx(BASE_BYTES + BYTES_PER_EVENT * found.events * 3)


def test_the_estimate_is_an_upper_bound_of_a_real_run() -> None:
    scenario = scenario_from_yaml(MMC).with_overrides(horizon_days=60)
    events = len(simulate(scenario).events)
    assert 0.7 * estimate(scenario).events <= events <= estimate(scenario).events


def test_rate_10000_is_refused_naming_the_estimate_and_the_limit() -> None:
    scenario = scenario_from_yaml(MMC.replace("rate: 12 ", "rate: 10000 "))
    with pytest.raises(BudgetError) as caught:
        check_budget(scenario)
    message = str(caught.value)
    assert "about 3.6 million leads and 25.6 million events a replication, 10.4 GB" in message
    assert "the limit is 4 GB of memory" in message
    assert check_budget(scenario, max_memory_gb=0).leads == pytest.approx(10000 * 365)


def test_run_refuses_before_simulating_and_the_flag_lifts_it(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MMC.replace("rate: 12 ", "rate: 10000 "))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: this run would need")
    assert "--max-memory-gb" in lines[0]
    assert not out.exists()
    small = tmp_path / "small.yaml"
    small.write_text(MMC.replace("horizon_days: 365", "horizon_days: 40"))
    result = CliRunner().invoke(app, ["run", str(small), "--out", str(out), "--quick",
                                      "--max-memory-gb", "0.01"])
    assert result.exit_code == 2 and "the limit is 0.01 GB" in result.output
    result = CliRunner().invoke(app, ["run", str(small), "--out", str(out), "--quick",
                                      "--max-memory-gb", "0"])
    assert result.exit_code == 0, result.output
