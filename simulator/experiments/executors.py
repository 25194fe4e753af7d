"""Where runs execute: in this process, in local processes, or on a Dask cluster.

Every backend is a ``concurrent.futures.Executor``; the experiment code never knows which. A run's
random numbers come from ``SeedSequence(seed, spawn_key=(replication,))`` inside the worker, never
from worker state, so every backend and every number of workers gives the same records.

Local worker processes die with the command (kill -9 included), and an interrupted experiment
stops its workers at once; its finished runs are in its checkpoints (:mod:`checkpoints`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from salesim.simulator.experiments.dask_backend import connect, embedded_cluster
from salesim.simulator.experiments.variants import ExperimentError
from salesim.simulator.runner import default_jobs
from salesim.simulator.workers import worker_pool

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
JOBS_PER_CORE = 4
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
    _abort: Callable[[], None] | None = field(default=None, repr=False)

    def close(self) -> None:
        """Let the workers go once every run is done."""
        self._close()

    def abort(self) -> None:
        """Stop at once (interrupted, or failing): runs in progress are dropped, not awaited."""
        (self._abort or self._close)()


@contextlib.contextmanager
def open_backend(jobs: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """The executor for an experiment.

    Args:
        jobs: local worker processes (default: one per core; 1 = in this process). With
            ``scheduler="local"``, the number of workers of the embedded Dask cluster.
        scheduler: a Dask scheduler address (``tcp://host:8786``); ``"local"`` for an embedded
            ``LocalCluster`` (TLS, loopback only, see :mod:`experiments.dask_backend`); None for
            ``$DASK_SCHEDULER_ADDRESS`` if set, else local processes.

    An exception (Ctrl-C included) leaving the block stops the workers at once; local worker
    processes also die with this process if it is killed (:func:`_worker_start`). At most
    :func:`max_jobs` local processes are started, whatever ``jobs`` asks.

    Raises:
        ExperimentError: Dask is not installed, the address is malformed, or the scheduler
            cannot be reached within ``CONNECT_TIMEOUT_S`` seconds, or it has no workers.
    """
    n = default_jobs() if jobs is None else jobs
    if n < 1:
        raise ExperimentError(f"--jobs must be 1 or more, got {n}")
    n = min(n, max_jobs())
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        backend = _dask_backend(address, n, "--scheduler" if scheduler else f"${SCHEDULER_ENV}")
    elif n == 1:
        backend = Backend(InlineExecutor(), 1, "in this process", "inline")
    else:
        pool = worker_pool(n)
        backend = Backend(pool, n, f"{n} local processes", "processes",
                          lambda: pool.shutdown(wait=True, cancel_futures=True),
                          lambda: _kill_pool(pool))
    try:
        yield backend
    except BaseException:
        backend.abort()
        raise
    backend.close()


def max_jobs() -> int:
    """The most local worker processes an experiment starts: a few per core.

    More only add memory (each is a Python process with the engine loaded) and contention.
    """
    return max(8, JOBS_PER_CORE * default_jobs())


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting for the runs in progress: kill its processes."""
    # the pool's processes (private; Python 3.14's pool.kill_workers() does the same)
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=5)
    # and wait for the pool's manager thread to see them gone and close its wake-up pipe:
    # otherwise Python's exit hook may write to that pipe while the thread closes it ("Bad
    # file descriptor" printed at exit)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)


def _dask_backend(address: str, jobs: int, option: str) -> Backend:
    connection = embedded_cluster(jobs) if address == "local" else connect(address, option)
    client = connection.client
    workers = max(1, sum(client.nthreads().values()))
    # pure=False: every run is submitted once anyway; hashing its arguments would be waste
    return Backend(client.get_executor(pure=False), workers,
                   f"{connection.where} ({workers} worker threads)", "dask", connection.close)
