"""How a finished folder takes the place of the old one, and how a killed swap is recovered.

The design (docs/outputs.md, "How a folder is replaced"): the new folder is complete in a hidden
sibling ``.<name>.<pid>-<random>.tmp`` before it is swapped in. On Linux the swap is one
``renameat2(RENAME_EXCHANGE)`` call: the kernel exchanges the two names atomically, so ``<name>``
is at every instant the old or the new complete folder; the old one, now under the hidden name,
is then deleted. Where that call is missing (not Linux, or a file system without it), the swap
is two renames (``<name>`` → ``.<name>.old-<pid>``, then the new folder → ``<name>``), and a
kill between them is undone at the next start: :func:`recover` moves the old folder back.

Leftovers are recognised by their name (which carries the writer's process id) and by the
marker file inside (:data:`MARKER`); only those of dead processes are touched.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import time
from pathlib import Path

__all__ = ["MARKER", "pause_point", "process_alive", "recover", "remove_folder", "swap"]

MARKER = ".salesim-output"
"""The file in every folder salesim writes; ``--force`` replaces only a folder holding it."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
PAUSE_ENV = "SALESIM_TEST_PAUSE_AT"
"""Test hook (tests/store/test_kill.py): the writer stops at the named step, says so on stderr
and sleeps, so that a test can kill it exactly there. Unset in normal use."""


def pause_point(step: str) -> None:
    """Stop here if the test hook names this step (``written``, ``swapped``)."""
    if os.environ.get(PAUSE_ENV) == step:
        sys.stderr.write(f"salesim-paused {step}\n")
        sys.stderr.flush()
        time.sleep(3600)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); False where it is not supported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap(new: Path, out: Path) -> None:
    """Put the complete folder ``new`` at ``out`` (which exists) and delete the old one."""
    if _exchange(new, out):
        pause_point("swapped")
        remove_folder(new)  # ``new`` now names the old folder
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    pause_point("moved-aside")
    new.rename(out)
    pause_point("swapped")
    remove_folder(old)


def remove_folder(folder: Path) -> None:
    """Delete a folder salesim wrote, its marker last: a kill midway leaves it recognisable."""
    for child in folder.iterdir():
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs (ours, or another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ours(folder: Path) -> bool:
    """A leftover holds the marker (written first), or nothing at all (killed before it)."""
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def recover(out: Path) -> list[Path]:
    """Clean the leftovers of killed writers of ``out``; returns what was removed or restored.

    A moved-aside old folder of a dead writer goes back to ``out`` if ``out`` is missing (the
    kill fell between the two renames), else it is deleted; unfinished new folders are deleted.
    """
    if not out.parent.is_dir():
        return []
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:old-(\d+)|(\d+)-[^/]*\.tmp)")
    touched: list[Path] = []
    for leftover in sorted(out.parent.iterdir()):
        match = pattern.fullmatch(leftover.name)
        if match is None or not leftover.is_dir() or leftover.is_symlink():
            continue
        if process_alive(int(match.group(1) or match.group(2))) or not _ours(leftover):
            continue
        if match.group(1) and not out.exists() and not out.is_symlink():
            leftover.rename(out)
        else:
            remove_folder(leftover)
        touched.append(leftover)
    return touched
