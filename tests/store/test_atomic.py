"""The one atomic writer: whole files and folders, or nothing; a user's files are kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from salesim.simulator.store.atomic import (
    MARKER,
    OutputError,
    bytes_writer,
    check_file_target,
    check_target,
    read_marker,
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
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt", "b.txt"]
    assert read_marker(out) == {"salesim_output": "folder", "format": 1,
                                "files": ["a.txt", "b.txt"]}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def _salesim_folder(out: Path) -> None:
    write_folder(out, {"old.txt": bytes_writer(b"old\n")}, force=False)


def test_a_failed_folder_keeps_the_old_one_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _salesim_folder(out)
    with pytest.raises(Boom):
        write_folder(out, {"a.txt": bytes_writer(b"a"), "b.txt": _half_then_fail}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_folder_is_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _salesim_folder(out)
    with pytest.raises(OutputError, match="already exists"):
        write_folder(out, {"a.txt": bytes_writer(b"a")}, force=False)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "old.txt"]
    write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_users_file_is_never_replaced_by_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert out.read_text(encoding="utf-8") == "mine\n"


def test_force_never_replaces_a_folder_salesim_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "u"
    out.mkdir()
    (out / "thesis.txt").write_text("years of work\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds files salesim did not write \(no "
                                          r"\.salesim-output\)"):
        write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert [p.name for p in out.iterdir()] == ["thesis.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["u"]


def test_force_replaces_an_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    write_folder(out, {"a.txt": bytes_writer(b"a")}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"]


def test_force_never_replaces_a_folder_holding_an_input(tmp_path: Path) -> None:
    out = tmp_path / "u"
    _salesim_folder(out)
    scenario = out / "deep" / "my.yaml"
    scenario.parent.mkdir()
    scenario.write_text("name: mine\n", encoding="utf-8")
    for given in (out, tmp_path / "u" / ".." / "u"):
        with pytest.raises(OutputError, match=r"holds .*my\.yaml, an input of this command"):
            check_target(given, True, inputs=[scenario])
    with pytest.raises(OutputError, match="an input of this command"):
        write_folder(tmp_path, {"a.txt": bytes_writer(b"a")}, force=True, inputs=[scenario])
    assert scenario.read_text(encoding="utf-8") == "name: mine\n"


def test_an_output_inside_a_file_is_refused_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "FILE"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker / "sub", blocker / "sub" / "deeper"):
        with pytest.raises(OutputError, match=r"FILE is a file, not a folder"):
            check_target(out, False)
    with pytest.raises(OutputError, match="FILE is a file, not a folder"):
        write_bytes(blocker / "x.txt", b"x", force=True)


def test_a_symlinked_output_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    _salesim_folder(real)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(OutputError, match="is a symbolic link"):
        check_target(tmp_path / "link", True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_an_unwritable_parent_is_refused_before_work(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=r"cannot write in .*ro \(Permission denied\)"):
            check_target(parent / "a" / "b", False)
    finally:
        parent.chmod(0o755)


def test_a_file_of_a_salesim_folder_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _salesim_folder(out)
    with pytest.raises(OutputError, match="is a file of the folder salesim wrote"):
        write_bytes(out / "old.txt", b"new", force=True)
    assert (out / "old.txt").read_bytes() == b"old\n"
    write_bytes(out / "extra.txt", b"e", force=False)
    write_bytes(out / "extra.txt", b"f", force=True)  # not one of the folder's files
    assert (out / "extra.txt").read_bytes() == b"f"


def test_a_file_that_is_an_input_is_never_replaced(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\n", encoding="utf-8")
    with pytest.raises(OutputError, match="an input of this command"):
        write_file(source, bytes_writer(b"b"), force=True, inputs=[source])
    assert source.read_text(encoding="utf-8") == "a\n"


def test_a_parent_that_refuses_files_is_reported_before_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every folder is writable: the probe's failure is simulated here."""
    def refuse(**_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("tempfile.mkdtemp", refuse)
    with pytest.raises(OutputError, match=r"out: cannot write in .* \(Permission denied\); "
                                          r"choose an --out in a folder you can write"):
        check_target(tmp_path / "out", False)
    with pytest.raises(OutputError, match="cannot write in"):
        check_file_target(tmp_path / "x.csv", True)
