"""The Dask backend: a scheduler's address checked before connecting, or an embedded cluster that
only this process can use.

The embedded ``LocalCluster`` (``--scheduler local``) listens on 127.0.0.1 only and speaks TLS
with a certificate made for this run (``Security.temporary()``, kept in memory): the scheduler,
the workers and the nannies require a client certificate signed by it, so another local user's
``Client`` cannot connect, let alone run code on a worker. Dask always starts an HTTP server on
the scheduler and on every worker; here it listens on a random loopback port and serves no
route (no dashboard, no /info, no proxy): every request gets 404.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from salesim.simulator.experiments.variants import ExperimentError

__all__ = ["CONNECT_TIMEOUT_S", "LOOPBACK", "DaskConnection", "check_address", "connect",
           "embedded_cluster"]

CONNECT_TIMEOUT_S = 5  # an unreachable scheduler is reported within 10 s
LOOPBACK = "127.0.0.1"
PROTOCOLS = ("tcp", "tls", "ws", "wss")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})")
# what a client needs to reach a TLS scheduler (dask config keys, as environment variables)
TLS_SETTINGS = ("DASK_DISTRIBUTED__COMM__TLS__CA_FILE", "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY")


@dataclass
class DaskConnection:
    """A connected client, the line that says where it runs, and how to let it go."""

    client: Any
    where: str
    close: Callable[[], None]


def check_address(address: str, option: str = "--scheduler") -> str:
    """``address`` if it reads ``PROTOCOL://HOST:PORT`` (``HOST:PORT`` means tcp), else one line.

    Checked before a ``Client`` is made: a client that fails on a malformed address leaves a
    half-built object whose clean-up times out 10 s later, at exit, with a traceback.
    """
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    match = _HOST_PORT.fullmatch(rest)
    if scheme not in PROTOCOLS or match is None or not 0 < int(match.group(2)) < 65536:
        raise ExperimentError(
            f"{option} {address!r}: not a Dask scheduler address; allowed: 'local' (an "
            f"embedded cluster) or PROTOCOL://HOST:PORT with PROTOCOL one of "
            f"{', '.join(PROTOCOLS)}, PORT 1..65535 (e.g. tcp://10.0.0.5:8786)")
    return text if sep else f"tcp://{text}"


def _distributed() -> Any:
    try:
        # imported by name: Dask is an optional extra, and its API is untyped
        return importlib.import_module("distributed")
    except ImportError:
        raise ExperimentError("--scheduler needs Dask: pip install 'salesim[dask]'") from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Dask's and tornado's log lines (connection retries, shutdown chatter) kept off the screen."""
    quiet = [logging.getLogger(n) for n in ("distributed", "tornado")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)


def embedded_cluster(workers: int) -> DaskConnection:
    """A LocalCluster of ``workers`` single-threaded processes, TLS with a per-run certificate.

    Raises:
        ExperimentError: Dask or ``cryptography`` (which makes the certificate) is missing.
    """
    distributed = _distributed()
    dask: Any = importlib.import_module("dask")
    try:
        security = distributed.Security.temporary()
    except ImportError:
        raise ExperimentError("--scheduler local needs the 'cryptography' package for its "
                              "per-run TLS certificate: pip install 'salesim[dask]'") from None
    no_routes: dict[str, list[str]] = {"distributed.scheduler.http.routes": [],
                                       "distributed.worker.http.routes": []}
    with _quiet(), dask.config.set(no_routes):
        # the nannies hand this config to the worker processes they start
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host=LOOPBACK,
            security=security, protocol="tls://", dashboard_address=None,
            # no dashboard; the HTTP server Dask starts anyway gets a random port, not 8787
            scheduler_kwargs={"dashboard": False, "dashboard_address": f"{LOOPBACK}:0"},
            silence_logs=logging.ERROR)
        client = distributed.Client(cluster, set_as_default=False)

    def close() -> None:
        with _quiet():
            client.close()
            cluster.close()

    return DaskConnection(client, f"an embedded Dask LocalCluster of {workers} workers "
                                  f"(TLS, {LOOPBACK} only)", close)


def connect(address: str, option: str = "--scheduler") -> DaskConnection:
    """A client of the scheduler at ``address`` that has at least one worker.

    A ``tls://`` scheduler needs the client's certificate, key and the cluster's CA in the
    Dask config (``distributed.comm.tls.*``, e.g. :data:`TLS_SETTINGS`), read by Dask itself.

    Raises:
        ExperimentError: a malformed address, missing TLS settings, an unreachable scheduler
            (within ``CONNECT_TIMEOUT_S``), or one without workers.
    """
    address = check_address(address, option)
    distributed = _distributed()
    if address.startswith(("tls://", "wss://")):
        _check_tls_settings(distributed, address)
    with _quiet():
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
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
    return DaskConnection(client, f"the Dask scheduler at {address}", client.close)


def _check_tls_settings(distributed: Any, address: str) -> None:
    tls = distributed.Security().get_tls_config_for_role("client")
    if not (tls.get("ca_file") and tls.get("cert")):
        raise ExperimentError(f"--scheduler {address}: a TLS scheduler needs the cluster's CA "
                              f"and this client's certificate and key; set "
                              f"{', '.join(TLS_SETTINGS)} (see docs/experiments.md)")
