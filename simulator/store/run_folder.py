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
from salesim.simulator.metrics.summary import aggregate_table
from salesim.simulator.plans.forecast import plan_tables
from salesim.simulator.runner import MeasuredRun
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import FileWriter
from salesim.simulator.store.documents import RunInfo, SummaryEnvelope

__all__ = ["csv_writer", "default_out_dir", "events_writer", "json_writer",
           "process_mining_frame", "run_files", "salesim_version", "scenario_writer",
           "summary_writer"]

# the run folder's tables of means over replications, by name, with their key columns
_MEAN_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "stages.csv": ("stages", ("stage",)), "steps.csv": ("steps", ("stage", "step")),
    "losses.csv": ("losses", ("stage", "step", "reason")), "roles.csv": ("roles", ("role",)),
    "people.csv": ("people", ("staff_id", "role")), "channels.csv": ("channels", ("channel",)),
    "monthly.csv": ("monthly", ("month",)), "pnl.csv": ("pnl", ("month",)),
    "cash.csv": ("cash", ("month",)), "clients.csv": ("clients", ("segment",)),
    "activity.csv": ("activity", ("staff_id", "role", "stage", "step")),
    "warnings.csv": ("warnings", ("stage", "step", "staff_id")),
}


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


def run_files(scenario: Scenario, summary_doc: dict[str, Any], runs: Sequence[MeasuredRun],
              info: RunInfo) -> dict[str, FileWriter]:
    """Every file of a run's folder, by name: ``summary.json``, the tables (means with CIs
    over the replications), the event log, the scenario as run and ``run.json``."""
    metrics = [r.metrics for r in runs]
    files: dict[str, FileWriter] = {"summary.json": summary_writer(summary_doc)}
    for name, (attribute, keys) in _MEAN_TABLES.items():
        files[name] = csv_writer(aggregate_table([getattr(m, attribute) for m in metrics],
                                                 list(keys)))
    files["ranking.csv"] = csv_writer(metrics[0].ranking)
    files["payroll.csv"] = csv_writer(_payroll_table([m.payroll for m in metrics]))
    files["events.csv.gz"] = events_writer(scenario, [r.result.events for r in runs])
    files["scenario.yaml"] = scenario_writer(scenario)
    files["run.json"] = json_writer(info.model_dump(mode="json"))
    # plan/fact and forecast accuracy of replication 0, the plain run (Decimal kopecks)
    plain = runs[0].result
    for name, table in plan_tables(plain.events, plain.scenario, plain.staff).items():
        files[f"{name}.csv"] = csv_writer(table)
    return files


def _payroll_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Exact kopecks for one run; means (as floats) with CIs over replications."""
    if len(tables) == 1:
        return tables[0]
    as_float = [t.assign(**{c: t[c].astype(float) for c in t.columns
                            if c not in ("month", "staff_id", "role")}) for t in tables]
    return aggregate_table(as_float, ["month", "staff_id", "role"])


# -- file writers (each a pure function of its data) ---------------------------------------------


def summary_writer(doc: dict[str, Any]) -> FileWriter:
    """``summary.json``, checked against the envelope its readers rely on."""
    SummaryEnvelope.model_validate(doc)
    return json_writer(doc)


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
