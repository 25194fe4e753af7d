"""The one atomic writer: whole files and folders, or nothing; a user's files are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesim.simulator.store.atomic import (
    OutputError,
    bytes_writer,
    write_bytes,
    write_file,
    write_folder,
)


class Boom(Exception):
    pass


def _half_then_fail(path: Path) -> None:
    path.write_text("half a fi", encoding="utf-8")
    raise Boom


def test_a_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_bytes(target, b"hello\n", force=False)
    assert target.read_bytes() == b"hello\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(Boom):
        write_file(target, _half_then_fail, force=True)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_write_of_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(Boom):
        write_file(tmp_path / "new.txt", _half_then_fail, force=False)
    assert list(tmp_path.iterdir()) == []


def test_a_users_file_is_not_replaced_without_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.txt"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        write_bytes(target, b"theirs\n", force=False)
    assert target.read_text(encoding="utf-8") == "mine\n"
    write_bytes(target, b"theirs\n", force=True)
    assert target.read_text(encoding="utf-8") == "theirs\n"


def test_a_folder_is_never_replaced_by_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        write_bytes(tmp_path / "dir", b"x", force=True)
    assert (tmp_path / "dir").is_dir()


def test_a_folder_lands_whole(tmp_path: Path) -> None:
    out = tmp_path / "run"
    write_folder(out, {"a.txt": bytes_writer(b"a"), "b.txt": bytes_writer(b"b")}, force=False)
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failed_folder_keeps_the_old_one_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("old\n", encoding="utf-8")
    with pytest.raises(Boom):
        write_folder(out, {"a.txt": bytes_writer(b"a"), "b.txt": _half_then_fail}, force=True)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_folder_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("old\n", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        write_folder(out, {"a.txt": bytes_writer(b"a")}, force=False)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert [p.name for p in out.iterdir()] == ["a.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_users_file_is_never_replaced_by_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert out.read_text(encoding="utf-8") == "mine\n"
