"""``salesim compare | sweep | whatif | optimize`` as a user runs them: outputs, determinism
across backends, bad input (one line, exit 2, nothing written), kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from salesim.simulator.cli.experiments import register
from tests.conftest import ROOT
from tests.experiments.test_experiments import TINY

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
register(app)
runner = CliRunner()
RESULT_FILES = ("compare.json", "runs.csv", "summary.csv")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "tiny2.yaml").write_text(TINY.replace("name: tiny", "name: tiny_two_closers")
                                       .replace("headcount: 1", "headcount: 2"))
    (folder / "set.yaml").write_text(
        "base: tiny.yaml\nvariants:\n  - name: two_closers\n    set:\n"
        "      roles.closer.headcount: 2\n  - name: quick_closer\n    set:\n"
        "      roles.closer.work_time: 0.7\n")
    return folder


@pytest.fixture(scope="module")
def compared(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "cmp"
    code, text, err = run("compare", str(files / "set.yaml"), "-r", "4", "-j", "1",
                          "--plan", "900000", "--out", str(out))
    assert code == 0, err
    assert "two_closers vs tiny: revenue" in text and "bottleneck" in text
    return out


def test_compare_writes_its_files(compared: Path) -> None:
    assert {p.name for p in compared.iterdir()} == {
        *RESULT_FILES, "experiment.json", "variant-tiny.yaml", "variant-two_closers.yaml",
        "variant-quick_closer.yaml", ".salesim-output"}
    assert not (compared.parent / ".checkpoints").exists()  # removed once the results are in


def test_compare_json_schema(compared: Path) -> None:
    doc = json.loads((compared / "compare.json").read_text())
    assert doc["schema"] == "salesim.compare/1" and doc["base"] == "tiny"
    assert (doc["seed"], doc["replications"], doc["currency"]) == (7, 4, "RUB")
    assert doc["plan_per_month"] == 900000
    keys = {m["key"] for m in doc["metrics"]}
    assert {"revenue_per_month", "profit_per_month", "won_per_month", "cycle_days",
            "plan_attainment", "utilization.closer", "utilization.hunter"} <= keys
    base, two, _quick = doc["variants"]
    assert base["is_base"] and base["differences"] is None and base["verdict"] is None
    assert two["changes"] == [{"path": "roles.closer.headcount", "base": 1, "variant": 2}]
    assert two["staffing"] == {"hunter": 2, "closer": 2}
    for v in doc["variants"]:
        assert set(v["means"]) == keys
        m = v["means"]["revenue_per_month"]
        assert m["ci95"][0] <= m["mean"] <= m["ci95"][1] and m["n"] == 4
        assert {"stage", "role", "kind", "agreement", "verdict"} <= set(v["bottleneck"])
    d = two["differences"]["revenue_per_month"]
    assert set(d) >= {"mean", "ci95", "half_width", "significant", "ci95_unpaired"}
    assert d["mean"] == pytest.approx(two["means"]["revenue_per_month"]["mean"]
                                      - base["means"]["revenue_per_month"]["mean"], rel=1e-6)
    assert two["verdict"].startswith("two_closers vs tiny: revenue ")
    assert "RUB a month (95% CI" in two["verdict"]
    assert base["bottleneck"]["role"] == "closer"  # one closer is the constraint
    assert d["significant"] and d["mean"] > 0  # and a second one sells more


def test_compare_tables_are_tidy(compared: Path) -> None:
    runs = pd.read_csv(compared / "runs.csv")
    assert len(runs) == 3 * 4 and list(runs.columns[:2]) == ["variant", "replication"]
    summary = pd.read_csv(compared / "summary.csv")
    assert {"variant", "metric", "mean", "ci95_low", "ci95_high", "diff_mean"} <= set(summary)
    row = summary[(summary.variant == "two_closers") & (summary.metric == "won_per_month")]
    paired = runs.pivot(index="replication", columns="variant", values="won_per_month")
    assert row["diff_mean"].iloc[0] == pytest.approx(
        (paired["two_closers"] - paired["tiny"]).mean(), rel=1e-6)


def test_results_do_not_depend_on_the_number_of_workers(compared: Path, files: Path,
                                                        tmp_path: Path) -> None:
    code, _, err = run("compare", str(files / "set.yaml"), "-r", "4", "-j", "2",
                       "--plan", "900000", "--out", str(tmp_path / "j2"))
    assert code == 0, err
    for name in RESULT_FILES:
        assert (tmp_path / "j2" / name).read_bytes() == (compared / name).read_bytes(), name


def test_compare_two_files_with_days(files: Path, tmp_path: Path) -> None:
    code, _text, err = run("compare", str(files / "tiny.yaml"), str(files / "tiny2.yaml"),
                          "-r", "2", "-j", "1", "--days", "30", "--seed", "3",
                          "--out", str(tmp_path / "o"))
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert (doc["horizon_days"], doc["seed"]) == (30, 3)
    assert [v["name"] for v in doc["variants"]] == ["tiny", "tiny_two_closers"]


def test_sweep(files: Path, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    code, _text, err = run("sweep", str(files / "tiny.yaml"), "--vary",
                          "roles.closer.headcount=1..2", "--vary", "channels.web.rate=4,8",
                          "-r", "2", "-j", "1", "--out", str(out))
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"sweep.json", "runs.csv", "summary.csv",
                                               "scenario.yaml", "experiment.json",
                                               ".salesim-output"}
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 * 2
    assert list(runs.columns[:4]) == ["variant", "roles.closer.headcount", "channels.web.rate",
                                      "replication"]
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4 and {"revenue_per_month_ci95_low", "bottleneck_role"} <= set(
        summary)
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["axes"] == [{"path": "roles.closer.headcount", "values": [1, 2]},
                           {"path": "channels.web.rate", "values": [4, 8]}]


def test_whatif_ranks_the_bottleneck_first(files: Path, tmp_path: Path) -> None:
    out = tmp_path / "wi"
    code, _text, err = run("whatif", str(files / "tiny.yaml"), "-r", "4", "-j", "1",
                          "--out", str(out))
    assert code == 0, err
    doc = json.loads((out / "whatif.json").read_text())
    assert doc["ranking"]["hires"][0] == "+1 closer"
    closer = next(r for r in doc["levers"] if r["name"] == "+1 closer")
    assert closer["added_cost_per_month"] == 80000
    assert closer["profit_per_rouble"]["mean"] == pytest.approx(
        closer["delta_profit_per_month"]["mean"] / 80000, rel=1e-5)
    assert doc["ranking"]["improvements"][0] == "closer −20% work time"
    tornado = pd.read_csv(out / "tornado.csv")
    assert len(tornado) == 4 and tornado["role"].iloc[0] == "closer"


def test_optimize_finds_the_cheapest_staffing_that_meets_the_plan(files: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "opt"
    code, _text, err = run("optimize", str(files / "tiny.yaml"), "--objective", "cost",
                          "--plan", "1200000", "--constraint", "plan_attainment>=0.9 @ p=0.75",
                          "--range", "hunter=1..3", "--range", "closer=1..3", "-r", "4", "-j",
                          "1", "--out", str(out))
    assert code == 0, err
    doc = json.loads((out / "optimize.json").read_text())
    best = doc["best"]
    assert best["feasible"] and best["constraints"][0]["share_met"] >= 0.75
    assert best["staffing"] == {"hunter": 2, "closer": 2}
    assert doc["verdict"].startswith("Best staffing: hunter 2, closer 2 (+1)")
    candidates = pd.read_csv(out / "candidates.csv")
    cheaper_feasible = candidates[(candidates.feasible)
                                  & (candidates.payroll_per_month < best["payroll_per_month"])]
    assert cheaper_feasible.empty
    assert (out / "best.yaml").exists()


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "{tiny}", "--vary", "roles.closr.headcount=1..3"],
     "error: --vary roles.closr.headcount: unknown role 'closr'; allowed: hunter, closer"),
    (["sweep", "{tiny}", "--vary", "roles.closer.headcount=5..2"],
     "error: --vary roles.closer.headcount=5..2: empty range (5 is above 2)"),
    (["sweep", "{tiny}", "--vary", "roles.closer.headcount=-1,2"],
     "error: --vary roles.closer.headcount=-1:"),
    (["compare", "{tiny}"], "error: compare needs at least two variants"),
    (["compare", "{tiny}", "{missing}"], "error: {missing}: no such file"),
    (["compare", "{tiny}", "{tiny2}", "--precision", "two"], "error: --precision must be"),
    (["compare", "{tiny}", "{tiny2}", "--metric", "happiness"],
     "error: --metric: unknown metric 'happiness'"),
    (["compare", "{tiny}", "{tiny2}", "--warmup", "90"], "error: {tiny}: --warmup: must be"),
    (["compare", "{tiny}", "{tiny2}", "-r", "x"], "error: Invalid value for '--replications'"),
    (["optimize", "{tiny}", "--constraint", "plan_attainment>=0.95 @ p=0.9"],
     "error: --constraint 'plan_attainment>=0.95 @ p=0.9': unknown metric 'plan_attainment' "
     "(the scenario has no plan: give --plan AMOUNT a month)"),
    (["optimize", "{tiny}", "--plan", "1e6", "--constraint", "plan_attainment>=0.9 @ p=2"],
     "error: --constraint 'plan_attainment>=0.9 @ p=2': the probability must be in (0, 1]"),
    (["optimize", "{tiny}", "--plan", "1e6", "--constraint", "plan_attainment>=0.9 @ p=0.9",
      "-r", "5"],
     "error: --constraint 'plan_attainment>=0.9 @ p=0.9': 5 replications cannot estimate "
     "p=0.9 (with fewer than 10, 'in 90% of runs' means 'in all of them'); use -r 10 or more"),
    (["optimize", "{tiny}", "--constraint", "utilization.closer>=1.5"],
     "error: --constraint 'utilization.closer>=1.5': impossible"),
    (["optimize", "{tiny}", "--objective", "cost"], "error: --objective cost needs"),
    (["optimize", "{tiny}", "--budget", "headcount=1"], "error: the budget is below the "),
    (["optimize", "{tiny}", "--range", "closer=3..1"], "error: --range 'closer=3..1': empty"),
    (["optimize", "{tiny}", "--roles", "ceo"], "error: --roles: unknown role 'ceo'"),
    (["optimize", "{tiny}", "--plan", "1e9", "--constraint", "plan_attainment>=1",
      "--range", "hunter=1..2", "--range", "closer=1..2", "-r", "2", "-j", "1"],
     "error: no staffing within the ranges and budget meets the constraints"),
    (["whatif", "{tiny}", "--faster", "2"], "error: Invalid value for '--faster'"),
    (["compare", "{tiny}", "{tiny2}", "--scheduler", "tcp://127.0.0.1:1", "-r", "2"],
     "error: cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, files: Path,
                                          tmp_path: Path) -> None:
    if any("scheduler" in a for a in args):
        pytest.importorskip("distributed")
    names = {"tiny": str(files / "tiny.yaml"), "tiny2": str(files / "tiny2.yaml"),
             "missing": str(files / "missing.yaml")}
    out = tmp_path / "out"
    started = time.monotonic()
    code, text, err = run(*(a.format(**names) for a in args), "--out", str(out))
    assert code == 2, (text, err)
    assert err.startswith(message.format(**names)), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and not (tmp_path / ".checkpoints").exists()
    assert time.monotonic() - started < 30


def test_an_existing_folder_is_kept_without_force(files: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    code, _, err = run("compare", str(files / "tiny.yaml"), str(files / "tiny2.yaml"),
                       "--out", str(out))
    assert code == 2 and "already exists" in err and not any(out.iterdir())


# -- kill and resume -------------------------------------------------------------------------------


SWEEP = ["sweep", "{tiny}", "--vary", "roles.closer.headcount=1..3", "--vary",
         "channels.web.rate=4,6,8", "-r", "3", "-j", "1"]


def _command(files: Path, out: Path) -> list[str]:
    args = [a.format(tiny=files / "tiny.yaml") for a in SWEEP]
    return [sys.executable, "-m", "salesim", *args, "--out", str(out)]


def test_killed_sweep_resumes_to_the_same_tables(files: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # uninterrupted, in its own folder (so its own checkpoints)
    whole = tmp_path / "a" / "sweep"
    done = subprocess.run(_command(files, whole), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # interrupted: killed hard after a few runs are stored
    resumed = tmp_path / "b" / "sweep"
    proc = subprocess.Popen(_command(files, resumed), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    checkpoints = resumed.parent / ".checkpoints"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if len(list(checkpoints.glob("*/*.json"))) >= 6 or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    saved = len(list(checkpoints.glob("*/*.json")))
    assert 6 <= saved < 27, "the sweep finished before it could be killed"
    assert not resumed.exists()  # nothing half-written
    again = subprocess.run(_command(files, resumed), cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    for name in ("sweep.json", "runs.csv", "summary.csv"):
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name
    info = json.loads((resumed / "experiment.json").read_text())
    assert info["runs_simulated"] <= 27 - saved
    assert not checkpoints.exists()


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix()
                                        for p in (ROOT / "scenarios" / "variants").glob("*.yaml")))
def test_every_shipped_variant_set_compares(path: str, tmp_path: Path) -> None:
    code, _, err = run("compare", str(ROOT / path), "--days", "45", "-r", "2", "-j", "2",
                          "--out", str(tmp_path / "o"))
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "compare.json").read_text())
    assert len(doc["variants"]) >= 2 and all(v["verdict"] for v in doc["variants"][1:])


def test_compare_report_flag_writes_the_report(files: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    code, text, err = run("compare", str(files / "set.yaml"), "-r", "2", "-j", "1", "--report",
                          "--out", str(out))
    assert code == 0, err
    assert (out / "report.html").exists() and (out / "report.md").exists()
    assert "Report written to" in text


@pytest.mark.parametrize("command", [
    ("compare", "set.yaml"),
    ("sweep", "tiny.yaml", "--vary", "roles.closer.headcount=1..2"),
    ("whatif", "tiny.yaml"),
    ("optimize", "tiny.yaml", "--range", "closer=1..2"),
])
def test_an_experiment_past_the_memory_budget_is_refused_before_any_run(
        files: Path, tmp_path: Path, command: tuple[str, ...]) -> None:
    """Each run holds its event log: the runs at once (one a worker) must fit the budget; the
    refusal names the estimate and the limit, and nothing is written or checkpointed."""
    out = tmp_path / "out"
    code, _, err = run(command[0], str(files / command[1]), *command[2:], "-r", "2", "-j", "1",
                       "--max-memory-gb", "0.05", "--out", str(out))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: tiny (one run): this run would "
                                                   "need about"), err
    assert "the limit is 0.05 GB of memory" in lines[0] and "--max-memory-gb" in lines[0]
    assert not out.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no checkpoints


def test_force_never_replaces_the_folder_that_holds_the_variant_set(files: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    code, _, err = run("compare", str(files / "set.yaml"), "-r", "2", "-j", "1", "--out",
                       str(out))
    assert code == 0, err
    inside = out / "set.yaml"  # the user keeps the variant set in the output folder
    inside.write_text((files / "set.yaml").read_text().replace("tiny.yaml",
                                                                str(files / "tiny.yaml")))
    code, _, err = run("compare", str(inside), "-r", "2", "-j", "1", "--out", str(out),
                       "--force")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert inside.exists()
