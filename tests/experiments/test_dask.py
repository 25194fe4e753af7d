"""The Dask backend: a LocalCluster of 2 worker processes gives exactly the records and files
that local processes give; an unreachable scheduler is reported fast.

Needs the ``dask`` extra (``pip install -e '.[dask]'``). Locally the tests skip without it; in CI
(``CI`` set) a missing extra fails them, so the Dask path cannot go untested unnoticed.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesim.simulator.experiments.executors import open_backend
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.variants import Change, ExperimentError, Variant, apply
from tests.cli.test_experiments_cli import run
from tests.experiments.test_experiments import TINY, inline_lab, tiny

if os.environ.get("CI"):
    distributed: Any = importlib.import_module("distributed")
else:
    distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A LocalCluster of 2 single-threaded worker processes; yields its address."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as local:
        yield local.scheduler_address


def _variants() -> list[Variant]:
    return [Variant("tiny", tiny(), ""),
            Variant("two", apply(tiny(), [Change("roles.closer.headcount", 2)]), "")]


def test_dask_records_equal_in_process_records(cluster: str) -> None:
    expected = inline_lab(7).records(_variants(), 3)
    with open_backend(scheduler=cluster) as backend:
        assert backend.kind == "dask" and backend.workers == 2
        got = Lab(backend, 7).records(_variants(), 3)
    assert got == expected


def test_compare_on_the_cluster_writes_the_same_files(cluster: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(TINY)
    b.write_text(TINY.replace("name: tiny", "name: tiny2").replace("rate: 6", "rate: 7"))
    code, _, err = run("compare", str(a), str(b), "-r", "3", "-j", "1",
                       "--out", str(tmp_path / "local"))
    assert code == 0, err
    code, _, err = run("compare", str(a), str(b), "-r", "3", "--scheduler", cluster,
                       "--out", str(tmp_path / "dask"))
    assert code == 0, err
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    code, _, err = run("compare", str(a), str(b), "-r", "3", "--out", str(tmp_path / "env"))
    assert code == 0, err
    for name in ("compare.json", "runs.csv", "summary.csv"):
        local = (tmp_path / "local" / name).read_bytes()
        assert (tmp_path / "dask" / name).read_bytes() == local, name
        assert (tmp_path / "env" / name).read_bytes() == local, name
    info = json.loads((tmp_path / "env" / "experiment.json").read_text())
    assert info["backend"].startswith(f"the Dask scheduler at {cluster}")


def test_unreachable_scheduler_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(ExperimentError, match=r"cannot reach the Dask scheduler at "
                                              r"tcp://127\.0\.0\.1:1"), \
            open_backend(scheduler="tcp://127.0.0.1:1"):
        pass
    assert time.monotonic() - started < 10
