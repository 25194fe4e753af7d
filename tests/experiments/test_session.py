"""An experiment session end to end: runs, the folder written, read back, checkpoints gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesim.simulator.experiments.kinds import (
    StaffingOptions,
    prepare_compare,
    prepare_optimize,
    prepare_sweep,
)
from salesim.simulator.experiments.session import run_session
from salesim.simulator.experiments.settings import Settings
from salesim.simulator.experiments.variants import ExperimentError
from salesim.simulator.store.atomic import OutputError
from salesim.simulator.store.documents import COMPARE_SCHEMA, SWEEP_SCHEMA
from salesim.simulator.store.experiment_folder import read_experiment
from tests.experiments.test_experiments import TINY


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (folder / "tiny2.yaml").write_text(TINY.replace("name: tiny", "name: tiny_two"),
                                       encoding="utf-8")
    return folder


def test_a_compare_session_writes_a_folder_the_store_reads(scenarios: Path, tmp_path: Path
                                                            ) -> None:
    experiment = prepare_compare([scenarios / "tiny.yaml", scenarios / "tiny2.yaml"],
                                 Settings(replications=2, days=30))
    target = tmp_path / "out" / "cmp"
    output = run_session(experiment, target, force=False, jobs=1, scheduler=None,
                         progress=None, arguments=["compare", "tiny.yaml", "tiny2.yaml"])
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["compare.json", "runs.csv", "summary.csv", "variant-tiny.yaml", "variant-tiny_two.yaml",
         "experiment.json", ".salesim-output"])
    folder = read_experiment(target)
    assert folder.document == json.loads(json.dumps(output.document))
    assert (folder.envelope.kind, folder.envelope.schema_) == ("compare", COMPARE_SCHEMA)
    assert (folder.envelope.base, folder.envelope.replications) == ("tiny", 2)
    assert folder.info is not None
    assert folder.info.command == "compare"
    assert folder.info.arguments == ["compare", "tiny.yaml", "tiny2.yaml"]
    assert folder.info.runs_simulated == 4  # 2 variants × 2 replications, nothing resumed
    assert folder.info.workers == 1
    assert not (target.parent / ".checkpoints").exists()

    with pytest.raises(OutputError, match="already exists"):
        run_session(experiment, target, force=False, jobs=1, scheduler=None, progress=None,
                    arguments=[])
    assert read_experiment(target).document == folder.document


def test_a_sweep_session_keeps_the_grid(scenarios: Path, tmp_path: Path) -> None:
    experiment = prepare_sweep(scenarios / "tiny.yaml", ["roles.closer.headcount=1,2"],
                               Settings(replications=2, days=30))
    assert experiment.description == "Sweeping 2 variants"
    run_session(experiment, tmp_path / "sw", force=False, jobs=1, scheduler=None,
                progress=None, arguments=[])
    folder = read_experiment(tmp_path / "sw")
    assert folder.envelope.schema_ == SWEEP_SCHEMA
    assert folder.document["axes"] == [{"path": "roles.closer.headcount", "values": [1, 2]}]
    assert (tmp_path / "sw" / "scenario.yaml").is_file()


def test_bad_options_are_refused_before_any_run(scenarios: Path) -> None:
    with pytest.raises(ExperimentError, match="--warmup must be a number of days"):
        prepare_compare([scenarios / "tiny.yaml", scenarios / "tiny2.yaml"],
                        Settings(replications=2, warmup="soon"))
    with pytest.raises(ExperimentError, match="compare needs at least two variants"):
        prepare_compare([scenarios / "tiny.yaml"], Settings(replications=2))
    with pytest.raises(ExperimentError, match="--warmup auto is not available for optimize"):
        prepare_optimize(scenarios / "tiny.yaml", StaffingOptions(),
                         Settings(replications=2, warmup="auto"))
    with pytest.raises(ExperimentError, match=r"--range 'closer=3\.\.1': empty range"):
        prepare_optimize(scenarios / "tiny.yaml", StaffingOptions(ranges=["closer=3..1"]),
                         Settings(replications=2))
