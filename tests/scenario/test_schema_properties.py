"""Properties of the scenario schema on generated valid scenarios (tests.strategies)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings

from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.schema import Scenario
from tests.strategies import calendars, scenario_dicts


@settings(max_examples=25, deadline=None)
@given(data=scenario_dicts())
def test_a_valid_scenario_keeps_what_it_says(data: dict[str, Any]) -> None:
    scenario = Scenario.from_data(copy.deepcopy(data), source="<hypothesis>")
    assert scenario.horizon_days == data["horizon_days"]
    assert [(r.name, r.headcount) for r in scenario.roles] == [
        (r["name"], r["headcount"]) for r in data["roles"]]
    assert [[(sp.name, sp.role) for sp in st.steps] for st in scenario.stages] == [
        [(sp["name"], sp["role"]) for sp in st["steps"]] for st in data["stages"]]
    assert [ch.name for ch in scenario.channels] == [ch["name"] for ch in data["channels"]]


@settings(max_examples=25, deadline=None)
@given(data=scenario_dicts())
def test_a_step_of_an_unknown_role_is_rejected(data: dict[str, Any]) -> None:
    broken = copy.deepcopy(data)
    broken["stages"][0]["steps"][0]["role"] = "nobody_here"
    with pytest.raises(ScenarioError, match="nobody_here"):
        Scenario.from_data(broken, source="<hypothesis>")


@settings(max_examples=40, deadline=None)
@given(calendar=calendars())
def test_a_working_day_lies_inside_its_day(calendar: WorkCalendar) -> None:
    for day in range(14):
        interval = calendar.day_interval(day)
        if interval is not None:
            opens, closes = interval
            assert day <= opens < closes <= day + 1
            assert calendar.work_hours_between(opens, closes) == pytest.approx(
                (closes - opens) * 24, abs=1e-9)
