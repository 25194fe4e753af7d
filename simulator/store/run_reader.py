"""Read a run folder (what ``salesim run`` wrote) into memory; the only file input of reports.

Every problem with the folder becomes a :class:`ReportError` whose message is one line naming
the file at fault, so the command line can print it as ``error: …``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from salesim.simulator.engine.cases import CLIENT_STAGE
from salesim.simulator.engine.events import CATEGORICAL, COLUMNS
from salesim.simulator.metrics.timeseries import events_from_table
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import MARKER, MARKER_FORMAT, read_marker
from salesim.simulator.store.documents import RunInfo, SummaryEnvelope, first_problem

__all__ = ["OPTIONAL_TABLES", "REQUIRED_FILES", "ReportError", "RunFolder", "RunLog",
           "check_events_match", "load_run",
           "read_events", "read_json_object", "read_run_log"]

REQUIRED_FILES = ("summary.json", "scenario.yaml", "stages.csv", "steps.csv", "losses.csv",
                  "roles.csv", "people.csv", "channels.csv", "monthly.csv", "events.csv.gz")

# Tables that only some runs have (people and money, plans in the simulation, a client base).
# The report shows their sections only when the file is there; docs/reports.md is the contract.
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "pnl.csv": ("month", "revenue", "profit"),
    "plan_fact_daily.csv": ("month", "date", "manager", "cum_plan", "cum_actual"),
    "plan_fact_monthly.csv": ("month", "manager", "plan", "actual"),
    "cash.csv": ("month", "invoiced", "cash_in"),
    "ranking.csv": ("week", "role", "rank", "staff_id"),
    "warnings.csv": ("stage", "step", "staff_id", "breaches"),
}

_TABLE_KEYS = {
    "stages.csv": ("stage",), "steps.csv": ("stage", "step"),
    "losses.csv": ("stage", "step", "reason", "lost"), "roles.csv": ("role", "utilization"),
    "people.csv": ("staff_id", "role"), "channels.csv": ("channel", "leads", "cost", "revenue"),
    "monthly.csv": ("month", "won", "revenue"),
}
_EVENT_READ_COLUMNS = ("replication", *COLUMNS)
# what every event log of every salesim version has: without them a file is someone else's
_EVENT_CORE = ("time", "lead_id", "stage", "event")
_CHUNK_ROWS = 250_000


class ReportError(Exception):
    """A run folder that cannot be reported on, or an output that may not be written."""


@dataclass(frozen=True)
class RunFolder:
    """Everything a run folder holds, as read from disk.

    ``events`` is one replication's event log (canonical dtypes, see
    :func:`metrics.timeseries.events_from_table`); the tables are as written (means over
    replications, with ``_ci95_low``/``_ci95_high`` columns when there were several).
    """

    path: Path
    summary: dict[str, Any]
    scenario: Scenario
    scenario_text: str
    run_info: dict[str, Any]  # run.json, checked against store.documents.RunInfo
    stages: pd.DataFrame
    steps: pd.DataFrame
    losses: pd.DataFrame
    roles: pd.DataFrame
    people: pd.DataFrame
    channels: pd.DataFrame
    monthly: pd.DataFrame
    events: pd.DataFrame
    optional: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return int(self.summary.get("replications", 1) or 1)

    @property
    def currency(self) -> str:
        return str(self.summary.get("currency") or self.scenario.currency)


def _check_folder(path: Path) -> None:
    if not path.exists():
        raise ReportError(f"{path}: no such folder; give the folder `salesim run` wrote")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder; give the folder `salesim run` wrote")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if "summary.json" in missing:
        raise ReportError(f"{path}: not a salesim run folder (no summary.json); give the folder "
                          f"`salesim run` wrote")
    if missing:
        raise ReportError(f"{path}: incomplete run folder, missing {', '.join(missing)}")


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file holding an object, or a ReportError naming the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read as JSON ({_reason(exc)})") from None
    if not isinstance(doc, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return doc


def _read_table(path: Path, keys: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        table = pd.DataFrame(columns=list(keys))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read as CSV ({_reason(exc)})") from None
    lacking = [k for k in keys if k not in table.columns]
    if lacking:
        raise ReportError(f"{path}: missing column(s) {', '.join(lacking)}")
    return table


def _check_format(folder: Path) -> None:
    """A folder written by a newer salesim (its marker's ``format``) is not guessed at."""
    marker = read_marker(folder)
    written = (marker or {}).get("format", MARKER_FORMAT)
    if not isinstance(written, int) or isinstance(written, bool) or written > MARKER_FORMAT:
        raise ReportError(f"{folder / MARKER}: written by a newer salesim (folder format "
                          f"{written!r}; this salesim reads format {MARKER_FORMAT} and older); "
                          f"update salesim to read it")


def check_events_match(events: pd.DataFrame, scenario: Scenario, path: Path) -> None:
    """The events name only stages and roles of the scenario beside them.

    Raises:
        ReportError: the event log is of another scenario.
    """
    known = {"stage": {s.name for s in scenario.stages} | {CLIENT_STAGE},
             "role": {r.name for r in scenario.roles}}
    for column, names in known.items():
        if column not in events.columns:
            continue
        seen = {str(v) for v in events[column].dropna().unique()}
        foreign = sorted(seen - names - {""})
        if foreign:
            raise ReportError(f"{path}: names {column}(s) {', '.join(foreign[:3])} that "
                              f"scenario.yaml does not have; the events are of another "
                              f"scenario: give the folder `salesim run` wrote, unchanged")


def _check_event_columns(path: Path, columns: pd.Index) -> None:
    lacking = [c for c in _EVENT_CORE if c not in columns]
    if lacking:
        raise ReportError(f"{path}: not an event log of salesim (no column(s) "
                          f"{', '.join(lacking)})")


def read_events(path: Path, replication: int = 0, scenario: Scenario | None = None
                ) -> pd.DataFrame:
    """One replication of ``events.csv.gz`` as a canonical event frame.

    Replications are stored one after another, so reading stops at the first row of a later
    replication: the first replication of a 20-replication run costs no more than a plain run.
    With ``scenario``, the events must be of it (:func:`check_events_match`).

    Raises:
        ReportError: the file is not a readable event log of salesim (or of ``scenario``), or
            lacks that replication.
    """
    dtypes: dict[str, Any] = {name: "category" for name in CATEGORICAL}
    dtypes.update({"replication": "int64", "lead_id": "int64", "time": "float64",
                   "amount": "float64", "work_hours": "float64"})
    wanted = set(_EVENT_READ_COLUMNS)
    _check_format(path.parent)
    parts = []
    rows = 0
    try:
        # columns a newer or older engine did (not) write are simply absent or skipped
        with pd.read_csv(path, usecols=lambda c: c in wanted, dtype=dtypes,
                         chunksize=_CHUNK_ROWS) as reader:
            for chunk in reader:
                _check_event_columns(path, chunk.columns)
                rows += len(chunk)
                if not len(chunk):
                    continue
                if "replication" not in chunk.columns:  # a single-run log
                    chunk = chunk.assign(replication=0)
                mine = chunk[chunk["replication"] == replication]
                if len(mine):
                    parts.append(mine)
                if len(chunk) and int(chunk["replication"].iloc[-1]) > replication:
                    break
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, ValueError,
            zlib.error) as exc:
        raise ReportError(f"{path}: cannot read the event log ({_reason(exc)})") from None
    if not parts and rows == 0 and replication == 0:  # a run in which nothing happened
        return events_from_table(pd.DataFrame({"replication": pd.Series([], dtype="int64")}))
    if not parts:
        raise ReportError(f"{path}: holds no events of replication {replication}")
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if scenario is not None:
        check_events_match(table, scenario, path)
    return events_from_table(table, replication)


