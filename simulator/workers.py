"""Local worker processes that never outlive the command that started them.

Every process pool salesim starts (replications of ``salesim run``, experiment runs) is made
here. A worker ignores Ctrl-C (the main process handles it and stops the pool) and dies with
its parent, kill -9 included: on Linux the kernel kills it when the parent dies
(``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread checks every second that the parent is
alive.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["worker_pool"]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes that die with this one."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                               initargs=(os.getpid(),))


def _worker_start(parent: int) -> None:
    """A local worker: Ctrl-C is the main process's to handle, and the worker dies with it.

    (PDEATHSIG fires when the *thread* that started the worker ends: the pool starts its
    processes from the thread that submits, which outlives the pool.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:  # not the parent's handlers, inherited through fork
            signal.signal(sig, signal.SIG_DFL)
    armed = _kill_on_parent_death()
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="salesim-parent-watch").start()


def _kill_on_parent_death() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not offered."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int, every_s: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)
