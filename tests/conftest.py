"""Shared fixtures: scenarios built from small YAML texts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from salesim.simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "b2b_baseline.yaml"
# scenarios/variants/ holds comparison specs (variants of a base scenario), not scenarios
SHIPPED_SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")
                           if "variants" not in p.relative_to(ROOT / "scenarios").parts)


def scenario_from_yaml(text: str) -> Scenario:
    """A validated scenario from an inline YAML text (dedented)."""
    return Scenario.from_data(yaml.safe_load(textwrap.dedent(text)), source="<test>")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    from salesim.simulator.scenario.loader import load_scenario

    return load_scenario(BASELINE)
