"""Checkpoints: every finished run of an experiment, kept as it finishes, read back on resume.

One JSON file per run, ``<folder>/<variant key>-r<replication>.json``, written under a temporary
name and renamed into place (whole files or none). A file is used only if it is what this
version wrote for that very run (:data:`SCHEMA`, the variant key, the replication, a whole
record); anything else (``{}``, truncated JSON, another format or version, a record of another
run) is deleted with one warning, and that run is simulated again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salesim.simulator.experiments.records import Record, record_problem
from salesim.simulator.experiments.variants import ExperimentError
from salesim.simulator.store.atomic import OutputError, bytes_writer, write_file

__all__ = ["CHECKPOINTS", "SCHEMA", "RunStore", "Warn"]

CHECKPOINTS = ".checkpoints"
SCHEMA = "salesim.checkpoint/1"

Warn = Callable[[str], None]


class RunStore:
    """Completed runs of one experiment: ``<folder>/<variant key>-r<replication>.json``.

    Records hold only JSON numbers and strings: a resumed experiment reads back exactly the
    floats it would have computed. ``warn`` gets one line per checkpoint ignored as invalid.
    """

    def __init__(self, folder: Path | None, warn: Warn | None = None) -> None:
        self.folder = folder
        self.warn = warn
        self.ignored = 0  # invalid checkpoints deleted

    @classmethod
    def beside(cls, out: Path, kind: str, identity: dict[str, Any], warn: Warn | None = None
               ) -> RunStore:
        """The checkpoint folder of an experiment, ``<out's parent>/.checkpoints/<kind>-<hash>``.

        The hash is of what the runs depend on (the base scenario, seed, salesim version), not of
        the output folder's name: running the same command again finds the runs it already did.
        """
        text = json.dumps(identity, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return cls(out.parent / CHECKPOINTS / f"{kind}-{digest}", warn)

    def _path(self, key: str, replication: int) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}-r{replication}.json"

    def load(self, key: str, replication: int) -> Record | None:
        """The record of this run if a valid checkpoint holds it; an invalid one is deleted."""
        path = self._path(key, replication)
        if path is None or not path.is_file():
            return None
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # bad UTF-8 is a ValueError
            problem: str | None = f"not readable JSON ({type(exc).__name__})"
        else:
            problem = _checkpoint_problem(doc, key, replication)
        if problem is None:
            record: Record = doc["record"]
            return record
        self.ignored += 1
        with contextlib.suppress(OSError):
            path.unlink()
        if self.warn is not None:
            self.warn(f"ignored the checkpoint {path}: {problem}; that run is simulated again")
        return None

    def save(self, key: str, replication: int, record: Record) -> None:
        """Keep a finished run.

        Raises:
            ExperimentError: the checkpoint folder cannot be written.
        """
        path = self._path(key, replication)
        if path is None:
            return
        doc = {"schema": SCHEMA, "variant": key, "replication": replication, "record": record}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, bytes_writer(json.dumps(doc).encode("utf-8")), force=True)
        except (OSError, OutputError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ExperimentError(f"cannot keep the runs' checkpoints in {path.parent}: "
                                  f"{reason}") from None

    def count(self) -> int:
        if self.folder is None or not self.folder.is_dir():
            return 0
        return sum(1 for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def discard(self) -> None:
        """Remove the checkpoints (after the results are written)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.folder.parent.rmdir()  # only if no other experiment keeps runs there


def _checkpoint_problem(doc: Any, key: str, replication: int) -> str | None:
    """Why ``doc`` is not the checkpoint of run (``key``, ``replication``), or None."""
    if not isinstance(doc, dict):
        return f"expected a JSON object, found {type(doc).__name__}"
    schema = doc.get("schema")
    if schema != SCHEMA:
        return (f"schema {schema!r}, expected {SCHEMA!r}" if schema is not None
                else f"no 'schema' (expected {SCHEMA!r}; an older format or not a checkpoint)")
    if doc.get("variant") != key or doc.get("replication") != replication:
        return (f"it holds variant {doc.get('variant')!r} replication {doc.get('replication')!r}"
                f", not this file's run")
    return record_problem(doc.get("record"))
