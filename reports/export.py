"""Process-mining export: a run's event log as XES or CSV, for Disco, Celonis, ProM, pm4py ….

One **case** per lead (``r0-123``: replication and lead), with the lead's channel, segment,
deal amount and outcome as case attributes. Each step of the pipeline becomes **activity
instances** named ``stage/step``:

* the staff part, done by a person (``org:resource``, ``org:role``): *schedule* when the lead
  joins the queue, *start* when the person takes it, *complete* when the work is done;
* the client part (``stage/step (client)``, resource ``client``), from the end of the staff work
  (or entering the step, when no staff works on it) to the decision; for a step without staff
  the activity is ``stage/step`` itself;
* milestones, at one moment each: ``deal won`` (with the amount), ``lead lost`` (with the
  reason), and in a scenario with a client base ``repeat order``, ``invoice paid``,
  ``client churned`` and ``became a key account``. A repeat order is a case of its own (its
  after-sale steps follow it), like a lead.

Time stamps are real date-times of the scenario's calendar (local time of the department, no
time zone). The XES file carries lifecycle transitions (``schedule``/``start``/``complete``);
the CSV has one row per activity instance with its ``start_timestamp`` and ``end_timestamp``,
the shape Disco, Celonis and pm4py read intervals in. The XES is written with the standard
library only (``xml.etree`` for the header, ``xml.sax.saxutils`` quoting for the traces, which
are assembled column-wise because one element object per event would take half a minute for a
year's log).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from salesim.simulator.metrics.flow import step_visits
from salesim.simulator.scenario.errors import ScenarioError
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.store.atomic import write_file
from salesim.simulator.store.run_reader import ReportError, read_events

__all__ = ["FORMATS", "activity_log", "export_log", "write_csv", "write_xes"]

FORMATS = ("xes", "csv")
CLIENT = "client"
WON, LOST = "deal won", "lead lost"
# events that happen at one moment, as activities of their own
MILESTONES = {"win": WON, "lose": LOST, "order": "repeat order", "paid": "invoice paid",
              "churn": "client churned", "key_account": "became a key account"}
_WITH_AMOUNT = ("win", "order", "paid")  # the milestones whose amount is money that moved
_ORDER = {"schedule": 0, "start": 1, "complete": 2}
XES_NS = "http://www.xes-standard.org/"
_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
)
CSV_COLUMNS = ("case_id", "activity", "start_timestamp", "end_timestamp", "enqueue_timestamp",
               "resource", "role", "stage", "step", "channel", "segment", "amount", "outcome",
               "reason", "work_hours", "event_amount", "replication")


# -- the activity table (pure) -------------------------------------------------------------------


def activity_log(events: pd.DataFrame, scenario: Scenario, replication: int = 0) -> pd.DataFrame:
    """One row per activity instance of one replication's event log.

    Args:
        events: The event log of one replication (canonical frame).
        scenario: The scenario as run (its calendar start gives the dates).
        replication: Written into the case ids (``r<replication>-<lead>``).

    Returns:
        Columns ``case_id``, ``lead_id``, ``activity``, ``stage``, ``step``, ``resource``,
        ``role``, ``t_schedule``, ``t_start``, ``t_end`` (days; NaN where that moment did not
        happen before the horizon), ``reason``, ``work_hours``, ``amount_event`` (the money of
        a milestone: a won deal, an order, a payment) and the case attributes ``channel``,
        ``segment``, ``amount``, ``outcome``; sorted by case and time.
    """
    visits = step_visits(events, scenario)
    client_at = _client_wait_times(events)
    parts = []
    staffed = visits[visits["t_enqueue"].notna()]
    parts.append(pd.DataFrame({
        "lead_id": staffed["lead_id"].to_numpy(),
        "activity": (staffed["stage"] + "/" + staffed["step"]).to_numpy(),
        "stage": staffed["stage"].to_numpy(), "step": staffed["step"].to_numpy(),
        "resource": staffed["staff_id"].to_numpy(), "role": staffed["role"].to_numpy(),
        "t_schedule": staffed["t_enqueue"].to_numpy(), "t_start": staffed["t_start"].to_numpy(),
        "t_end": staffed["t_finish"].to_numpy(), "reason": "",
        "work_hours": staffed["work_hours"].to_numpy(),
    }))
    key = pd.MultiIndex.from_frame(visits[["lead_id", "stage", "step"]])
    waited = pd.Series(client_at.reindex(key).to_numpy(), index=visits.index)
    no_staff = visits["t_enqueue"].isna()
    has_client = waited.notna() | no_staff
    c = visits[has_client]
    client_start = c["t_finish"].where(c["t_finish"].notna(), c["t_enter"])
    name = (c["stage"] + "/" + c["step"]).where(no_staff[has_client],
                                                c["stage"] + "/" + c["step"] + " (client)")
    parts.append(pd.DataFrame({
        "lead_id": c["lead_id"].to_numpy(), "activity": name.to_numpy(),
        "stage": c["stage"].to_numpy(), "step": c["step"].to_numpy(), "resource": CLIENT,
        "role": CLIENT, "t_schedule": np.nan, "t_start": client_start.to_numpy(),
        "t_end": c["t_decided"].to_numpy(), "reason": "", "work_hours": 0.0,
    }))
    for kind, label in MILESTONES.items():
        rows = events[events["event"] == kind]
        parts.append(pd.DataFrame({
            "lead_id": rows["lead_id"].to_numpy(), "activity": label,
            "stage": rows["stage"].astype(str).to_numpy(),
            "step": rows["step"].astype(str).to_numpy(), "resource": "", "role": "",
            "t_schedule": np.nan, "t_start": rows["time"].to_numpy(),
            "t_end": rows["time"].to_numpy(), "reason": rows["reason"].astype(str).to_numpy(),
            "work_hours": 0.0,
            "amount_event": rows["amount"].to_numpy() if kind in _WITH_AMOUNT else np.nan,
        }))
    table = pd.concat([p for p in parts if len(p)], ignore_index=True)
    leads = _case_attributes(events)
    table = table.merge(leads, left_on="lead_id", right_index=True, how="left")
    table["case_id"] = f"r{replication}-" + table["lead_id"].astype(str)
    first = table["t_schedule"].fillna(table["t_start"]).fillna(table["t_end"])
    table = table.assign(_first=first).sort_values(["lead_id", "_first", "t_end"],
                                                   kind="stable", na_position="last")
    table["resource"] = table["resource"].fillna("").astype(str)
    table["role"] = table["role"].fillna("").astype(str)
    columns = ["case_id", "lead_id", "activity", "stage", "step", "resource", "role",
               "t_schedule", "t_start", "t_end", "reason", "work_hours", "amount_event",
               "channel", "segment", "amount", "outcome"]
    return table[columns].reset_index(drop=True)


def _client_wait_times(events: pd.DataFrame) -> pd.Series:
    rows = events[events["event"] == "client_wait"]
    index = pd.MultiIndex.from_arrays([rows["lead_id"].to_numpy(),
                                       rows["stage"].astype(str).to_numpy(),
                                       rows["step"].astype(str).to_numpy()],
                                      names=["lead_id", "stage", "step"])
    series = pd.Series(rows["time"].to_numpy(dtype=np.float64), index=index)
    return series[~series.index.duplicated()]


def _case_attributes(events: pd.DataFrame) -> pd.DataFrame:
    """Per case: channel, segment, amount (of its first event: the arrival of a lead, or the
    placing of a repeat order) and outcome."""
    first = events.drop_duplicates("lead_id").set_index("lead_id")
    won = set(events.loc[events["event"] == "win", "lead_id"])
    lost = set(events.loc[events["event"] == "lose", "lead_id"])
    kind = first["event"].astype(str)
    outcome = ["won" if i in won else "lost" if i in lost else
               "repeat order" if k == "order" else "in progress"
               for i, k in zip(first.index, kind, strict=True)]
    return pd.DataFrame({"channel": first["channel"].astype(str),
                         "segment": first["segment"].astype(str),
                         "amount": first["amount"].astype(float), "outcome": outcome},
                        index=first.index)


def _timestamps(days: pd.Series, start: pd.Timestamp, fmt: str) -> pd.Series:
    moments = start + pd.to_timedelta(days.astype(float), unit="D")
    text = moments.dt.round("ms").dt.strftime(fmt)
    return text.where(days.notna(), "")


# -- writers -------------------------------------------------------------------------------------


def write_csv(activities: pd.DataFrame, scenario: Scenario, replication: int,
              out: TextIO) -> None:
    """The activity instances that ended, one per row (see the module docstring)."""
    start = pd.Timestamp(scenario.calendar.start_date)
    ended = activities[activities["t_end"].notna()]
    fmt = "%Y-%m-%dT%H:%M:%S.%f"
    table = pd.DataFrame({
        "case_id": ended["case_id"], "activity": ended["activity"],
        "start_timestamp": _trim_ms(_timestamps(ended["t_start"].fillna(ended["t_end"]), start,
                                                fmt)),
        "end_timestamp": _trim_ms(_timestamps(ended["t_end"], start, fmt)),
        "enqueue_timestamp": _trim_ms(_timestamps(ended["t_schedule"], start, fmt)),
        "resource": ended["resource"], "role": ended["role"], "stage": ended["stage"],
        "step": ended["step"], "channel": ended["channel"], "segment": ended["segment"],
        "amount": ended["amount"].round(2), "outcome": ended["outcome"],
        "reason": ended["reason"], "work_hours": ended["work_hours"].round(4),
        "event_amount": ended["amount_event"].round(2), "replication": replication,
    })
    table[list(CSV_COLUMNS)].to_csv(out, index=False, lineterminator="\n")


def _trim_ms(text: pd.Series) -> pd.Series:
    """``…T08:00:31.123000`` → ``…T08:00:31.123`` (strftime has no millisecond code)."""
    return text.str.replace(r"(\.\d{3})\d{3}$", r"\1", regex=True)


def _attr(parent: ET.Element, kind: str, key: str, value: str) -> None:
    ET.SubElement(parent, kind, {"key": key, "value": value})


def _xes_head(scenario: Scenario) -> tuple[str, str]:
    """The opening of the XES document (log attributes, extensions, globals) and its close."""
    log = ET.Element("log", {"xes.version": "1.0", "xes.features": "nested-attributes",
                             "xmlns": XES_NS})
    for name, prefix, uri in _EXTENSIONS:
        ET.SubElement(log, "extension", {"name": name, "prefix": prefix, "uri": uri})
    trace_globals = ET.SubElement(log, "global", {"scope": "trace"})
    _attr(trace_globals, "string", "concept:name", "__INVALID__")
    event_globals = ET.SubElement(log, "global", {"scope": "event"})
    _attr(event_globals, "string", "concept:name", "__INVALID__")
    _attr(event_globals, "string", "lifecycle:transition", "complete")
    _attr(event_globals, "date", "time:timestamp", "1970-01-01T00:00:00.000")
    ET.SubElement(log, "classifier", {"name": "Activity", "keys": "concept:name"})
    ET.SubElement(log, "classifier", {"name": "Activity and transition",
                                      "keys": "concept:name lifecycle:transition"})
    _attr(log, "string", "concept:name", scenario.name)
    _attr(log, "string", "salesim:currency", scenario.currency)
    text = ET.tostring(log, encoding="unicode")
    head, _, _ = text.rpartition("</log>")
    return head + "\n", "</log>\n"


def _xes_events(activities: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The lifecycle transitions: one row per XES event, in trace order.

    At equal time stamps the earlier activity's transitions come first (a step completes
    before the next is scheduled), and within an activity schedule < start < complete.
    """
    fmt = "%Y-%m-%dT%H:%M:%S.%f"
    activities = activities.assign(_seq=np.arange(len(activities)))
    frames = []
    for transition, column in (("schedule", "t_schedule"), ("start", "t_start"),
                               ("complete", "t_end")):
        rows = activities[activities[column].notna()]
        if transition == "start":  # instants (won, lost, …) are one complete event
            rows = rows[~rows["activity"].isin(list(MILESTONES.values()))]
        if transition == "schedule":  # nobody holds a lead that is only queued
            rows = rows.assign(resource="")
        frames.append(rows.assign(lifecycle=transition, t=rows[column],
                                  _order=_ORDER[transition]))
    events = pd.concat(frames, ignore_index=True)
    events = events.sort_values(["lead_id", "t", "_seq", "_order"], kind="stable")
    events["timestamp"] = _trim_ms(_timestamps(events["t"], start, fmt))
    return events.reset_index(drop=True)