def load_run(path: Path, *, replication: int = 0) -> RunFolder:
    """Read a run folder.

    Args:
        path: The folder ``salesim run`` wrote.
        replication: Which replication's event log to load (time series use the first).

    Raises:
        ReportError: a missing folder, a folder that is not a run, or a file that cannot be read.
    """
    _check_folder(path)
    _check_format(path)
    summary = read_json_object(path / "summary.json")
    try:
        SummaryEnvelope.model_validate(summary)
    except ValidationError as exc:
        raise ReportError(f"{path / 'summary.json'}: not a run summary "
                          f"({first_problem(exc)})") from None
    try:
        scenario = load_scenario(path / "scenario.yaml")
        scenario_text = (path / "scenario.yaml").read_text(encoding="utf-8")
    except ScenarioError as exc:
        raise ReportError(str(exc)) from None
    run_info = read_json_object(path / "run.json") if (path / "run.json").is_file() else {}
    try:
        RunInfo.model_validate(run_info)
    except ValidationError as exc:
        raise ReportError(f"{path / 'run.json'}: {first_problem(exc)}") from None
    tables = {name: _read_table(path / name, keys) for name, keys in _TABLE_KEYS.items()}
    optional = {name: _read_table(path / name, keys) for name, keys in OPTIONAL_TABLES.items()
                if (path / name).is_file()}
    return RunFolder(
        path=path, summary=summary, scenario=scenario, scenario_text=scenario_text,
        run_info=run_info, stages=tables["stages.csv"], steps=tables["steps.csv"],
        losses=tables["losses.csv"], roles=tables["roles.csv"], people=tables["people.csv"],
        channels=tables["channels.csv"], monthly=tables["monthly.csv"],
        events=read_events(path / "events.csv.gz", replication, scenario), optional=optional,
    )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


