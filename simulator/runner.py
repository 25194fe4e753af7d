"""Run a scenario: one simulation, or replications in parallel processes."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import pandas as pd

from salesim.simulator.engine.model import SalesModel
from salesim.simulator.metrics.measure import RunMetrics, measure
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.workers import worker_pool


@dataclass(frozen=True)
class Result:
    """What one simulation produced: the event log, who was on the staff, and its metrics.

    ``scenario`` is the scenario as the engine ran it (after its org structure was applied).
    """

    scenario: Scenario
    seed: int
    replication: int
    events: pd.DataFrame
    staff: pd.DataFrame  # staff_id, role, pod, speed, skill, hired_at, left_at (NaN: still there)

    def metrics(self) -> RunMetrics:
        """KPI tables and the bottleneck verdict of this run (pure; a new, lazily computed set
        on each call)."""
        return measure(self.events, self.staff, self.scenario)


@dataclass(frozen=True)
class MeasuredRun:
    """A run together with its metrics, as replications return them."""

    result: Result
    metrics: RunMetrics


def simulate(scenario: Scenario, seed: int | None = None, replication: int = 0) -> Result:
    """Simulate one run of a scenario up to its horizon.

    Args:
        scenario: a validated scenario.
        seed: root seed; the scenario's own when None.
        replication: replication number (0 is the plain run of the seed).
    """
    model = SalesModel(scenario, seed=seed, replication=replication)
    model.run()
    staff = pd.DataFrame(
        [(p.id, p.role, p.seat.pod or "", p.speed, p.skill, p.hired_at,
          math.nan if p.left_at is None else p.left_at)
         for pool in model.pools.values() for p in pool.staff],
        columns=["staff_id", "role", "pod", "speed", "skill", "hired_at", "left_at"],
    )
    return Result(model.scenario, model.seed, replication, model.log.to_frame(), staff)


def simulate_and_measure(scenario: Scenario, seed: int, replication: int) -> MeasuredRun:
    result = simulate(scenario, seed, replication)
    # every table is computed here, in the worker, not by whoever receives the run
    return MeasuredRun(result, result.metrics().complete())


def replicate(scenario: Scenario, replications: int, seed: int | None = None,
              jobs: int | None = None, executor: Executor | None = None,
              on_done: Callable[[int], None] | None = None) -> list[MeasuredRun]:
    """Run and measure replications 0..R-1 of one seed, in replication order.

    Each replication's streams come from ``SeedSequence(seed, spawn_key=(r,))``, never from
    worker state, so the results are the same whatever the executor or the number of jobs.

    Args:
        scenario: a validated scenario.
        replications: how many (R >= 1).
        seed: root seed; the scenario's own when None.
        jobs: worker processes when no executor is given (default: one per core; 1 = in this
            process).
        executor: any ``concurrent.futures.Executor`` (e.g. a Dask client's executor).
        on_done: called with the replication number as each one finishes (for progress bars).
    """
    root = scenario.seed if seed is None else seed
    jobs = default_jobs() if jobs is None else jobs
    if executor is None and (jobs <= 1 or replications <= 1):
        runs = []
        for r in range(replications):
            runs.append(simulate_and_measure(scenario, root, r))
            if on_done:
                on_done(r)
        return runs
    if executor is not None:
        return _collect(executor, scenario, root, replications, on_done)
    with worker_pool(min(jobs, replications)) as pool:
        return _collect(pool, scenario, root, replications, on_done)


def _collect(executor: Executor, scenario: Scenario, seed: int, replications: int,
             on_done: Callable[[int], None] | None) -> list[MeasuredRun]:
    futures: list[Future[MeasuredRun]] = []
    for r in range(replications):
        future = executor.submit(simulate_and_measure, scenario, seed, r)
        if on_done is not None:
            future.add_done_callback(_notify(on_done, r))
        futures.append(future)
    return [f.result() for f in futures]


def _notify(on_done: Callable[[int], None], replication: int
            ) -> Callable[[Future[MeasuredRun]], None]:
    return lambda _future: on_done(replication)


def default_jobs() -> int:
    """One process per core."""
    return max(1, os.cpu_count() or 1)
