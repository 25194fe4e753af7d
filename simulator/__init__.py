"""salesim: a discrete-event simulation of a B2B sales department.

Typical use::

    from simulator import load_scenario, simulate
    result = simulate(load_scenario("scenarios/b2b_baseline.yaml"))
    metrics = result.metrics()
    print(metrics.bottleneck["verdict"])
"""

from simulator.config import Scenario, ScenarioError
from simulator.loader import load_scenario
from simulator.metrics import RunMetrics, measure
from simulator.runner import MeasuredRun, Result, replicate, simulate

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
