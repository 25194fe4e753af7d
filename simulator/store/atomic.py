"""The one atomic writer: a file, or a whole folder, lands complete or not at all.

Everything is first written under a temporary name beside its target, then moved into place,
so a reader never sees half a file and a failure leaves the old output as it was. Every folder
written here holds a marker file (:data:`MARKER`); an existing folder is replaced only when
asked (``force``), only if it holds that marker (or nothing), and never if it holds an input of
the command. A folder never replaces a file, and a file never replaces a folder or a file of a
salesim folder. Where the output cannot be written at all is found out before any work
(:func:`check_target`, :func:`check_file_target`). docs/outputs.md tells the rules.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from salesim.simulator.store.swap import MARKER, pause_point, recover, swap

__all__ = ["MARKER", "MARKER_FORMAT", "FileWriter", "OutputError", "bytes_writer",
           "check_file_target", "check_target", "read_marker", "write_bytes", "write_file",
           "write_folder"]

FileWriter = Callable[[Path], None]
"""Writes one file at the path it is given (a temporary one; the writer renames it)."""

MARKER_FORMAT = 1
"""The version of the folder layouts this salesim writes (the marker's ``format``)."""


class OutputError(OSError):
    """The output cannot be written where asked (exists without --force, not writable).

    An ``OSError``, so a caller that reports a failed write as one line reports this too.
    """


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder salesim wrote (``kind``, ``format``, ``files``); None without one.

    A marker that is not a JSON object counts as a marker of an unknown kind.
    """
    path = folder / MARKER
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _marker_writer(kind: str, names: Iterable[str]) -> FileWriter:
    doc = {"salesim_output": kind, "format": MARKER_FORMAT, "files": sorted(names)}

    def write(path: Path) -> None:
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return write


def _check_location(target: Path) -> None:
    """The nearest existing folder above ``target`` is a folder we can write in."""
    for parent in target.parents:
        if not parent.exists() and not parent.is_symlink():
            continue
        if not parent.is_dir():
            raise OutputError(f"{target}: {parent} is a file, not a folder; choose an --out "
                              f"whose parent is a folder")
        try:
            probe = Path(tempfile.mkdtemp(prefix=".salesim-probe-", dir=parent))
        except OSError as exc:
            raise OutputError(f"{target}: cannot write in {parent} "
                              f"({exc.strerror or type(exc).__name__}); choose an --out in "
                              f"a folder you can write") from None
        probe.rmdir()
        return


def _check_not_input(target: Path, inputs: Iterable[Path]) -> None:
    """``target`` is none of the command's inputs and holds none of them."""
    where = target.resolve()
    for path in inputs:
        found = Path(path).resolve()
        if found == where:
            raise OutputError(f"{target}: is an input of this command; will not replace it; "
                              f"choose another output")
        if found.is_relative_to(where):
            raise OutputError(f"{target}: holds {path}, an input of this command; will not "
                              f"replace it; choose another --out")


def check_target(out: Path, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse before any work is done if the folder ``out`` cannot be written or replaced.

    Leftovers of killed writers of ``out`` are cleaned first (:func:`store.swap.recover`).

    Raises:
        OutputError: ``out`` lies in a file or an unwritable folder; exists without ``force``;
            is a file or a symbolic link; holds an input; or holds files salesim did not write.
    """
    _check_location(out)
    recover(out)  # leftovers of killed writers first: a moved-aside old folder comes back
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give the folder itself as --out")
    if not out.exists():
        return
    if not force:
        raise OutputError(f"{out}: already exists; choose another --out or add --force to "
                          f"replace it")
    if not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; will not replace a file")
    _check_not_input(out, inputs)
    if read_marker(out) is None and any(out.iterdir()):
        raise OutputError(f"{out}: holds files salesim did not write (no {MARKER}); --force "
                          f"replaces only a folder salesim wrote; choose another --out or "
                          f"move those files away")


def write_folder(out: Path, files: Mapping[str, FileWriter], force: bool, *,
                 kind: str = "folder", inputs: Iterable[Path] = ()) -> None:
    """Write every file into a temporary sibling folder, then swap it into place.

    The folder gets the marker (:data:`MARKER`, naming ``kind`` and the files) first, so even
    a leftover of a killed writer is known as salesim's. An existing ``out`` is replaced only as
    :func:`check_target` allows, and only after the new folder is complete; ``out`` names the
    old or the new complete folder at every instant (:func:`store.swap.swap`).

    Raises:
        OutputError: see :func:`check_target`.
    """
    check_target(out, force, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}-", suffix=".tmp",
                                dir=out.parent))
    tmp.chmod(0o777 & ~_umask())
    try:
        _marker_writer(kind, files)(tmp / MARKER)
        for name, write in files.items():
            write(tmp / name)
        pause_point("written")
        if out.exists():
            swap(tmp, out)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_file_target(path: Path, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse before any work is done if the file ``path`` cannot be written or replaced.

    With ``force`` an existing file is replaced, the file the user named; but never a folder,
    an input of the command, or a file of a folder salesim wrote (one its marker lists).

    Raises:
        OutputError: one of those, or ``path`` lies in a file or an unwritable folder.
    """
    _check_location(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; will not replace it with a file")
    if not path.exists():
        return
    if not force:
        raise OutputError(f"{path}: already exists; add --force to replace it")
    _check_not_input(path, inputs)
    marker = read_marker(path.parent)
    if marker is not None and path.name in (marker.get("files") or ()):
        raise OutputError(f"{path}: is a file of the folder salesim wrote in {path.parent}; "
                          f"will not replace it; choose another file name")


def write_file(path: Path, write: FileWriter, force: bool, inputs: Iterable[Path] = ()) -> None:
    """Write one file atomically (temporary file beside it, then rename).

    Raises:
        OutputError: see :func:`check_file_target`.
    """
    check_file_target(path, force, inputs)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def bytes_writer(data: bytes) -> FileWriter:
    """A writer of the given bytes."""
    def write(path: Path) -> None:
        path.write_bytes(data)
    return write


def write_bytes(path: Path, data: bytes, force: bool) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`write_file`."""
    write_file(path, bytes_writer(data), force)
