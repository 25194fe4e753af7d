"""The bottleneck verdict on scenarios where the answer is known by construction."""

from __future__ import annotations

from typing import cast

import pytest

from salesim.simulator.metrics.bottleneck import ConversionEvidence, StageLoad
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import ROOT, scenario_from_yaml

TANDEM = """
name: tandem
horizon_days: 200
warmup_days: 20
calendar: {weekdays: [mon, tue, wed, thu, fri, sat, sun], hours: "00:00-24:00"}
channels: [{name: web, rate: 10, per: calendar_day}]
roles:
  - {name: first, headcount: 1}
  - {name: second, headcount: 1}
  - {name: third, headcount: 2}
stages:
  - {name: one, steps: [{name: a, role: first, effort_hours: {dist: exponential, mean: %s}}]}
  - {name: two, steps: [{name: b, role: second, effort_hours: {dist: exponential, mean: %s}}]}
  - {name: three, steps: [{name: c, role: third, effort_hours: {dist: exponential, mean: %s},
                           conversion: 0.5}]}
"""


def _staffed(scenario: Scenario, role: str, headcount: int) -> Scenario:
    roles = tuple(r.model_copy(update={"headcount": headcount}) if r.name == role else r
                  for r in scenario.roles)
    return scenario.model_copy(update={"roles": roles})


@pytest.mark.parametrize(("hours", "stage", "role"), [
    # 10 leads a day; load = 10 × hours / 24 / servers
    (("0.96", "2.2", "2.4"), "two", "second"),     # loads 0.40, 0.92, 0.50
    (("2.2", "0.96", "2.4"), "one", "first"),      # loads 0.92, 0.40, 0.50
    (("0.96", "1.2", "4.4"), "three", "third"),    # loads 0.40, 0.50, 0.92 (2 people)
])
def test_the_overloaded_station_is_named(hours: tuple[str, str, str], stage: str,
                                         role: str) -> None:
    metrics = simulate(scenario_from_yaml(TANDEM % hours), seed=1).metrics()
    b = metrics.bottleneck
    assert (b.stage, b.role, b.kind) == (stage, role, "capacity")
    assert isinstance(b.evidence, StageLoad)
    assert b.evidence.utilization == pytest.approx(0.92, abs=0.05)


def test_a_lightly_loaded_department_is_limited_by_conversion() -> None:
    metrics = simulate(scenario_from_yaml(TANDEM % ("0.5", "0.5", "0.5")), seed=1).metrics()
    b = metrics.bottleneck
    assert (b.stage, b.kind) == ("three", "conversion")  # the only stage that loses leads
    assert isinstance(b.evidence, ConversionEvidence)
    assert b.evidence.conversion == pytest.approx(0.5, abs=0.05)


def test_trading_company_bottleneck_is_the_warehouse_until_it_grows_by_half() -> None:
    """The seed's case: the bottleneck moves to fulfilment; +50% warehouse staff removes it."""
    scenario = load_scenario(ROOT / "scenarios" / "cases" / "trading_company"
                             / "c_assortment_and_discounts.yaml")
    before = simulate(scenario).metrics()
    assert (before.bottleneck.stage, before.bottleneck.role) == ("fulfilment", "warehouse")
    after = simulate(_staffed(scenario, "warehouse", 6)).metrics()
    # the screen may still see a queue at the warehouse; it is no longer overloaded
    assert not before.stability.stable and after.stability.stable
    wait_before, wait_after = (cast(float, m.stages.set_index("stage").loc["fulfilment",
                                                                          "wait_days_mean"])
                               for m in (before, after))
    assert wait_after < 0.75 * wait_before
    # the same leads arrived and the same buyers paid: only the shipping changed
    assert after.overall["won"] == before.overall["won"]
