"""The JSON documents of the run and experiment folders, shared by their writer and reader.

Each schema name and version is defined here once. The result documents (``summary.json``,
``compare.json``…) are validated against their envelope: the keys every reader relies on; the
rest of a result is written as computed, so its bytes do not depend on this module.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["COMPARE_SCHEMA", "EXPERIMENT_KINDS", "OPTIMIZE_SCHEMA", "SCHEMA_VERSION",
           "SWEEP_SCHEMA", "WHATIF_SCHEMA", "ConfirmationCost", "ExperimentEnvelope",
           "ExperimentInfo", "ExperimentKind", "RunInfo", "SummaryEnvelope", "first_problem",
           "now_stamp", "python_version", "schema_name"]

ExperimentKind = Literal["compare", "sweep", "whatif", "optimize"]
EXPERIMENT_KINDS: tuple[ExperimentKind, ...] = ("compare", "sweep", "whatif", "optimize")
SCHEMA_VERSION = 1


def schema_name(kind: str) -> str:
    """The ``schema`` field of a ``<kind>.json`` experiment document: ``salesim.<kind>/1``."""
    return f"salesim.{kind}/{SCHEMA_VERSION}"


COMPARE_SCHEMA = schema_name("compare")
SWEEP_SCHEMA = schema_name("sweep")
WHATIF_SCHEMA = schema_name("whatif")
OPTIMIZE_SCHEMA = schema_name("optimize")


def now_stamp() -> str:
    """The local time, to the second, with its offset: when a run or experiment finished."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def python_version() -> str:
    return sys.version.split()[0]


class ConfirmationCost(BaseModel):
    """What confirming a run's bottleneck by simulation cost."""

    model_config = ConfigDict(frozen=True)

    runs_simulated: int
    elapsed_seconds: float


class RunInfo(BaseModel):
    """``run.json``: what varies between identical runs (it is kept out of ``summary.json``)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    salesim_version: str = "unknown"
    scenario_file: str = ""
    replications: int = 1
    finished_at: str = ""
    elapsed_seconds: float = 0.0
    confirmation: ConfirmationCost | None = None
    python: str = ""


class ExperimentInfo(BaseModel):
    """``experiment.json``: what differs between identical experiments, not in the results."""

    model_config = ConfigDict(frozen=True, extra="allow")

    salesim_version: str = "unknown"
    command: str = ""
    arguments: list[str] = Field(default_factory=list)
    backend: str = ""
    workers: int = 0
    runs_simulated: int = 0
    finished_at: str = ""
    elapsed_seconds: float = 0.0
    python: str = ""


class SummaryEnvelope(BaseModel):
    """The keys of ``summary.json`` that every reader relies on."""

    model_config = ConfigDict(frozen=True, extra="allow")

    scenario: str
    leads: dict[str, Any]
    stages: list[Any]
    roles: list[Any]
    bottleneck: dict[str, Any]
    seed: int | None = None
    replications: int = 1
    currency: str | None = None


class ExperimentEnvelope(BaseModel):
    """The keys every ``<kind>.json`` experiment document starts with."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    schema_: str = Field(alias="schema")
    kind: ExperimentKind
    base: str
    seed: int
    replications: int = Field(ge=1)
    horizon_days: float
    warmup_days: float
    currency: str = Field(min_length=1)

    @model_validator(mode="after")
    def _schema_of_kind(self) -> ExperimentEnvelope:
        if self.schema_ != schema_name(self.kind):
            raise ValueError(f"schema {self.schema_!r}, expected {schema_name(self.kind)!r}")
        return self


def first_problem(exc: ValidationError) -> str:
    """The first validation error as ``field: what is wrong`` (for one-line messages)."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "top level"
    if error["type"] == "missing":
        return f"no '{where}'"
    return f"{where}: {error['msg']}"
