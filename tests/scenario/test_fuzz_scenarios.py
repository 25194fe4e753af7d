"""Validated means runnable: mutated shipped scenarios are refused in one line, or they run.

Each example takes a shipped scenario and mutates one place of it: a wrong type, an out-of-bounds
number (nan, inf, 1e308, 1e-320, negative, huge), a missing or unknown key, deep nesting, a huge
list, a YAML tag, bad bytes. The promise: the loader refuses it with a one-line ScenarioError
naming the file (and the field when one is at fault), or the scenario, cut to a 2-day horizon,
passes the resource budget or is refused by it in one line, and simulates and measures without
an exception within a time limit.

``SALESIM_FUZZ_EXAMPLES=2000`` raises the number of examples; ``SALESIM_FUZZ_COUNTS=FILE`` writes
the counts (cases, clean errors, runs, tracebacks, hangs) to FILE as JSON at the end.
"""

from __future__ import annotations

import copy
import json
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.engine.budget import BudgetError, check_budget
from salesim.simulator.runner import simulate
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import SHIPPED_SCENARIOS

EXAMPLES = int(os.environ.get("SALESIM_FUZZ_EXAMPLES", "40"))
RUN_SECONDS = 60  # a run of 2 days that takes longer counts as a hang
COUNTS: Counter[str] = Counter()
DOCS = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED_SCENARIOS}

BAD_NUMBERS = [".nan", ".inf", "-.inf", "1e308", "1.0e-320", "-1", "0", "1e12", "1e4",
               "99999999999999999999999", "-1e-300", "2.5"]
BAD_VALUES = ['"text"', "[]", "{}", "true", "null", "[1, [2, [3]]]", "2026-02-30", '""',
              "{dist: lognormal, mean: 1, sd: 1e200}", "{dist: exponential, mean: 1e-320}",
              "{dist: nope}", "!!binary aGVsbG8=", "!!python/object:object {}", "!x 1",
              "&a [*a]"]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield from _paths(v, (*prefix, i))


PATHS = {name: [p for p in _paths(doc) if p] for name, doc in DOCS.items()}


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


MARK = "__FUZZ__"


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(scenario name, what was done, the mutated file's bytes)."""
    name = draw(st.sampled_from(sorted(DOCS)))
    doc = copy.deepcopy(DOCS[name])
    path = draw(st.sampled_from(PATHS[name]))
    parent, key = _parent(doc, path), path[-1]
    kind = draw(st.sampled_from(["number", "value", "delete", "unknown", "nest", "huge",
                                 "bytes"]))
    raw: str | None = None
    if kind in ("number", "value"):
        raw = draw(st.sampled_from(BAD_NUMBERS if kind == "number" else BAD_VALUES))
        parent[key] = MARK
    elif kind == "delete":
        del parent[key]
    elif kind == "unknown":
        target = parent if isinstance(parent, dict) else doc
        target["surprise_key"] = 1
    elif kind == "nest":
        value: Any = parent[key]
        for _ in range(draw(st.integers(10, 200))):
            value = [value]
        parent[key] = value
    elif kind == "huge":
        parent[key] = [parent[key]] * draw(st.sampled_from([1000, 20_000]))
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    if raw is not None:
        text = text.replace(repr(MARK), raw).replace(MARK, raw)
    data = text.encode("utf-8")
    if kind == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff\xfe", b"\x00", b"\xc3", b"\t\x1b"])) \
            + data[at:]
    return name, f"{kind} at {path}" + (f" = {raw}" if raw else ""), data


def _short(scenario: Scenario) -> Scenario:
    data = scenario.model_dump(by_alias=True, exclude_none=False)
    data["horizon_days"] = min(scenario.horizon_days, 2.0)
    data["warmup_days"] = 0.0
    return Scenario.from_data(data, source="fuzz")


class Hang(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def check_promise(path: Path) -> str:
    """The outcome of one mutated file: "clean error", "budget", "run"; raises otherwise."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(str(path))
        return "clean error"
    short = _short(scenario)
    try:
        check_budget(short)
    except BudgetError as exc:
        assert "\n" not in str(exc)
        return "budget"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(RUN_SECONDS)
    try:
        simulate(short).metrics()
    except Hang:
        COUNTS["hangs"] += 1
        raise
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return "run"


@pytest.fixture(scope="module", autouse=True)
def _counts() -> Iterator[None]:
    yield
    target = os.environ.get("SALESIM_FUZZ_COUNTS")
    if target:
        Path(target).write_text(json.dumps(dict(COUNTS), indent=2) + "\n")


@settings(max_examples=EXAMPLES, deadline=None, report_multiple_bugs=False,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(mutation=mutations())
def test_a_mutated_scenario_is_refused_in_one_line_or_runs(
        tmp_path: Path, mutation: tuple[str, str, bytes]) -> None:
    name, _what, data = mutation
    path = tmp_path / name
    path.write_bytes(data)
    COUNTS["cases"] += 1
    try:
        outcome = check_promise(path)
    except Hang:
        raise
    except Exception:
        COUNTS["tracebacks"] += 1
        raise
    COUNTS[outcome] += 1


# -- the command line: exit 2, one line on stderr, no folder ---------------------------------------

BASE = next(p for p in SHIPPED_SCENARIOS if p.name == "mmc_single.yaml").read_text()
CLI_CASES = {
    "rate nan": BASE.replace("rate: 12 ", "rate: .nan "),
    "rate 1e308": BASE.replace("rate: 12 ", "rate: 1e308 "),
    "headcount text": BASE.replace("headcount: 3 ", "headcount: three "),
    "effort sd 1e200": BASE.replace("{dist: exponential, mean: 4.8}",
                                    "{dist: lognormal, mean: 4.8, sd: 1e200}"),
    "binary tag": BASE.replace("name: mmc_single", "name: !!binary bW1j"),
    "unknown key": BASE.replace("seed: 7", "seed: 7\nsurprise: 1"),
    "missing stages": BASE[:BASE.index("stages:")],
    "bad bytes": BASE.replace("inbound", "in\udcffbound"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_the_cli_refuses_in_one_line(tmp_path: Path, case: str, command: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(CLI_CASES[case].encode("utf-8", "surrogateescape"))
    out = tmp_path / "out"
    args = [command, str(path)] + (["--out", str(out), "--quick"] if command == "run" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}")
    assert not out.exists()
