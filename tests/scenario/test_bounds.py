"""Finite bounds with reasons: values that once passed ``validate`` and crashed ``run``."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesim.simulator.runner import simulate
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario

BASE = """\
name: bounded
horizon_days: 5
channels:
  - name: web
    rate: {rate}
    per: calendar_day
    deal_size: {deal}
roles:
  - name: seller
    headcount: 2
    speed: {speed}
stages:
  - name: selling
    steps:
      - name: call
        role: seller
        effort_hours: {effort}
        conversion: 0.5
"""
GOOD = {"rate": "4", "deal": "1000", "speed": "1", "effort": "1"}


def write(tmp_path: Path, **changes: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASE.format(**{**GOOD, **changes}))
    return path


# (field changed, value written, field path in the message, words of the reason)
REFUSED = [
    ("rate", "1e308", "channels[0].rate", "must be at most 10,000 leads a day"),
    ("rate", "1.0e+308", "channels[0].rate", "more memory than a computer has"),
    ("effort", "1e9", "stages[0].steps[0].effort_hours", "must be at most 2,000 hours"),
    ("effort", "{dist: lognormal, mean: 4.8, sd: 1e200}", "stages[0].steps[0].effort_hours",
     "sd must be between 1e-09 and 1e+12"),
    ("effort", "{dist: lognormal, mean: 4.8, sd: 1000}", "stages[0].steps[0].effort_hours",
     "sd must be at most 100 times the mean"),
    ("effort", "{dist: exponential, mean: 1e-320}", "stages[0].steps[0].effort_hours",
     "mean must be between 1e-09 and 1e+12"),
    ("speed", "1e-300", "roles[0].speed", "must be at least 0.05"),
    ("speed", "{dist: uniform, low: 0.01, high: 1}", "roles[0].speed", "must be at least 0.05"),
    ("speed", "1000", "roles[0].speed", "must be at most 20"),
    ("deal", "1e308", "channels[0].deal_size", "at most 1e+12"),
    ("deal", "2e12", "channels[0].deal_size", "value must be at most 1e+12"),
    ("rate", "!!binary aGVsbG8=", "channels[0].rate", "the YAML tag !!binary is not allowed"),
    ("rate", "!!python/object:object {}", "channels[0].rate",
     "the YAML tag !!python/object:object is not allowed"),
    ("deal", "!custom 5", "channels[0].deal_size", "the YAML tag !custom is not allowed"),
]


@pytest.mark.parametrize(("field", "value", "where", "why"), REFUSED,
                         ids=[f"{f}={v}" for f, v, _, _ in REFUSED])
def test_out_of_bounds_is_refused_with_the_reason(tmp_path: Path, field: str, value: str,
                                                 where: str, why: str) -> None:
    path = write(tmp_path, **{field: value})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:")
    assert f" {where}: " in message
    assert why in message


@pytest.mark.parametrize(("field", "value"), [
    ("rate", "1e4"), ("effort", "2000"), ("speed", "0.05"), ("deal", "1e12"),
    ("effort", "{dist: lognormal, mean: 1, sd: 100}"), ("speed", "{dist: lognormal, mean: 1, "
                                                               "sd: 5}"),
])
def test_values_at_the_bounds_run(tmp_path: Path, field: str, value: str) -> None:
    scenario = load_scenario(write(tmp_path, **{field: value}))
    if field == "rate":  # a full day at 10,000 leads is the budget's business, not this test's
        scenario = scenario.with_overrides(horizon_days=0.01)
    metrics = simulate(scenario).metrics()
    assert metrics.overall["generated"] > 0


def test_e_notation_is_a_number(tmp_path: Path) -> None:
    """YAML 1.1 reads ``1e3`` as text; a scenario reads it as the number people mean."""
    scenario = load_scenario(write(tmp_path, rate="4e0", deal="1e3"))
    assert scenario.channels[0].rate == 4.0
    assert scenario.channels[0].deal_size_for("default").mean == 1000.0


def test_a_plain_tag_is_still_fine(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, rate="!!float 3"))
    assert scenario.channels[0].rate == 3.0
