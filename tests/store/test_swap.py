"""The swap of a finished folder and the recovery of a killed writer's leftovers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from salesim.simulator.store import swap as swap_module
from salesim.simulator.store.atomic import (
    MARKER,
    OutputError,
    bytes_writer,
    check_target,
    write_folder,
)
from salesim.simulator.store.swap import process_alive, recover


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    return child.pid


def _folder(path: Path, *names: str) -> Path:
    path.mkdir()
    (path / MARKER).write_text("{}\n", encoding="utf-8")
    for name in names:
        (path / name).write_text(name, encoding="utf-8")
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_swap_without_the_exchange_call_gives_the_new_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(swap_module, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    write_folder(out, {"old.txt": bytes_writer(b"o")}, force=False)
    write_folder(out, {"new.txt": bytes_writer(b"n")}, force=True)
    assert _names(out) == [MARKER, "new.txt"]
    assert _names(tmp_path) == ["run"]


def test_a_kill_between_the_two_renames_is_undone_at_the_next_start(tmp_path: Path) -> None:
    pid = _dead_pid()
    old = _folder(tmp_path / f".run.old-{pid}", "old.txt")
    _folder(tmp_path / f".run.{pid}-abc123.tmp", "new.txt")
    touched = recover(tmp_path / "run")
    assert len(touched) == 2
    assert _names(tmp_path) == ["run"]
    assert _names(tmp_path / "run") == [MARKER, "old.txt"]
    assert not old.exists()


def test_leftovers_of_dead_writers_are_removed_when_the_output_exists(tmp_path: Path) -> None:
    pid = _dead_pid()
    _folder(tmp_path / "run", "current.txt")
    _folder(tmp_path / f".run.old-{pid}", "old.txt")
    (tmp_path / f".run.{pid}-empty.tmp").mkdir()  # killed before its marker
    half = _folder(tmp_path / f".run.{pid}-half.tmp", "a.txt")
    (half / "sub").mkdir()
    (half / "sub" / "b.txt").write_text("b", encoding="utf-8")
    write_folder(tmp_path / "run", {"new.txt": bytes_writer(b"n")}, force=True)
    assert _names(tmp_path) == ["run"]
    assert _names(tmp_path / "run") == [MARKER, "new.txt"]


def test_what_is_not_a_dead_writers_leftover_is_kept(tmp_path: Path) -> None:
    pid = _dead_pid()
    mine = tmp_path / f".run.{pid}-user.tmp"
    mine.mkdir()
    (mine / "notes.txt").write_text("a user's", encoding="utf-8")  # no marker: not ours
    other = _folder(tmp_path / f".other.old-{pid}", "y")  # another target's
    assert recover(tmp_path / "run") == []
    assert mine.exists() and other.exists()
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "a user's"


def test_a_running_writers_folders_are_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tmp = _folder(tmp_path / f".run.{sleeper.pid}-busy.tmp", "a.txt")
        assert recover(tmp_path / "run") == []
        assert _names(tmp) == [MARKER, "a.txt"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_restored_folder_is_not_replaced_without_force(tmp_path: Path) -> None:
    pid = _dead_pid()
    _folder(tmp_path / f".run.old-{pid}", "old.txt")  # killed between the two renames
    with pytest.raises(OutputError, match="already exists"):
        check_target(tmp_path / "run", False)
    assert _names(tmp_path) == ["run"]
    assert _names(tmp_path / "run") == [MARKER, "old.txt"]
