"""An experiment with ``--jobs 2`` stopped from outside: kill -9 leaves no worker behind;
SIGTERM and Ctrl-C (SIGINT) end it with one line, exit 143 / 130, no worker left, the finished
runs kept, and the same command run again continues from them.

Worker processes are found and watched through /proc (Linux): the children of the command's
main process. A dead worker whose new parent does not reap it is a zombie: it counts as gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.experiments.test_experiments import TINY

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")

GRID = ["--vary", "roles.closer.headcount=1..3", "--vary", "channels.web.rate=4,6"]
RUNS = 3 * 2 * 2  # the grid × -r 2


def _start(scenario: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "salesim", "sweep", str(scenario), *GRID, "-r", "2",
               "-j", "2", "--out", str(out)]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _checkpoints(out: Path) -> list[Path]:
    return list((out.parent / ".checkpoints").glob("*/*.json"))


def _workers_once_running(proc: subprocess.Popen[str], out: Path) -> list[int]:
    """The main process's children, once two runs are checkpointed (so the pool is busy)."""
    deadline = time.monotonic() + 60
    while len(_checkpoints(out)) < 2:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "no run finished within 60 s"
        time.sleep(0.05)
    children = []
    for task in Path(f"/proc/{proc.pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_kill_9_of_the_command_leaves_no_worker(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = _start(scenario, out)
    try:
        workers = _workers_once_running(proc, out)
        assert len(workers) == 2
        proc.send_signal(signal.SIGKILL)  # the main process only, not its process group
        proc.wait(timeout=10)
        left = _gone_within(workers, 5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group, if the test fails
        proc.communicate()
    assert left == [], f"workers {left} outlived the killed command"
    assert not out.exists()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_ends_cleanly_and_a_rerun_resumes(scenario: Path, tmp_path: Path,
                                                        sig: signal.Signals, code: int) -> None:
    out = tmp_path / "sweep"
    proc = _start(scenario, out)
    try:
        workers = _workers_once_running(proc, out)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == code, err
    assert err.startswith(f"interrupted ({sig.name}): ") and err.count("\n") == 1, err
    assert "finished runs kept in" in err and "run the same command again" in err
    assert _gone_within(workers, 2) == []
    saved = len(_checkpoints(out))
    assert 2 <= saved < RUNS and f": {saved} finished runs kept" in err
    assert not out.exists()  # nothing half-written
    if sig == signal.SIGINT:
        return  # resuming is the same for both; once is enough
    again = _start(scenario, out)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    info = json.loads((out / "experiment.json").read_text())
    assert info["runs_simulated"] == RUNS - saved
    assert _checkpoints(out) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_salesim_run_writes_nothing_and_leaves_no_worker(
        tmp_path: Path, sig: signal.Signals) -> None:
    """``salesim run`` stopped while its replications run: no folder, no worker left; SIGTERM
    with one line and exit 143 (kill -9 cannot be answered: its workers die with it)."""
    out = tmp_path / "run"
    command = [sys.executable, "-m", "salesim", "run", str(ROOT / "scenarios" /
               "b2b_baseline.yaml"), "-r", "4", "-j", "2", "--out", str(out)]
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children:  # the replications' pool is up: the run is simulating
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "no worker started within 60 s"
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143, err
        assert err.strip().splitlines() == [f"interrupted (SIGTERM): nothing written to {out}"]
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    assert _gone_within(children, 10) == []
