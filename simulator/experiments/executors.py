"""Where runs execute: in this process, in local processes, or on a Dask cluster.

Every backend is a ``concurrent.futures.Executor``; the experiment code never knows which. A run's
random numbers come from ``SeedSequence(seed, spawn_key=(replication,))`` inside the worker, never
from worker state, so every backend and every number of workers gives the same records.

Completed runs are kept in a checkpoint folder as they finish (one JSON file per run, written to
a temporary name and renamed), so an interrupted experiment continues where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from salesim.simulator.experiments.records import Record
from salesim.simulator.experiments.variants import ExperimentError
from salesim.simulator.runner import default_jobs
from salesim.simulator.store.atomic import bytes_writer, write_file

CONNECT_TIMEOUT_S = 5  # an unreachable scheduler is reported within 10 s
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CHECKPOINTS = ".checkpoints"

_P = ParamSpec("_P")
_T = TypeVar("_T")


class InlineExecutor(Executor):
    """Runs each call when it is submitted, in this process (``--jobs 1``): no start-up cost."""

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
               ) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # a KeyboardInterrupt is not caught: it stops the experiment
            future.set_exception(exc)
        return future


@dataclass
class Backend:
    """An executor, how many runs it works on at once, and a line saying what it is."""

    executor: Executor
    workers: int
    description: str
    kind: str  # "inline", "processes", "dask"
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def close(self) -> None:
        self._close()


@contextlib.contextmanager
def open_backend(jobs: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """The executor for an experiment.

    Args:
        jobs: local worker processes (default: one per core; 1 = in this process). With
            ``scheduler="local"``, the number of workers of the embedded Dask cluster.
        scheduler: a Dask scheduler address (``tcp://host:8786``); ``"local"`` for an embedded
            ``LocalCluster``; None for ``$DASK_SCHEDULER_ADDRESS`` if set, else local processes.

    Raises:
        ExperimentError: Dask is not installed, or the scheduler cannot be reached within
            ``CONNECT_TIMEOUT_S`` seconds, or it has no workers.
    """
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        backend = _dask_backend(address, jobs)
    else:
        n = default_jobs() if jobs is None else jobs
        if n <= 1:
            backend = Backend(InlineExecutor(), 1, "in this process", "inline")
        else:
            pool = ProcessPoolExecutor(max_workers=n, initializer=_ignore_interrupts)
            backend = Backend(pool, n, f"{n} local processes", "processes",
                              lambda: pool.shutdown(wait=True, cancel_futures=True))
    try:
        yield backend
    finally:
        backend.close()


def _ignore_interrupts() -> None:
    """Ctrl-C stops the experiment in the main process; workers finish their run quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dask_backend(address: str, jobs: int | None) -> Backend:
    try:
        # imported by name: Dask is an optional extra, and its API is untyped
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise ExperimentError("--scheduler needs Dask: pip install 'salesim[dask]'") from None
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    quiet = [logging.getLogger(n) for n in ("distributed", "tornado")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.CRITICAL)
    try:
        if address == "local":
            n = default_jobs() if jobs is None else jobs
            # no dashboard: on a small machine its updates take CPU from the workers
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster, set_as_default=False)
            where = f"an embedded Dask LocalCluster of {n} workers"

            def close() -> None:
                client.close()
                cluster.close()
        else:
            try:
                client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise ExperimentError(f"cannot reach the Dask scheduler at {address}: "
                                      f"{reason}") from None
            try:
                client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError):
                client.close()
                raise ExperimentError(f"the Dask scheduler at {address} has no workers (none "
                                      f"joined within {CONNECT_TIMEOUT_S} s); start some with "
                                      f"'dask worker {address} --nthreads 1'") from None
            where = f"the Dask scheduler at {address}"
            close = client.close
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
    workers = max(1, sum(client.nthreads().values()))
    # pure=False: every run is submitted once anyway; hashing its arguments would be waste
    return Backend(client.get_executor(pure=False), workers,
                   f"{where} ({workers} worker threads)", "dask", close)


# -- checkpoints ---------------------------------------------------------------------------------


class RunStore:
    """Completed runs of one experiment: ``<folder>/<variant key>-r<replication>.json``.

    Each file is written under a temporary name and renamed into place, so a killed experiment
    leaves whole files or none. Records hold only JSON numbers and strings: a resumed experiment
    reads back exactly the floats it would have computed.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, out: Path, kind: str, identity: dict[str, Any]) -> RunStore:
        """The checkpoint folder of an experiment, ``<out's parent>/.checkpoints/<kind>-<hash>``.

        The hash is of what the runs depend on (the base scenario, seed, salesim version), not of
        the output folder's name: running the same command again finds the runs it already did.
        """
        text = json.dumps(identity, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return cls(out.parent / CHECKPOINTS / f"{kind}-{digest}")

    def _path(self, key: str, replication: int) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}-r{replication}.json"

    def load(self, key: str, replication: int) -> Record | None:
        path = self._path(key, replication)
        if path is None or not path.exists():
            return None
        try:
            record: Record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: run it again
        return record

    def save(self, key: str, replication: int, record: Record) -> None:
        path = self._path(key, replication)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, bytes_writer(json.dumps(record).encode("utf-8")), force=True)

    def count(self) -> int:
        if self.folder is None or not self.folder.exists():
            return 0
        return sum(1 for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def discard(self) -> None:
        """Remove the checkpoints (after the results are written)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.folder.parent.rmdir()  # only if no other experiment keeps runs there
