"""Checkpoints are validated before use: an invalid one is deleted with one warning, the run is
simulated again, and resume never crashes. Variant names that clash are refused, not renamed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesim.simulator.experiments import records as rec
from salesim.simulator.experiments.checkpoints import SCHEMA, RunStore
from salesim.simulator.experiments.variants import ExperimentError, Variant, load_variants
from tests.experiments.test_experiments import TINY, inline_lab, tiny


@pytest.fixture(scope="module")
def record() -> rec.Record:
    return rec.run_record(tiny(), 7, 0)


def _envelope(record: object, key: str = "k", replication: int = 0) -> str:
    return json.dumps({"schema": SCHEMA, "variant": key, "replication": replication,
                       "record": record})


def test_a_valid_checkpoint_round_trips(tmp_path: Path, record: rec.Record) -> None:
    store = RunStore(tmp_path)
    store.save("k", 0, record)
    assert json.loads((tmp_path / "k-r0.json").read_text())["schema"] == SCHEMA
    assert store.load("k", 0) == record and store.ignored == 0


@pytest.mark.parametrize(("content", "why"), [
    ("{}", "no 'schema'"),
    ('{"schema": "salesim.checkpoint/1", "variant": "k", "repl', "not readable JSON"),
    ("", "not readable JSON"),
    ("[1, 2]", "expected a JSON object, found list"),
    ("null", "expected a JSON object, found NoneType"),
    ('{"schema": "salesim.checkpoint/0", "variant": "k", "replication": 0, "record": {}}',
     "schema 'salesim.checkpoint/0'"),
    (_envelope({}, key="other"), "it holds variant 'other' replication 0"),
    (_envelope({}, replication=3), "it holds variant 'k' replication 3"),
    (_envelope({"revenue": 1.0}), "record field 'revenue_per_month' is missing"),
    (_envelope("text"), "the record is str"),
    ("[" * 100_000, "not readable JSON"),
])
def test_an_invalid_checkpoint_is_ignored_with_one_warning(tmp_path: Path, content: str,
                                                           why: str) -> None:
    (tmp_path / "k-r0.json").write_text(content)
    warnings: list[str] = []
    store = RunStore(tmp_path, warnings.append)
    assert store.load("k", 0) is None
    assert len(warnings) == 1 and why in warnings[0], warnings
    assert warnings[0].endswith("; that run is simulated again")
    assert not (tmp_path / "k-r0.json").exists() and store.ignored == 1


def test_a_bad_field_in_a_whole_record_is_caught(record: rec.Record) -> None:
    assert rec.record_problem(record) is None
    assert rec.record_problem({**record, "won": True}) == (
        "record field 'won' is missing or not a number")
    assert rec.record_problem({**record, "won_per_day": [1, "x"]}) is not None
    assert rec.record_problem({**record, "bottleneck_kind": None}) is not None


def test_resume_over_invalid_checkpoints_runs_them_again(tmp_path: Path) -> None:
    v = Variant("tiny", tiny(), "test")
    warnings: list[str] = []
    store = RunStore(tmp_path, warnings.append)
    first = inline_lab(store=store).records([v], 3)
    (tmp_path / f"{v.key}-r0.json").write_text("{}")
    (tmp_path / f"{v.key}-r2.json").write_bytes(b"\xff\xfe garbage")
    again = inline_lab(store=store)
    assert again.records([v], 3) == first and again.executed == 2 and len(warnings) == 2


def test_an_unwritable_checkpoint_folder_is_one_line(tmp_path: Path, record: rec.Record) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ExperimentError, match=r"^cannot keep the runs' checkpoints in .*file"):
        RunStore(tmp_path / "file" / "cp").save("k", 0, record)


# -- variant names -------------------------------------------------------------------------------


def _set(tmp_path: Path, *names: str) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY)
    entries = "".join(f"  - name: {n}\n    set: {{roles.closer.headcount: {i + 2}}}\n"
                      for i, n in enumerate(names))
    path = tmp_path / "set.yaml"
    path.write_text(f"base: tiny.yaml\nvariants:\n{entries}")
    return path


def test_a_duplicate_variant_name_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match=r"set\.yaml:5: variants\[1\]\.name: 'x' is "
                                              r"already the name of variants\[0\]"):
        load_variants([_set(tmp_path, "x", "x")])


def test_names_that_write_one_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match=r"variants 'a b' and 'a_b' would both be written "
                                              r"to variant-a_b\.yaml"):
        load_variants([_set(tmp_path, "a b", "a_b")])


def test_a_variant_named_like_the_base_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match=r"variant name 'tiny' is already the name of "):
        load_variants([_set(tmp_path, "tiny")])


def test_a_file_whose_stem_is_taken_too_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY)
    other = tmp_path / "x" / "tiny.yaml"
    other.parent.mkdir()
    other.write_text(TINY.replace("rate: 6", "rate: 7"))
    with pytest.raises(ExperimentError, match=r"variant name 'tiny' is already the name of"):
        load_variants([tmp_path / "tiny.yaml", other])
