"""salesim: a discrete-event simulation of a B2B sales department.

Typical use::

    from simulator import load_scenario, simulate
    result = simulate(load_scenario("scenarios/b2b_baseline.yaml"))
    metrics = result.metrics()
    print(metrics.bottleneck["verdict"])

The public names load on first use, so that importing a light submodule (the CLI's error
helpers, say) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.config import Scenario, ScenarioError
    from simulator.loader import load_scenario
    from simulator.metrics import RunMetrics, measure
    from simulator.runner import MeasuredRun, Result, replicate, simulate

_HOMES = {
    "Scenario": "simulator.config",
    "ScenarioError": "simulator.config",
    "load_scenario": "simulator.loader",
    "RunMetrics": "simulator.metrics",
    "measure": "simulator.metrics",
    "MeasuredRun": "simulator.runner",
    "Result": "simulator.runner",
    "replicate": "simulator.runner",
    "simulate": "simulator.runner",
}

__all__ = [
    "MeasuredRun",
    "Result",
    "RunMetrics",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "measure",
    "replicate",
    "simulate",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
