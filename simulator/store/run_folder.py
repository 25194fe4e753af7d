"""The files of a run's folder, each a pure function of its data (written by ``store.atomic``)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from salesim.simulator.engine.events import COLUMNS
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import OutputError

# OutputError stays importable from here for the reports (being split in parallel)
__all__ = ["OutputError", "csv_writer", "default_out_dir", "events_writer", "json_writer",
           "process_mining_frame", "salesim_version", "scenario_writer"]


def salesim_version() -> str:
    """The installed salesim's version, for the run metadata (``run.json``)."""
    try:
        return metadata.version("salesim")
    except metadata.PackageNotFoundError:
        return "unknown"


def default_out_dir(name: str) -> Path:
    """``runs/<name>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``… if that folder exists."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path("runs") / f"{name}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


# -- file writers (each a pure function of its data) ---------------------------------------------


def json_writer(doc: Any) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return write


def csv_writer(frame: pd.DataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        frame.to_csv(path, index=False, float_format="%.4f", lineterminator="\n")
    return write


def scenario_writer(scenario: Scenario) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        doc = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        header = ("# The scenario exactly as run: every field, defaults filled in and\n"
                  "# command-line overrides applied. `salesim run` accepts this file as it is.\n")
        path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    return write


def events_writer(scenario: Scenario, events: Sequence[pd.DataFrame]) -> Callable[[Path], None]:
    """``events.csv.gz``: the event log of every replication plus process-mining columns.

    The gzip header carries no file name and no time stamp, so equal runs give equal bytes.
    """
    def write(path: Path) -> None:
        start = pd.Timestamp(scenario.calendar.start_date)
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="",
                                                   mtime=0, compresslevel=5) as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
            for replication, frame in enumerate(events):
                table = process_mining_frame(frame, start, replication)
                table.to_csv(text, index=False, header=replication == 0,
                             float_format="%.6f", lineterminator="\n",
                             date_format="%Y-%m-%dT%H:%M:%S")
            text.flush()
            text.detach()
    return write


def process_mining_frame(events: pd.DataFrame, start: pd.Timestamp, replication: int
                         ) -> pd.DataFrame:
    """The event log with case id, activity, resource and a real time stamp per row."""
    stage = events["stage"].astype(str)
    activity = stage.where(stage == "", stage + "/" + events["step"].astype(str))
    table = events[list(COLUMNS)].copy()
    table.insert(0, "replication", replication)
    table["case_id"] = f"r{replication}-" + events["lead_id"].astype(str)
    table["activity"] = activity.where(activity != "", events["event"].astype(str))
    table["resource"] = events["staff_id"]
    table["timestamp"] = (start + pd.to_timedelta(events["time"], unit="D")).dt.round("s")
    return table
