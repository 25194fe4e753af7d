"""Fuzzing the scenario loader: it returns a valid Scenario or raises ScenarioError, nothing else.

Three kinds of input:

* random YAML documents (nested dicts, lists and scalars: dates, None, bools, huge ints, inf/nan,
  unicode), random text and random bytes, and a soup of YAML tokens (anchors, tags, brackets);
* random mutations of every shipped scenario (``scenarios/**/*.yaml``): a key deleted or renamed,
  a value replaced, a list item duplicated, a number made negative, zero or huge;
* random edits of the text of the shipped scenarios (a line deleted or duplicated).

Every ScenarioError must be one line starting with the file name; every Scenario must be usable.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from tests.conftest import SHIPPED_SCENARIOS

SHIPPED = SHIPPED_SCENARIOS

# about 15 s in all: each example of the shipped-scenario tests parses a whole scenario (~30 ms),
# so their budget is shared between however many scenarios are shipped
FUZZ = settings(max_examples=200, deadline=None, report_multiple_bugs=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# no shrinking here: it would re-parse a whole scenario thousands of times, and the labelled draws
# ("path", "mutation", "new value") already say what was changed
FUZZ_SHIPPED = settings(FUZZ, max_examples=max(20, 100 // max(len(SHIPPED), 1)),
                        phases=[Phase.explicit, Phase.reuse, Phase.generate])
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FIELD_NAMES = [
    "name", "description", "seed", "currency", "horizon_days", "warmup_days", "calendar",
    "start_date", "weekdays", "hours", "holidays", "segments", "channels", "rate", "per",
    "seasonality", "cost_per_lead", "segment_mix", "deal_size", "roles", "headcount",
    "salary_per_month", "speed", "stages", "assignment", "owner_rule", "queue",
    "cooling_half_life_days", "steps", "role", "effort_hours", "client_delay_days", "conversion",
    "loss_reasons", "sla_days", "segments", "wins", "dist", "value", "mean", "sd", "low", "mode",
    "high", "values", "weights", "A", "B", "cooled",
]


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "scenario.yaml"


def _finite_numbers(value: Any, where: str = "") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value!r} was accepted"
    elif isinstance(value, dict):
        for k, v in value.items():
            _finite_numbers(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _finite_numbers(v, f"{where}[{i}]")


def check_load(path: Path) -> Scenario | ScenarioError:
    """Load ``path``; the result must be a usable Scenario or a well-formed ScenarioError."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        text = str(err)
        assert text.splitlines() == [text], f"not one line: {text!r}"
        assert text.startswith(f"{path}:"), text
        assert err.source == str(path)
        if err.line is not None:
            # YAML also counts U+0085, U+2028 and U+2029 as line breaks, as splitlines() does;
            # one more line for an error at the end of the last line
            text_lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
            assert 1 <= err.line <= len(text_lines) + 1, (
                f"line {err.line} of a {len(text_lines)}-line file: {text}")
        return err
    assert isinstance(scenario, Scenario)
    data = scenario.model_dump(by_alias=True)
    _finite_numbers(data)
    # what was accepted is accepted again unchanged (the CLI's overrides rely on this)
    assert Scenario.from_data(data) == scenario
    scenario.win_step()
    scenario.work_calendar()
    for role in scenario.roles:
        scenario.work_calendar(role.name)
    return scenario


def dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False)


def write_and_check(path: Path, text: str | bytes) -> Scenario | ScenarioError:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return check_load(path)


# -- (a) random documents -------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["mon", "funday", "09:00-18:00", "9-25", "lognormal", "owned", "cooled", ""]),
    st.dates(),
    st.datetimes(),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12), st.integers(-3, 3))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


@FUZZ
@given(doc=documents)
def test_random_yaml_documents(scenario_file: Path, doc: Any) -> None:
    write_and_check(scenario_file, dump(doc))


@settings(FUZZ, max_examples=150)
@given(doc=st.dictionaries(st.sampled_from(FIELD_NAMES), documents, min_size=1, max_size=8))
def test_random_documents_with_scenario_keys(scenario_file: Path, doc: dict[str, Any]) -> None:
    write_and_check(scenario_file, dump(doc))


@FUZZ
@given(text=st.text(max_size=300))
@example(text="name: \x00")
@example(text="\ufeffname: x")
def test_random_text(scenario_file: Path, text: str) -> None:
    write_and_check(scenario_file, text)


@FUZZ
@given(blob=st.binary(max_size=300))
@example(blob=b"\xff\xfe\x00n\x00a")
def test_random_bytes(scenario_file: Path, blob: bytes) -> None:
    write_and_check(scenario_file, blob)


