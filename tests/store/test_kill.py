"""kill -9 of a writer over an existing output: the output is always the complete old or the
complete new folder, and the next writer cleans the leftovers.

Two kinds of trials. Random: a small writer process (``store.atomic.write_folder`` of 300
files) is killed after a random delay, so kills fall while files are written, at the swap and
while the old folder is deleted. Exact: ``salesim run --force`` is stopped at a named step by
the test hook ``SALESIM_TEST_PAUSE_AT`` (``store.swap.pause_point``) and killed there.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from salesim.simulator.store.atomic import MARKER, read_marker
from salesim.simulator.store.swap import PAUSE_ENV
from tests.conftest import BASELINE

FILES = 300
KILLS = 20  # writers killed in the random trials
MAX_TRIALS = 80
WRITER = """
import sys
import time
from pathlib import Path
from salesim.simulator.store.atomic import bytes_writer, write_folder
out, generation, files = Path(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
write_folder(out, {f"f{i:03d}.txt": bytes_writer(generation) for i in range(files)},
             force=True, kind="test")
"""
SALESIM = str(Path(sys.executable).with_name("salesim"))


def _generation(out: Path) -> bytes:
    """The one generation a complete folder holds (fails on a missing, half or mixed one)."""
    assert out.is_dir(), f"{out} is missing"
    marker = read_marker(out)
    assert marker is not None and len(marker["files"]) == FILES
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([MARKER, *marker["files"]])
    contents = {(out / name).read_bytes() for name in marker["files"]}
    assert len(contents) == 1, "a folder mixing two writers"
    found: bytes = contents.pop()
    return found


def _leftovers(parent: Path, out: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name != out.name)


def test_random_kills_leave_the_old_or_the_new_folder(tmp_path: Path) -> None:
    """Kills at random moments of the write: the delay is drawn below the time one whole write
    takes here (measured first), and shrinks whenever a writer finishes before its kill, so
    that most trials are kills however fast or loaded the machine is."""
    out = tmp_path / "out"
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", WRITER, str(out), "0", str(FILES)], check=True)
    whole = time.monotonic() - began
    rng = random.Random(11)
    outcomes = {"killed": 0, "old": 0, "new": 0}
    current = b"0"
    trial = 0
    while outcomes["killed"] < KILLS and trial < MAX_TRIALS:
        trial += 1
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(trial),
                                   str(FILES)])
        try:
            writer.wait(timeout=rng.uniform(0.05, 1.0) * whole)
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            outcomes["killed"] += 1
        else:
            whole *= 0.8  # it finished first: aim earlier
        found = _generation(out)
        assert found in (current, str(trial).encode())
        outcomes["old" if found == current else "new"] += 1
        current = found
    subprocess.run([sys.executable, "-c", WRITER, str(out), "last", str(FILES)], check=True)
    assert _generation(out) == b"last"
    assert _leftovers(tmp_path, out) == []  # the last writer cleaned what kills left
    assert outcomes["killed"] == KILLS
    print(f"random kill trials: {trial}, killed {outcomes['killed']}, then old "
          f"{outcomes['old']}, complete new {outcomes['new']}, half or missing 0")


def _salesim_run(out: Path, seed: int, pause: str = "") -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != PAUSE_ENV}
    if pause:
        env[PAUSE_ENV] = pause
    return subprocess.Popen([SALESIM, "run", str(BASELINE), "--days", "3", "--quick",
                             "--seed", str(seed), "--out", str(out), "--force"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _seed(out: Path) -> int:
    assert (out / MARKER).is_file()
    assert {"summary.json", "events.csv.gz", "scenario.yaml", "run.json"} <= {
        p.name for p in out.iterdir()}
    return int(json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"])


def test_salesim_run_killed_before_and_after_the_swap(tmp_path: Path) -> None:
    out = tmp_path / "X"
    assert _salesim_run(out, seed=1).wait(timeout=60) == 0
    # (step killed at, seed of that run, seed X must then hold): before the swap the old
    # folder stays; after it the new one is in place and only the old one's deletion is lost
    for step, seed, expected in (("written", 2, 1), ("swapped", 3, 3)):
        proc = _salesim_run(out, seed=seed, pause=step)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.strip() == f"salesim-paused {step}", line
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _seed(out) == expected
        assert _leftovers(tmp_path, out)  # the kill left a hidden folder behind
    assert _salesim_run(out, seed=9).wait(timeout=60) == 0
    assert _seed(out) == 9
    assert _leftovers(tmp_path, out) == []  # the next run cleaned up
