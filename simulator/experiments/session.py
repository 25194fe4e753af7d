"""An experiment session, end to end and without printing: checkpoints beside the output
folder, the backend, the Lab, the experiment's runs, then its folder written atomically.

Each kind of experiment (:mod:`experiments.kinds`) is prepared from the command's options and
then run on the Lab the session gives it; the session is the one skeleton they share.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from salesim.simulator.engine.budget import DEFAULT_MAX_MEMORY_GB
from salesim.simulator.experiments.checkpoints import RunStore, Warn
from salesim.simulator.experiments.executors import open_backend
from salesim.simulator.experiments.lab import Interrupted, Lab, ProgressSink
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.documents import (
    ExperimentInfo,
    ExperimentKind,
    now_stamp,
    python_version,
)
from salesim.simulator.store.experiment_folder import ExperimentOutput, write_experiment
from salesim.simulator.store.run_folder import salesim_version

__all__ = ["Experiment", "run_session"]


class Experiment(Protocol):
    """A prepared experiment: its inputs are checked, its variants built; it runs on a Lab."""

    @property
    def kind(self) -> ExperimentKind: ...

    @property
    def base(self) -> Scenario:
        """The base scenario, on the experiment's settings (it names the output folder)."""

    @property
    def seed(self) -> int: ...

    @property
    def description(self) -> str:
        """What the progress bar says: ``Comparing 3 variants``."""

    @property
    def identity(self) -> Mapping[str, Any]:
        """What its runs depend on, besides kind and version (names the checkpoint folder)."""

    def run(self, lab: Lab) -> ExperimentOutput:
        """Run every replication needed on ``lab`` and return the folder's contents."""


def run_session(experiment: Experiment, target: Path, *, force: bool, jobs: int | None,
                scheduler: str | None, progress: ProgressSink | None,
                arguments: Sequence[str], warn: Warn | None = None,
                max_memory_gb: float = DEFAULT_MAX_MEMORY_GB) -> ExperimentOutput:
    """Run ``experiment`` and write its folder ``target``; drop the checkpoints once written.

    Finished runs are checkpointed beside ``target``, so an interrupted session run again with
    the same inputs continues where it stopped; ``warn`` gets a line per invalid checkpoint
    ignored. A KeyboardInterrupt anywhere in the session (Ctrl-C, or a signal the caller turns
    into one) stops the workers at once and is raised as :class:`Interrupted`.

    Raises:
        ExperimentError: the backend cannot be opened, or the experiment finds no answer.
        Interrupted: stopped by the user (the finished runs are kept).
        OutputError: ``target`` cannot be written.
    """
    started = time.perf_counter()
    store = RunStore.beside(target, experiment.kind, {
        "kind": experiment.kind, "version": salesim_version(), **experiment.identity}, warn)
    try:
        with open_backend(jobs, scheduler) as backend:
            lab = Lab(backend, experiment.seed, store, progress, max_memory_gb=max_memory_gb)
            output = experiment.run(lab)
        info = ExperimentInfo(
            salesim_version=salesim_version(), command=experiment.kind,
            arguments=list(arguments), backend=backend.description, workers=backend.workers,
            runs_simulated=lab.executed, finished_at=now_stamp(),
            elapsed_seconds=round(time.perf_counter() - started, 3), python=python_version())
        write_experiment(target, output, info, force)
    except KeyboardInterrupt:
        raise Interrupted(store.count(), store.folder) from None
    store.discard()
    return output
