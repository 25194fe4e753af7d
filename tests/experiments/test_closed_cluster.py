"""The embedded Dask cluster (``--scheduler local``) is closed to every client but this process's:
mutual TLS with a per-run certificate, loopback only, no dashboard, HTTP servers without routes.

A second local user is played by clients without the run's credentials: a plain TCP client, a
TLS client without a certificate, and one with a certificate of its own making. Each must be
refused by the scheduler, the worker and the nanny. Scheduler addresses are checked before
connecting.
"""

from __future__ import annotations

import importlib
import os
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from salesim.simulator.experiments.dask_backend import (
    TLS_SETTINGS,
    DaskConnection,
    check_address,
    connect,
    embedded_cluster,
)
from salesim.simulator.experiments.executors import open_backend
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.variants import ExperimentError, Variant
from tests.experiments.test_experiments import inline_lab, tiny

if os.environ.get("CI"):
    distributed: Any = importlib.import_module("distributed")
else:
    distributed = pytest.importorskip("distributed")
pytest.importorskip("cryptography")


@pytest.fixture(scope="module")
def embedded() -> Iterator[DaskConnection]:
    connection = embedded_cluster(1)
    try:
        yield connection
    finally:
        connection.close()


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.split("://", 1)[1].rpartition(":")
    return host, int(port)


def _addresses(connection: DaskConnection) -> dict[str, str]:
    info = connection.client.scheduler_info()
    (worker, about), = info["workers"].items()
    return {"scheduler": connection.client.scheduler.address, "worker": worker,
            "nanny": about["nanny"]}


def test_every_port_is_tls_on_loopback_and_no_dashboard(embedded: DaskConnection) -> None:
    addresses = _addresses(embedded)
    for role, address in addresses.items():
        assert address.startswith("tls://127.0.0.1:"), (role, address)
    info = embedded.client.scheduler_info()
    http_port = info["services"]["dashboard"]  # the HTTP server Dask always starts
    assert http_port != 8787
    for path in ("/status", "/health", "/info/main/workers.html", "/json/identity.json",
                 "/metrics", "/proxy/8787/127.0.0.1/status"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{http_port}{path}", timeout=5)
        assert refused.value.code == 404, path


def test_a_client_without_the_credentials_is_refused(embedded: DaskConnection) -> None:
    scheduler = _addresses(embedded)["scheduler"]
    plain = "tcp://" + scheduler.split("://", 1)[1]
    with pytest.raises((OSError, TimeoutError)):
        distributed.Client(plain, timeout=2, set_as_default=False)
    # a TLS client with a certificate of its own (another user's): not signed by the run's CA
    stranger = distributed.Security.temporary()
    with pytest.raises((OSError, TimeoutError)):
        distributed.Client(scheduler, security=stranger, timeout=2, set_as_default=False)
    # what the run's own client can do: the cluster works
    assert embedded.client.submit(sum, [1, 2], pure=False).result(timeout=30) == 3


@pytest.mark.parametrize("role", ["scheduler", "worker", "nanny"])
def test_every_listener_requires_a_client_certificate(embedded: DaskConnection,
                                                      role: str) -> None:
    """A TLS handshake without a client certificate: the server ends it (TLS 1.3 says so on the
    first read, TLS 1.2 in the handshake); not a byte of Dask's protocol is answered."""
    host, port = _host_port(_addresses(embedded)[role])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the stranger does not even check the server
    with socket.create_connection((host, port), timeout=5) as raw, \
            pytest.raises((ssl.SSLError, ConnectionError)), context.wrap_socket(raw) as tls:
        tls.sendall(b"\x00" * 16)
        if not tls.recv(1):
            raise ConnectionResetError("closed by the server")


def test_the_embedded_backend_gives_the_in_process_records() -> None:
    variants = [Variant("tiny", tiny(), "")]
    with open_backend(jobs=1, scheduler="local") as backend:
        assert backend.kind == "dask" and "TLS, 127.0.0.1 only" in backend.description
        assert Lab(backend, 7).records(variants, 2) == inline_lab(7).records(variants, 2)


@pytest.mark.parametrize("address", [
    "not a url", "tcp://", "tcp://host", "tcp://host:0", "tcp://host:99999", "http://host:8786",
    "tcp://ho st:8786", "inproc://x", "tcp://host:86a", ":8786", "tls://[::1]", "",
])
def test_malformed_scheduler_addresses_are_refused_before_connecting(address: str) -> None:
    with pytest.raises(ExperimentError, match=r"^--scheduler .*: not a Dask scheduler address; "
                                              r"allowed: 'local'"):
        check_address(address)


@pytest.mark.parametrize(("address", "checked"), [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"), ("host:8786", "tcp://host:8786"),
    ("tls://[::1]:8786", "tls://[::1]:8786"), (" wss://a.b-c:1 ", "wss://a.b-c:1"),
])
def test_well_formed_addresses_pass(address: str, checked: str) -> None:
    assert check_address(address) == checked


def test_tls_without_certificates_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TLS_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ExperimentError, match=r"a TLS scheduler needs the cluster's CA .*"
                                              r"DASK_DISTRIBUTED__COMM__TLS__CA_FILE"):
        connect("tls://127.0.0.1:1")