def _string(key: str, values: pd.Series) -> pd.Series:
    """``<string key=… value=…/>`` per row, or "" where the value is empty."""
    text = values.fillna("").astype(str)
    xml = f'<string key="{key}" value=' + text.map(quoteattr) + "/>"
    return xml.where(text != "", "")


def _number(key: str, values: pd.Series, digits: int, keep: pd.Series) -> pd.Series:
    xml = f'<float key="{key}" value="' + values.astype(float).round(digits).astype(str) + '"/>'
    return xml.where(keep, "")


def _traces(events: pd.DataFrame) -> Iterator[str]:
    """Each case as one ``<trace>`` element, built column-wise (a year's log in a second)."""
    body = ("<event>" + _string("concept:name", events["activity"])
            + _string("lifecycle:transition", events["lifecycle"])
            + '<date key="time:timestamp" value="' + events["timestamp"] + '"/>'
            + _string("org:resource", events["resource"]) + _string("org:role", events["role"])
            + _string("stage", events["stage"]) + _string("reason", events["reason"])
            + _number("amount", events["amount_event"], 2, events["amount_event"].notna())
            + _number("work_hours", events["work_hours"], 4,
                      (events["lifecycle"] == "complete") & (events["work_hours"] > 0))
            + "</event>")
    firsts = events.drop_duplicates("case_id")
    heads = ("<trace>" + _string("concept:name", firsts["case_id"])
             + _string("channel", firsts["channel"]) + _string("segment", firsts["segment"])
             + _number("amount", firsts["amount"], 2, firsts["amount"].notna())
             + _string("outcome", firsts["outcome"]))
    bounds = [*firsts.index.tolist(), len(events)]
    texts = body.tolist()
    for k, head in enumerate(heads.tolist()):
        yield head + "".join(texts[bounds[k]:bounds[k + 1]]) + "</trace>\n"


