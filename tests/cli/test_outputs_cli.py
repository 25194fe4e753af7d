"""Where run, report and export write: refused before any work, one line, exit 2; foreign or
corrupted run folders are one line too."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salesim.simulator.cli import run as run_module
from salesim.simulator.cli.main import app
from tests.conftest import BASELINE

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def one_line_error(code: int, text: str, *fragments: str) -> None:
    assert code == 2, text
    assert text.startswith("error: ") and text.strip().count("\n") == 0, text
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, text


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "base"
    code, text = invoke("run", str(BASELINE), "--days", "5", "--quick", "--out", str(out))
    assert code == 0, text
    return out


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation fails the test: the output checks must come first."""
    def refuse(*_args: object) -> None:
        raise AssertionError("simulated before checking the output")
    monkeypatch.setattr(run_module, "_simulate", refuse)


def test_run_refuses_bad_locations_before_simulating(tmp_path: Path, no_simulation: None
                                                     ) -> None:
    blocker = tmp_path / "FILE"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker, blocker / "sub", blocker / "sub" / "deep"):
        code, text = invoke("run", str(BASELINE), "--out", str(out), "--force")
        one_line_error(code, text, str(out))
    assert blocker.read_text(encoding="utf-8") == "x"


def test_run_never_replaces_the_folder_of_its_scenario(tmp_path: Path, no_simulation: None
                                                       ) -> None:
    user = tmp_path / "u"
    user.mkdir()
    shutil.copy(BASELINE, user / "my.yaml")
    (user / "thesis.txt").write_text("years of work", encoding="utf-8")
    code, text = invoke("run", str(user / "my.yaml"), "--out", str(user), "--force")
    one_line_error(code, text, "my.yaml, an input of this command")
    (user / ".salesim-output").write_text("{}", encoding="utf-8")  # even if marked
    code, text = invoke("run", str(user / "my.yaml"), "--out", str(tmp_path), "--force")
    one_line_error(code, text, "an input of this command")
    assert sorted(p.name for p in user.iterdir()) == [".salesim-output", "my.yaml",
                                                      "thesis.txt"]


def test_run_refuses_a_folder_salesim_did_not_write(tmp_path: Path, no_simulation: None
                                                    ) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, text = invoke("run", str(BASELINE), "--out", str(tmp_path), "--force")
    one_line_error(code, text, "salesim did not write (no .salesim-output)")


def _copy(run_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(run_folder, target)
    return target


def _foreign_columns(folder: Path) -> str:
    with gzip.open(folder / "events.csv.gz", "wt") as handle:
        handle.write("a,b,c\n1,2,3\n")
    return "not an event log of salesim (no column(s) time, lead_id, stage, event)"


def _truncated(folder: Path) -> str:
    data = (folder / "events.csv.gz").read_bytes()
    (folder / "events.csv.gz").write_bytes(data[: len(data) // 2])
    return "cannot read the event log (Compressed file ended"


def _not_gzip(folder: Path) -> str:
    (folder / "events.csv.gz").write_text("garbage", encoding="utf-8")
    return "Not a gzipped file"


def _other_scenario(folder: Path) -> str:
    path = folder / "scenario.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead_development", "nurture"),
                    encoding="utf-8")
    return "names stage(s) lead_development that scenario.yaml does not have"


def _future(folder: Path) -> str:
    marker = folder / ".salesim-output"
    doc = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**doc, "format": 99}), encoding="utf-8")
    return "written by a newer salesim (folder format 99"


@pytest.mark.parametrize("spoil", [_foreign_columns, _truncated, _not_gzip, _other_scenario,
                                   _future])
def test_export_of_a_spoilt_run_folder_is_one_line(run_folder: Path, tmp_path: Path,
                                                   spoil: object) -> None:
    folder = _copy(run_folder, tmp_path)
    message = spoil(folder)  # type: ignore[operator]
    code, text = invoke("export", str(folder))
    one_line_error(code, text, message)
    assert not (folder / "eventlog.xes").exists()


@pytest.mark.parametrize("spoil", [_foreign_columns, _other_scenario, _future])
def test_report_of_a_spoilt_run_folder_is_one_line(run_folder: Path, tmp_path: Path,
                                                   spoil: object) -> None:
    folder = _copy(run_folder, tmp_path)
    message = spoil(folder)  # type: ignore[operator]
    code, text = invoke("report", str(folder))
    one_line_error(code, text, message)
    assert not (folder / "report.html").exists()


def test_report_of_a_run_folder_missing_a_file(run_folder: Path, tmp_path: Path) -> None:
    folder = _copy(run_folder, tmp_path)
    (folder / "stages.csv").unlink()
    one_line_error(*invoke("report", str(folder)), "incomplete run folder, missing stages.csv")


def test_export_never_replaces_an_input_or_a_users_file(run_folder: Path, tmp_path: Path
                                                        ) -> None:
    folder = _copy(run_folder, tmp_path)
    before = (folder / "events.csv.gz").read_bytes()
    code, text = invoke("export", str(folder), "--out", str(folder / "events.csv.gz"),
                        "--force")
    one_line_error(code, text, "is an input of this command")
    assert (folder / "events.csv.gz").read_bytes() == before
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("years of work", encoding="utf-8")
    code, text = invoke("export", str(folder), "--out", str(thesis), "--force")
    one_line_error(code, text, "is not an event log salesim exported")
    assert thesis.read_text(encoding="utf-8") == "years of work"
    code, text = invoke("export", str(folder), "--out", str(thesis / "x.xes"))
    one_line_error(code, text, "thesis.txt is a file, not a folder")
    log = tmp_path / "log.xes"
    for _ in range(2):  # an exported log is replaced with --force
        code, text = invoke("export", str(folder), "--out", str(log), "--force")
        assert code == 0, text
