"""Golden hashes: the shipped scenarios give the same files, byte for byte.

Two layers are pinned at one seed (each scenario's own) and 30 measured days:

* the API: ``simulate`` + ``summary`` of every shipped scenario;
* the command line: every file that ``salesim run --quick --report`` writes for every shipped
  scenario, and every file of ``salesim compare`` on each shipped variant set (``run.json`` and
  ``experiment.json`` hold wall-clock times and are left out; the report's "finished at" stamp
  and elapsed time are masked).

A change that alters results must say why in its commit message; regenerate with
``python -m tests.test_golden`` and commit ``tests/golden.json`` with that message.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from salesim.simulator.metrics.summary import summary
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.loader import load_scenario
from tests.conftest import ROOT

GOLDEN = Path(__file__).with_name("golden.json")
DAYS = 30  # measured days after each scenario's warm-up: short, but every feature runs
SCENARIOS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")
                   if "variants" not in p.parts)
VARIANT_SETS = sorted(p.relative_to(ROOT).as_posix()
                      for p in (ROOT / "scenarios" / "variants").glob("*.yaml"))
CLOCK_FILES = {"run.json", "experiment.json"}
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
                   rb"|simulated in(</td><td class=\"text\">| \| )[^<|\n]*")
SALESIM = str(Path(sys.executable).with_name("salesim"))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(path: str) -> dict[str, str]:
    scenario = load_scenario(ROOT / path).with_overrides(days=DAYS)
    result = simulate(scenario)
    events = result.events.to_csv(index=False, float_format="%.9g").encode()
    doc = json.dumps(summary(result.scenario, result.seed, [result.metrics()]), sort_keys=True,
                     default=str).encode()
    return {"events": _digest(events), "summary": _digest(doc)}


def folder_fingerprint(*args: str) -> dict[str, str]:
    """Hashes of every file a command writes into its --out folder."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run([SALESIM, *args, "--days", str(DAYS), "--out", str(out)], cwd=ROOT,
                       check=True, capture_output=True)
        return {f.relative_to(out).as_posix(): _digest(STAMP.sub(b"<time>", f.read_bytes()))
                for f in sorted(out.rglob("*")) if f.is_file() and f.name not in CLOCK_FILES}


def cli_fingerprint(key: str) -> dict[str, str]:
    kind, path = key.split(" ", 1)
    if kind == "run":
        return folder_fingerprint("run", path, "--quick", "--report")
    return folder_fingerprint("compare", path, "-r", "2", "--jobs", "1")


CLI_KEYS = [f"run {p}" for p in SCENARIOS] + [f"compare {p}" for p in VARIANT_SETS]


@pytest.mark.parametrize("path", SCENARIOS)
def test_results_are_unchanged(path: str) -> None:
    golden = json.loads(GOLDEN.read_text())
    assert fingerprint(path) == golden[path], (
        f"{path}: results changed; if that is intended, run 'python -m tests.test_golden' and "
        f"say why in the commit message")


@pytest.mark.parametrize("key", CLI_KEYS)
def test_written_files_are_unchanged(key: str) -> None:
    golden = json.loads(GOLDEN.read_text())["cli"][key]
    written = cli_fingerprint(key)
    changed = sorted(name for name in golden.keys() | written.keys()
                     if golden.get(name) != written.get(name))
    assert not changed, (f"salesim {key}: {', '.join(changed)} changed; if that is intended, run "
                         f"'python -m tests.test_golden' and say why in the commit message")


if __name__ == "__main__":
    document: dict[str, object] = {p: fingerprint(p) for p in SCENARIOS}
    document["cli"] = {key: cli_fingerprint(key) for key in CLI_KEYS}
    GOLDEN.write_text(json.dumps(document, indent=2) + "\n")
    sys.stdout.write(f"wrote {GOLDEN}\n")