def write_xes(activities: pd.DataFrame, scenario: Scenario, out: TextIO) -> None:
    """The activities as an XES 1.0 document, one trace per lead."""
    head, tail = _xes_head(scenario)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(head)
    events = _xes_events(activities, pd.Timestamp(scenario.calendar.start_date))
    for trace in _traces(events):
        out.write(trace)
    out.write(tail)


# -- the command's work -------------------------------------------------------------------------


def export_log(run_dir: Path, fmt: str, *, out: Path | None = None, replication: int = 0,
               force: bool = False) -> Path:
    """Write a run folder's event log for process-mining tools.

    Args:
        run_dir: The folder ``salesim run`` wrote.
        fmt: ``"xes"`` or ``"csv"``.
        out: Where to write (default ``RUN_DIR/eventlog.<fmt>``).
        replication: Which replication to export.
        force: Replace an existing file.

    Returns:
        The file written (atomically: a temporary file renamed into place).

    Raises:
        ReportError: bad folder, format or replication, or the file exists without ``force``.
    """
    if fmt not in FORMATS:
        raise ReportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir}: no such folder; give the folder `salesim run` wrote")
    for name in ("events.csv.gz", "scenario.yaml"):
        if not (run_dir / name).is_file():
            raise ReportError(f"{run_dir}: not a salesim run folder (no {name})")
    target = Path(out) if out is not None else run_dir / f"eventlog.{fmt}"
    if target.exists() and not force:
        raise ReportError(f"{target}: already exists; add --force to replace it")
    if target.exists() and target.is_dir():
        raise ReportError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise ReportError(f"{target.parent}: no such folder")
    if replication < 0:
        raise ReportError(f"--replication must be 0 or more, not {replication}")
    try:
        scenario = load_scenario(run_dir / "scenario.yaml")
    except ScenarioError as exc:
        raise ReportError(str(exc)) from None
    events = read_events(run_dir / "events.csv.gz", replication, scenario)
    activities = activity_log(events, scenario, replication)
    def write(path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            if fmt == "xes":
                write_xes(activities, scenario, handle)
            else:
                write_csv(activities, scenario, replication, handle)

    write_file(target, write, force=True)  # existence was checked before any work
    return target
