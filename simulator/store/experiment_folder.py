"""The folder of an experiment (compare, sweep, whatif, optimize), written and read here.

A folder holds ``<kind>.json`` (the result document), tidy CSV tables, the scenarios run and
``experiment.json`` (what differs between identical experiments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import FileWriter, write_folder
from salesim.simulator.store.documents import (
    EXPERIMENT_KINDS,
    ExperimentEnvelope,
    ExperimentInfo,
    first_problem,
)
from salesim.simulator.store.run_folder import json_writer, scenario_writer
from salesim.simulator.store.run_reader import ReportError, read_json_object

__all__ = ["EXPERIMENT_JSON", "ExperimentFolder", "ExperimentOutput", "csv_file",
           "document_file", "read_experiment", "write_experiment"]

EXPERIMENT_JSON = "experiment.json"


def document_file(kind: str) -> str:
    """The result document of an experiment folder: ``compare.json``, ``sweep.json``…"""
    return f"{kind}.json"


def csv_file(frame: pd.DataFrame) -> FileWriter:
    """A tidy CSV writer with enough digits for money (10 significant)."""
    def write(path: Path) -> None:
        frame.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
    return write


@dataclass(frozen=True)
class ExperimentOutput:
    """What an experiment leaves in its folder, before it is written.

    ``tables`` are CSV files by name, ``scenarios`` YAML files by name (the variants run, or
    the best staffing), in the order they are written.
    """

    kind: str
    document: dict[str, Any]
    tables: Mapping[str, pd.DataFrame]
    scenarios: Mapping[str, Scenario]

    def files(self, info: ExperimentInfo) -> dict[str, FileWriter]:
        ExperimentEnvelope.model_validate(self.document)
        files: dict[str, FileWriter] = {document_file(self.kind): json_writer(self.document)}
        files.update({name: csv_file(frame) for name, frame in self.tables.items()})
        files.update({name: scenario_writer(s) for name, s in self.scenarios.items()})
        files[EXPERIMENT_JSON] = json_writer(info.model_dump(mode="json"))
        return files


def write_experiment(target: Path, output: ExperimentOutput, info: ExperimentInfo,
                     force: bool) -> None:
    """Write the folder atomically (see :func:`store.atomic.write_folder`).

    Raises:
        OutputError: ``target`` exists without ``force``, or is a file.
    """
    write_folder(target, output.files(info), force, kind=output.kind)


@dataclass(frozen=True)
class ExperimentFolder:
    """An experiment folder as read: its envelope, the whole document and its facts."""

    path: Path
    envelope: ExperimentEnvelope
    document: dict[str, Any]
    info: ExperimentInfo | None


def read_experiment(folder: Path) -> ExperimentFolder:
    """Read the folder an experiment command wrote.

    Raises:
        ReportError: no such folder, no experiment document in it, or a document that is not
            of its schema (the message names the file and the field).
    """
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; give the folder an experiment wrote")
    found = [folder / document_file(k) for k in EXPERIMENT_KINDS
             if (folder / document_file(k)).is_file()]
    if not found:
        raise ReportError(f"{folder}: not an experiment folder (no "
                          f"{' or '.join(document_file(k) for k in EXPERIMENT_KINDS)})")
    path = found[0]
    document = read_json_object(path)
    try:
        envelope = ExperimentEnvelope.model_validate(document)
    except ValidationError as exc:
        raise ReportError(f"{path}: {first_problem(exc)}") from None
    info = None
    if (folder / EXPERIMENT_JSON).is_file():
        try:
            info = ExperimentInfo.model_validate(read_json_object(folder / EXPERIMENT_JSON))
        except ValidationError as exc:
            raise ReportError(f"{folder / EXPERIMENT_JSON}: {first_problem(exc)}") from None
    return ExperimentFolder(folder, envelope, document, info)