TOKENS = [
    "name", "horizon_days", "stages", "steps", "roles", "channels", "a", "x", "1", "-1", "0.5",
    ".inf", ".nan", "~", "null", "yes", "2026-01-05", "2026-02-30", "2026-01-05 25:00:00",
    "1:30", "0x1F", "'q'", '"q\\n"', ":", ": ", "- ", "-", "[", "]", "{", "}", ", ", "? ", "|",
    ">", "#", "&a ", "*a", "&b ", "*b", "<<: ", "!!binary ", "!!python/object:os.system ",
    "!!set ", "!!omap ", "!foo ", "!!timestamp ", "!!float ", "!!int ", "---", "...", "%YAML 1.1",
    "\n", "\n  ", "\n    ", "\t", " ", "\u2028", "\x85",
]


@FUZZ
@given(parts=st.lists(st.sampled_from(TOKENS), max_size=40))
@example(parts=["name", ": ", "&a ", "[", "*a", "]"])
@example(parts=["name", ": ", "2026-02-30"])
@example(parts=["name", ": ", "!!python/object:os.system ", "x"])
@example(parts=['"q\\n"', ": ", "1"])
@example(parts=["name", ": ", "!!float "])
@example(parts=["name", ": ", "!!int ", "x"])
@example(parts=["name", ": ", "!!bool ", "x"])
@example(parts=["name", ": ", "!!timestamp ", "x"])
@example(parts=["a", ": ", "&a ", "1", "\n", "b", ": ", "\n  ", "<<: ", "*a"])
def test_yaml_token_soup(scenario_file: Path, parts: list[str]) -> None:
    write_and_check(scenario_file, "".join(parts))


# -- (b) mutations of the shipped scenarios -------------------------------------------------------


def test_shipped_scenarios_exist_and_load() -> None:
    assert SHIPPED, "no scenarios/**/*.yaml to fuzz"
    for path in SHIPPED:
        assert isinstance(check_load(path), Scenario), path


Node = tuple[str | int, ...]


def _nodes(data: Any, path: Node = ()) -> list[Node]:
    """Every path in the data, the root included."""
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _nodes(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _nodes(v, (*path, i))
    return out


def _parent(data: Any, path: Node) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _number_variants(x: float) -> st.SearchStrategy[Any]:
    return st.sampled_from([-x, 0, 0.0, -1, 10**30, 1e308, -(10**30), 10**400, math.inf,
                            -math.inf, math.nan, x + 0.5, int(x) if math.isfinite(x) else 0,
                            str(x), True])


new_values = st.one_of(scalars, st.lists(scalars, max_size=3),
                       st.dictionaries(keys, scalars, max_size=3), documents)

MUTATIONS = ["delete", "replace", "duplicate_item", "number", "rename", "empty"]


def _mutate(data: Any, draw: Any) -> str:
    nodes = [n for n in _nodes(data) if n]
    path = draw(st.sampled_from(nodes), label="path")
    parent, last = _parent(data, path), path[-1]
    kind = draw(st.sampled_from(MUTATIONS), label="mutation")
    value = parent[last]
    if kind == "delete":
        del parent[last]
    elif kind == "replace":
        parent[last] = draw(new_values, label="new value")
    elif kind == "duplicate_item":
        if isinstance(parent, list):
            parent.insert(last, parent[last])
        elif isinstance(value, list) and value:
            value.append(value[draw(st.integers(0, len(value) - 1))])
        else:
            parent[last] = [value, value]
    elif kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and abs(value) < 1e300:
            parent[last] = draw(_number_variants(float(value)), label="number")
        else:
            parent[last] = draw(st.sampled_from([-1, 0, 10**30, math.inf]), label="number")
    elif kind == "rename":
        if isinstance(parent, dict):
            new_key = draw(keys, label="new key")
            parent[new_key] = parent.pop(last)
        else:
            parent[last] = {draw(keys, label="new key"): value}
    else:  # empty
        parent[last] = draw(st.sampled_from([None, [], {}, ""]), label="empty value")
    return f"{kind} at {path}"


@pytest.mark.parametrize("shipped", SHIPPED, ids=[p.stem for p in SHIPPED])
@FUZZ_SHIPPED
@given(data=st.data())
def test_mutated_shipped_scenarios(scenario_file: Path, shipped: Path, data: st.DataObject
                                   ) -> None:
    doc = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    n = data.draw(st.integers(1, 3), label="mutations")
    for _ in range(n):
        _mutate(doc, data.draw)
    write_and_check(scenario_file, dump(doc))


@pytest.mark.parametrize("shipped", SHIPPED, ids=[p.stem for p in SHIPPED])
@FUZZ_SHIPPED
@given(data=st.data())
def test_line_edits_of_shipped_scenarios(scenario_file: Path, shipped: Path,
                                         data: st.DataObject) -> None:
    lines = shipped.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(["delete", "duplicate", "dedent", "indent", "swap"]))
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
        elif how == "indent":
            lines[i] = "  " + lines[i]
        elif i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        if not lines:
            break
    write_and_check(scenario_file, "".join(lines))


def test_fuzz_dumper_writes_dates_as_dates() -> None:
    # dates are written unquoted, so the loader receives real dates, as from a scenario file
    assert yaml.safe_load(dump({"d": dt.date(2026, 1, 5)})) == {"d": dt.date(2026, 1, 5)}
