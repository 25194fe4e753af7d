"""The salesim command as a user runs it: outputs, determinism, --force, validate, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli.main import app
from salesim.simulator.scenario.loader import load_scenario
from tests.conftest import BASELINE, ROOT, SHIPPED_SCENARIOS

runner = CliRunner()
RUN_FILES = {"summary.json", "events.csv.gz", "stages.csv", "steps.csv", "losses.csv",
             "roles.csv", "people.csv", "channels.csv", "monthly.csv", "pnl.csv", "payroll.csv",
             "cash.csv", "clients.csv", "activity.csv", "warnings.csv", "ranking.csv",
             "plan_fact_daily.csv", "plan_fact_monthly.csv", "forecast_accuracy.csv",
             "scenario.yaml",
             "run.json", ".salesim-output"}


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def baseline_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "base"
    code, text = run("run", str(BASELINE), "--days", "60", "--confirm-replications", "2",
                     "--out", str(out))
    assert code == 0, text
    assert "Funnel by stage" in text and "the bottleneck" in text and str(out) in text
    return out


def test_run_writes_every_output(baseline_out: Path) -> None:
    assert {p.name for p in baseline_out.iterdir()} == RUN_FILES


def test_summary_contract(baseline_out: Path) -> None:
    doc = json.loads((baseline_out / "summary.json").read_text())
    assert doc["scenario"] == "b2b_baseline" and doc["seed"] == 42
    # --days 60 measures 60 days after the scenario's 45-day warm-up
    assert (doc["replications"], doc["horizon_days"], doc["warmup_days"]) == (1, 105, 45)
    leads = doc["leads"]
    assert leads["generated"] == leads["won"] + leads["lost"] + leads["in_progress"]
    assert isinstance(doc["revenue"], float) and doc["revenue"] > 0
    assert [s["name"] for s in doc["stages"]] == [s.name for s in load_scenario(BASELINE).stages]
    for stage in doc["stages"]:
        assert {"name", "entered", "converted", "lost", "conversion", "wait_days_mean",
                "cycle_days_mean"} <= set(stage)
    for role in doc["roles"]:
        assert {"name", "headcount", "utilization"} <= set(role)
        assert 0 <= role["utilization"] <= 1
    assert {"stage", "role", "evidence", "screen", "confirmation"} <= set(doc["bottleneck"])
    assert doc["bottleneck"]["confirmation"]["replications"] == 2


def test_the_scenario_as_run_loads_again(baseline_out: Path) -> None:
    again = load_scenario(baseline_out / "scenario.yaml")
    assert again == load_scenario(BASELINE).with_overrides(days=60)


def test_same_seed_gives_byte_identical_files(baseline_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    code, text = run("run", str(BASELINE), "--days", "60", "--confirm-replications", "2",
                     "--out", str(out))
    assert code == 0, text
    for name in RUN_FILES - {"run.json"}:
        assert (out / name).read_bytes() == (baseline_out / name).read_bytes(), name


def test_replications_give_confidence_intervals_whatever_the_jobs(tmp_path: Path) -> None:
    docs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        code, text = run("run", str(BASELINE), "--days", "30", "-r", "3", "--jobs", jobs,
                         "--confirm-replications", "3", "--out", str(out))
        assert code == 0, text
        assert "±" in text
        docs.append((out / "summary.json").read_bytes())
    assert docs[0] == docs[1]
    doc = json.loads(docs[0])
    assert doc["replications"] == 3
    low, high = doc["revenue_ci95"]
    assert low < doc["revenue"] < high
    assert len(doc["stages"][0]["conversion_ci95"]) == 2
    assert "agreement" in doc["bottleneck"]
    assert doc["bottleneck"]["confirmation"]["replications"] == 3  # the run's own three


def test_run_prints_russian_numbers_with_locale_ru(baseline_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "ru"
    code, text = run("run", str(BASELINE), "--days", "30", "--locale", "ru", "--quick",
                     "--out", str(out))
    assert code == 0, text
    doc = json.loads((out / "summary.json").read_text())
    generated, revenue = doc["leads"]["generated"], doc["revenue"]
    assert generated >= 1000 or revenue >= 1000  # big enough to need a thousands separator
    grouped = f"{round(revenue):,}".replace(",", "\u00a0")
    assert f"Revenue {grouped}\u00a0₽" in text
    assert f"lead→deal {doc['lead_to_deal'] * 100:.1f}".replace(".", ",") + "\u00a0%" in text
    assert "Lead development" in text and "Hunters" in text  # labels, not names
    code, text = run("run", str(BASELINE), "--days", "30", "--locale", "de", "--out",
                     str(tmp_path / "de"))
    assert code == 2 and text.startswith("error:") and "de" in text


def test_existing_output_is_kept_without_force(baseline_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    code, text = run("run", str(BASELINE), "--days", "10", "--quick", "--out", str(out))
    assert code == 2
    assert text.strip().count("\n") == 0 and text.startswith("error:") and "--force" in text
    assert (out / "notes.txt").read_text() == "my notes"
    code, text = run("run", str(BASELINE), "--days", "10", "--quick", "--out", str(out),
                     "--force")  # not a folder salesim wrote: kept even with --force
    assert code == 2 and "salesim did not write" in text
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    salesims = tmp_path / "theirs"
    for _ in range(2):
        code, text = run("run", str(BASELINE), "--days", "10", "--quick", "--out",
                         str(salesims), "--force")
        assert code == 0, text
    assert {p.name for p in salesims.iterdir()} == RUN_FILES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_bad_override_is_one_line(tmp_path: Path) -> None:
    code, text = run("run", str(BASELINE), "--days", "-5", "--out", str(tmp_path / "x"))
    assert code == 2
    assert text.startswith("error:") and "--days" in text and "Traceback" not in text
    assert not (tmp_path / "x").exists()


def test_validate_describes_the_scenario() -> None:
    code, text = run("validate", str(BASELINE))
    assert code == 0, text
    assert "valid scenario: b2b_baseline" in text
    assert "Role closer: 4 people" in text
    assert "money (client) [won here]" in text


def test_schema_is_json_schema() -> None:
    code, text = run("schema")
    assert code == 0
    schema = json.loads(text)
    assert {"name", "horizon_days", "channels", "roles", "stages"} <= set(schema["properties"])
    assert "horizon_days" in schema["required"]


@pytest.mark.parametrize("path", [p.relative_to(ROOT).as_posix() for p in SHIPPED_SCENARIOS])
def test_every_shipped_scenario_runs(path: str, tmp_path: Path) -> None:
    days = max(40, load_scenario(ROOT / path).warmup_days + 20)
    code, text = run("run", str(ROOT / path), "--days", str(days), "--quick", "--out",
                     str(tmp_path / "o"))
    assert code == 0, text
    doc = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert doc["leads"]["generated"] > 0


def test_a_variants_file_is_pointed_to_compare(tmp_path: Path) -> None:
    code, text = run("run", str(ROOT / "scenarios" / "variants" / "b2b_staffing.yaml"),
                     "--out", str(tmp_path / "x"))
    assert code == 2
    assert text.startswith("error:") and "salesim compare" in text and "variants" in text
    assert not (tmp_path / "x").exists()