# -- the event log with every replication (the bottom-up forecast learns from one of them) ------


@dataclass(frozen=True)
class RunLog:
    """A run folder's scenario, one replication's raw event log and, if recorded, its staff.

    ``staff`` is ``None`` unless ``people.csv`` records hire and leave moments.
    """

    scenario: Scenario
    events: pd.DataFrame
    staff: pd.DataFrame | None


def read_run_log(run_dir: Path, replication: int = 0) -> RunLog:
    """Read the scenario, the event log of one replication and the staff of a run folder.

    Raises:
        ReportError: not a run folder, an invalid scenario, or an unreadable event log.
    """
    if not run_dir.exists():
        raise ReportError(f"{run_dir}: no such folder")
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir}: not a folder; give the folder that 'salesim run' wrote")
    scenario_path = run_dir / "scenario.yaml"
    events_path = run_dir / "events.csv.gz"
    missing = [p.name for p in (scenario_path, events_path) if not p.is_file()]
    if missing:
        raise ReportError(f"{run_dir}: not a run folder (no {' or '.join(missing)}); give the "
                          f"folder that 'salesim run' wrote")
    _check_format(run_dir)
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        raise ReportError(str(exc)) from None
    numbers = {"replication": "int64", "time": "float64", "lead_id": "int64",
               "amount": "float64", "work_hours": "float64", "client_id": "int64"}
    try:
        events = pd.read_csv(events_path, usecols=list(_EVENT_READ_COLUMNS), dtype={
            **numbers, **dict.fromkeys(CATEGORICAL, "category")})
    except ValueError as exc:  # missing columns, bad numbers, bad compression
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReportError(f"{events_path}: not an event log of salesim ({first})") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise ReportError(f"{events_path}: cannot read ({exc})") from None
    events = events[events["replication"] == replication].drop(columns="replication")
    if events.empty:
        raise ReportError(f"{events_path}: no events of replication {replication}")
    check_events_match(events, scenario, events_path)
    return RunLog(scenario, events.reset_index(drop=True), _read_staff(run_dir / "people.csv"))


def _read_staff(path: Path) -> pd.DataFrame | None:
    """``people.csv`` when it records hire and leave moments (``hired_at``, ``left_at``)."""
    if not path.is_file():
        return None
    try:
        people = pd.read_csv(path)
    except (OSError, ValueError):
        return None
    return people if {"staff_id", "role", "hired_at", "left_at"} <= set(people.columns) else None
