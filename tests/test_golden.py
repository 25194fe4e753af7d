"""Golden hashes: the shipped scenarios give the same event log and summary, byte for byte.

A change that alters results must say why in its commit message; regenerate with
``python -m tests.test_golden`` and commit ``tests/golden.json`` with that message.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from simulator.loader import load_scenario
from simulator.runner import simulate
from simulator.summary import summary
from tests.conftest import ROOT

GOLDEN = Path(__file__).with_name("golden.json")
DAYS = 30  # measured days after each scenario's warm-up: short, but every feature runs
SCENARIOS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")
                   if "variants" not in p.parts)


def fingerprint(path: str) -> dict[str, str]:
    scenario = load_scenario(ROOT / path).with_overrides(days=DAYS)
    result = simulate(scenario)
    events = result.events.to_csv(index=False, float_format="%.9g").encode()
    doc = json.dumps(summary(result.scenario, result.seed, [result.metrics()]), sort_keys=True,
                     default=str).encode()
    return {"events": hashlib.sha256(events).hexdigest(),
            "summary": hashlib.sha256(doc).hexdigest()}


@pytest.mark.parametrize("path", SCENARIOS)
def test_results_are_unchanged(path: str) -> None:
    golden = json.loads(GOLDEN.read_text())
    assert fingerprint(path) == golden[path], (
        f"{path}: results changed; if that is intended, run 'python -m tests.test_golden' and "
        f"say why in the commit message")


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps({p: fingerprint(p) for p in SCENARIOS}, indent=2) + "\n")
    sys.stdout.write(f"wrote {GOLDEN}\n")
