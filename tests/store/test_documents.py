"""Each document of the run folder, written and read back through the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from salesim.simulator.engine.structure import organised
from salesim.simulator.metrics.summary import summary
from salesim.simulator.runner import MeasuredRun, replicate
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import write_folder
from salesim.simulator.store.documents import (
    COMPARE_SCHEMA,
    ConfirmationCost,
    ExperimentEnvelope,
    RunInfo,
    schema_name,
)
from salesim.simulator.store.run_folder import run_files, summary_writer
from salesim.simulator.store.run_reader import ReportError, load_run, read_run_log
from tests.experiments.test_experiments import TINY


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return load_scenario(path).with_overrides(days=30)


@pytest.fixture(scope="module")
def runs(tiny: Scenario) -> list[MeasuredRun]:
    return replicate(tiny, 2, jobs=1)


def _as_json(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def _write_run(tiny: Scenario, runs: list[MeasuredRun], out: Path, info: RunInfo
               ) -> dict[str, Any]:
    doc = summary(organised(tiny), tiny.seed, [r.metrics for r in runs])
    write_folder(out, run_files(tiny, doc, runs, info), force=False)
    return doc


INFO = RunInfo(salesim_version="0.1.0", scenario_file="tiny.yaml", replications=2,
               finished_at="2026-12-03T12:00:00+00:00", elapsed_seconds=1.5,
               confirmation=ConfirmationCost(runs_simulated=6, elapsed_seconds=0.25),
               python="3.11.7")


def test_run_folder_round_trip(tiny: Scenario, runs: list[MeasuredRun], tmp_path: Path) -> None:
    doc = _write_run(tiny, runs, tmp_path / "run", INFO)
    run = load_run(tmp_path / "run", replication=1)
    assert run.summary == _as_json(doc)
    assert RunInfo.model_validate(run.run_info) == INFO
    assert run.scenario == tiny
    assert run.replications == 2
    assert len(run.events) == len(runs[1].result.events)
    log = read_run_log(tmp_path / "run", replication=1)
    assert log.scenario == tiny
    assert len(log.events) == len(runs[1].result.events)
    assert log.events["lead_id"].tolist() == runs[1].result.events["lead_id"].tolist()


def test_run_info_without_confirmation(tiny: Scenario, runs: list[MeasuredRun],
                                       tmp_path: Path) -> None:
    info = INFO.model_copy(update={"confirmation": None})
    _write_run(tiny, runs, tmp_path / "run", info)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["confirmation"] is None
    assert RunInfo.model_validate(load_run(tmp_path / "run").run_info) == info


def test_a_summary_lacking_a_key_is_refused_by_writer_and_reader(
        tiny: Scenario, runs: list[MeasuredRun], tmp_path: Path) -> None:
    doc = _write_run(tiny, runs, tmp_path / "run", INFO)
    lacking = {k: v for k, v in doc.items() if k != "leads"}
    with pytest.raises(ValidationError):
        summary_writer(lacking)
    (tmp_path / "run" / "summary.json").write_text(json.dumps(lacking), encoding="utf-8")
    with pytest.raises(ReportError, match=r"summary.json: not a run summary \(no 'leads'\)"):
        load_run(tmp_path / "run")


def test_a_bad_run_json_is_named(tiny: Scenario, runs: list[MeasuredRun], tmp_path: Path
                                 ) -> None:
    _write_run(tiny, runs, tmp_path / "run", INFO)
    (tmp_path / "run" / "run.json").write_text('{"replications": "many"}', encoding="utf-8")
    with pytest.raises(ReportError, match=r"run.json: replications: "):
        load_run(tmp_path / "run")


def test_schema_names_are_kind_and_version() -> None:
    assert COMPARE_SCHEMA == schema_name("compare") == "salesim.compare/1"
    assert schema_name("optimize") == "salesim.optimize/1"


def test_the_envelope_checks_schema_against_kind() -> None:
    doc = {"schema": "salesim.sweep/1", "kind": "compare", "base": "tiny", "seed": 1,
           "replications": 2, "horizon_days": 30, "warmup_days": 0, "currency": "RUB"}
    with pytest.raises(ValidationError, match=r"expected 'salesim\.compare/1'"):
        ExperimentEnvelope.model_validate(doc)
    envelope = ExperimentEnvelope.model_validate({**doc, "schema": COMPARE_SCHEMA})
    assert (envelope.kind, envelope.schema_, envelope.replications) == ("compare",
                                                                         COMPARE_SCHEMA, 2)
