"""Shared fixtures: scenarios built from small YAML texts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from simulator.config import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "b2b_baseline.yaml"


def scenario_from_yaml(text: str) -> Scenario:
    """A validated scenario from an inline YAML text (dedented)."""
    return Scenario.from_data(yaml.safe_load(textwrap.dedent(text)), source="<test>")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    from simulator.loader import load_scenario

    return load_scenario(BASELINE)
