"""Tests of scenario.errors: one line naming file, line and field path."""

from __future__ import annotations

from salesim.simulator.scenario.errors import ScenarioError, format_path, kind_of, line_for


def test_format_path() -> None:
    assert format_path(("stages", 2, "steps", 0, "role")) == "stages[2].steps[0].role"
    assert format_path(()) == ""


def test_line_for_falls_back_to_the_nearest_parent() -> None:
    marks = {(): 1, ("stages",): 4, ("stages", 0): 5}
    assert line_for(("stages", 0, "steps", 3), marks) == 5
    assert line_for(("channels",), marks) == 1
    assert line_for(("x",), {}) is None


def test_scenario_error_is_one_line() -> None:
    error = ScenarioError("bad\nvalue", source="a.yaml", line=3, path="roles[0].name")
    assert str(error) == "a.yaml:3: roles[0].name: bad\\nvalue"
    assert str(ScenarioError("no such file", source="b.yaml")) == "b.yaml: no such file"


def test_kind_of() -> None:
    assert kind_of([1]) == "a list"
    assert kind_of(None) == "an empty document"
    assert kind_of(3) == "int"
