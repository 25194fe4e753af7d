"""The one atomic writer: a file, or a whole folder, lands complete or not at all.

Everything is first written under a temporary name beside its target, then renamed into place,
so a reader never sees half a file and a failure leaves the old output as it was. An existing
output is replaced only when asked (``force``), and a folder never replaces a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["FileWriter", "OutputError", "bytes_writer", "check_target", "write_bytes",
           "write_file", "write_folder"]

FileWriter = Callable[[Path], None]
"""Writes one file at the path it is given (a temporary one; the writer renames it)."""


class OutputError(Exception):
    """The output cannot be written where asked (exists without --force, not writable)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_target(out: Path, force: bool) -> None:
    """Refuse before any work is done if the folder ``out`` exists and may not be replaced."""
    if out.exists() and not force:
        raise OutputError(f"{out}: already exists; choose another --out or add --force to "
                          f"replace it")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; will not replace a file")


def write_folder(out: Path, files: Mapping[str, FileWriter], force: bool) -> None:
    """Write every file into a temporary sibling folder, then move it into place.

    An existing ``out`` is replaced only with ``force``, and only after the new folder is
    complete; a file named ``out`` is never replaced.

    Raises:
        OutputError: ``out`` exists without ``force``, or is a file.
    """
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    tmp.chmod(0o777 & ~_umask())
    try:
        for name, write in files.items():
            write(tmp / name)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file(path: Path, write: FileWriter, force: bool) -> None:
    """Write one file atomically (temporary file beside it, then rename).

    Raises:
        OutputError: ``path`` exists without ``force``, or is a folder.
    """
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; add --force to replace it")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; will not replace it with a file")
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
