"""salesim: a discrete-event simulation of a B2B sales department — the public API.

Typical use::

    from salesim import load_scenario, simulate
    result = simulate(load_scenario("scenarios/b2b_baseline.yaml"))
    metrics = result.metrics()
    print(metrics.verdict)

The subpackages are the design card's folders: ``salesim.simulator`` (the engine and its
layers, see ``docs/design.md``), ``salesim.reports``, ``salesim.training`` and
``salesim.scenarios`` (the shipped scenario files). The public names load on first use, so that
importing a light submodule (the CLI's error helpers, say) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesim.reports.compare_report import build_compare_report
    from salesim.reports.export import export_log
    from salesim.reports.run_report import build_report
    from salesim.scenarios import shipped_scenario
    from salesim.simulator.metrics.measure import RunMetrics, measure
    from salesim.simulator.metrics.summary import summary
    from salesim.simulator.runner import MeasuredRun, Result, replicate, simulate
    from salesim.simulator.scenario.errors import ScenarioError
    from salesim.simulator.scenario.loader import load_scenario
    from salesim.simulator.scenario.schema import Scenario
    from salesim.simulator.store.run_reader import load_run

_HOMES = {
    "Scenario": "salesim.simulator.scenario.schema",
    "ScenarioError": "salesim.simulator.scenario.errors",
    "load_scenario": "salesim.simulator.scenario.loader",
    "RunMetrics": "salesim.simulator.metrics.measure",
    "measure": "salesim.simulator.metrics.measure",
    "MeasuredRun": "salesim.simulator.runner",
    "Result": "salesim.simulator.runner",
    "replicate": "salesim.simulator.runner",
    "simulate": "salesim.simulator.runner",
    "summary": "salesim.simulator.metrics.summary",
    "build_report": "salesim.reports.run_report",
    "build_compare_report": "salesim.reports.compare_report",
    "export_log": "salesim.reports.export",
    "load_run": "salesim.simulator.store.run_reader",
    "shipped_scenario": "salesim.scenarios",
}

__version__ = "0.1.0"

__all__ = [
    "MeasuredRun",
    "Result",
    "RunMetrics",
    "Scenario",
    "ScenarioError",
    "__version__",
    "build_compare_report",
    "build_report",
    "export_log",
    "load_run",
    "load_scenario",
    "measure",
    "replicate",
    "shipped_scenario",
    "simulate",
    "summary",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'salesim' has no attribute {name!r}")
