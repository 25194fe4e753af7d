"""Run the replications of a set of variants: checkpoints, progress, precision and warm-up.

``Lab.records`` is the one place runs are submitted. Replication r of every variant uses the same
seed and replication number, i.e. the same random streams: records come back in (variant,
replication) order whatever order the workers finished in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from salesim.simulator.engine.budget import DEFAULT_MAX_MEMORY_GB, BudgetError, check_budget
from salesim.simulator.experiments.checkpoints import RunStore
from salesim.simulator.experiments.executors import Backend
from salesim.simulator.experiments.records import SERIES_FIELD, Record, run_record, with_plan
from salesim.simulator.experiments.stats import (
    Precision,
    Warmup,
    estimate,
    mser5,
    number,
    replications_needed,
)
from salesim.simulator.experiments.variants import ExperimentError, Variant
from salesim.simulator.scenario.schema import Scenario

Key = tuple[str, int]


class ProgressSink(Protocol):
    """What the CLI's progress bar offers: more work known, work done."""

    def add(self, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class Interrupted(Exception):
    """The experiment was stopped (Ctrl-C); the finished runs are in the checkpoint folder."""

    def __init__(self, saved: int, folder: Path | None) -> None:
        self.saved = saved
        self.folder = folder
        super().__init__(f"interrupted with {saved} runs saved")


class Lab:
    """Runs (variant, replication) pairs on a backend, once each, keeping every record."""

    def __init__(self, backend: Backend, seed: int, store: RunStore | None = None,
                 progress: ProgressSink | None = None,
                 worker: Callable[[Scenario, int, int], Record] = run_record,
                 max_memory_gb: float = DEFAULT_MAX_MEMORY_GB) -> None:
        self.backend = backend
        self.max_memory_gb = max_memory_gb  # what the runs at once may need (0: no limit)
        self._within_budget: set[str] = set()
        self.worker = worker  # a module-level function the workers can import
        self.seed = seed
        self.store = store or RunStore(None)
        self.progress = progress
        self._records: dict[Key, Record] = {}
        self.executed = 0  # runs simulated by this Lab (not read back from checkpoints)

    def add(self, variant: Variant, records: Sequence[Record]) -> None:
        """Keep records already computed elsewhere as replications 0, 1, … of ``variant``.

        ``salesim run`` hands over its own replications this way, so that confirming its
        bottleneck does not simulate the base again. The records must come from
        :func:`run_record` of the same scenario, seed and replication numbers.
        """
        for r, record in enumerate(records):
            self._records.setdefault((variant.key, r), record)

    def records(self, variants: Sequence[Variant], replications: int) -> list[list[Record]]:
        """``records[i][r]``: the record of variant i, replication r (0 ≤ r < replications)."""
        todo: list[tuple[Key, Scenario]] = []
        queued: set[Key] = set()
        resumed = 0
        for v in variants:
            for r in range(replications):
                key = (v.key, r)
                if key in self._records or key in queued:
                    continue
                saved = self.store.load(*key)
                if saved is not None:
                    self._records[key] = saved
                    resumed += 1
                    continue
                queued.add(key)
                todo.append((key, v.scenario))
        if self.progress is not None and (todo or resumed):
            self.progress.add(len(todo) + resumed)
            if resumed:
                self.progress.advance(resumed)
        if todo:
            self._check_budget(todo)
            self._execute(todo)
        return [[self._records[(v.key, r)] for r in range(replications)] for v in variants]

    def _check_budget(self, todo: list[tuple[Key, Scenario]]) -> None:
        """Refuse, before any of them runs, variants whose runs at once (one a worker) would
        need more memory than allowed (:mod:`engine.budget`)."""
        at_once = 1 if self.backend.kind == "inline" else self.backend.workers
        for (variant, _), scenario in todo:
            if variant in self._within_budget:
                continue
            try:
                check_budget(scenario, at_once, self.max_memory_gb)
            except BudgetError as exc:
                who = f"{at_once} runs at once" if at_once > 1 else "one run"
                raise ExperimentError(f"{scenario.name} ({who}): {exc}") from None
            self._within_budget.add(variant)

    def _execute(self, todo: list[tuple[Key, Scenario]]) -> None:
        limit = 1 if self.backend.kind == "inline" else 2 * self.backend.workers
        pending: dict[Future[Record], Key] = {}
        tasks: Iterator[tuple[Key, Scenario]] = iter(todo)
        try:
            while True:
                while len(pending) < limit:
                    task = next(tasks, None)
                    if task is None:
                        break
                    (key, scenario) = task
                    future = self.backend.executor.submit(self.worker, scenario, self.seed, key[1])
                    pending[future] = key
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    key = pending.pop(future)
                    record = future.result()
                    self.store.save(*key, record)
                    self._records[key] = record
                    self.executed += 1
                    if self.progress is not None:
                        self.progress.advance()
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            raise Interrupted(self.store.count(), self.store.folder) from None
        except BrokenExecutor:
            kept = self.store.count()
            where = f" in {self.store.folder}" if kept else ""
            raise ExperimentError(f"a worker process stopped unexpectedly (killed, or out of "
                                  f"memory); {kept} finished runs kept{where}; run the same "
                                  f"command again to continue") from None


# -- replications until a precision --------------------------------------------------------------


@dataclass(frozen=True)
class Replicated:
    """The records of every variant and how their number was chosen."""

    records: list[list[Record]]
    replications: int
    precision: dict[str, Any] | None


def replicate_variants(lab: Lab, variants: Sequence[Variant], replications: int,
                       precision: Precision | None = None, max_replications: int = 200,
                       plan: float | None = None) -> Replicated:
    """R replications of every variant; with a precision, more until every variant's mean of
    the metric has a 95% CI half-width within the target (or ``max_replications`` is reached).

    The next R is the largest ``n·(h/target)²`` over the variants (n replications so far, h the
    half-width now), at least n + 1: the usual two-stage estimate, repeated until it holds.
    """
    r = replications
    while True:
        records = lab.records(variants, r)
        if precision is None:
            return Replicated(records, r, None)
        estimates = [estimate([float(with_plan(x, plan).get(precision.metric, math.nan))
                               for x in recs])
                     for recs in records]
        needed = max(replications_needed(e, precision) for e in estimates)
        if needed <= r or r >= max_replications:
            met = all(precision.met(e) for e in estimates)
            report = {
                "metric": precision.metric, "target": precision.target,
                "relative": precision.relative, "met": met, "replications": r,
                "max_replications": max_replications,
                "half_widths": {v.name: number(e.half_width)
                                for v, e in zip(variants, estimates, strict=True)},
            }
            return Replicated(records, r, report)
        r = min(max_replications, needed)


def detect_warmup(records: Sequence[Record]) -> Warmup:
    """MSER-5 on deals won per day, averaged over the replications of one variant."""
    series = np.mean(np.asarray([rec[SERIES_FIELD] for rec in records], dtype=np.float64),
                     axis=0)
    return mser5(series.tolist())


def warmup_report(detected: Warmup, applied_days: float, horizon_days: float) -> dict[str, Any]:
    doc = detected.to_json()
    doc["series"] = "deals won per day, mean over the base's replications"
    doc["applied_days"] = number(applied_days)
    doc["horizon_days"] = number(horizon_days)
    doc["note"] = ("the measured window starts at applied_days; leads that arrived earlier are "
                   "not counted" if applied_days > 0 else
                   "no warm-up applied (use --warmup auto or --warmup DAYS for steady-state "
                   "questions)")
    return doc

