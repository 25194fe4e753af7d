"""``salesim export``: the event log as XES and CSV, read back by pm4py (a test-only extra)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import cast

import pandas as pd
import pytest
from typer.testing import CliRunner

from salesim.reports.export import CSV_COLUMNS, LOST, MILESTONES, WON, activity_log, export_log
from salesim.simulator.scenario.loader import load_scenario
from salesim.simulator.store.run_reader import ReportError, read_events
from tests.conftest import BASELINE
from tests.reports.test_reports import cli, copy_run, make_run

runner = CliRunner()
XES = "{http://www.xes-standard.org/}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_run(make_run(tmp_path_factory, BASELINE, days=30),
                      tmp_path_factory.mktemp("export"))
    export_log(folder, "xes")
    export_log(folder, "csv")
    return folder


def _stage_of(activity: str) -> str | None:
    return activity.split("/")[0] if "/" in activity else None


def _stage_order_holds(edges: dict[tuple[str, str], int], stages: list[str]) -> None:
    """Every stage is reached from the one before it, and nothing flows back to an earlier one."""
    rank = {name: i for i, name in enumerate(stages)}
    pairs = {(_stage_of(a), _stage_of(b)) for (a, b) in edges}
    between = {(a, b) for a, b in pairs if a is not None and b is not None and a != b}
    for earlier, later in itertools.pairwise(stages):
        assert (earlier, later) in between, f"no flow {earlier} → {later}"
    assert all(rank[a] < rank[b] for a, b in between), sorted(between)


def _stages_seen(run: Path) -> list[str]:
    scenario = load_scenario(run / "scenario.yaml")
    events = read_events(run / "events.csv.gz")
    seen = set(events["stage"].astype(str))
    return [s.name for s in scenario.stages if s.name in seen]


def test_xes_is_well_formed_with_lifecycles_and_lead_attributes(run: Path) -> None:
    root = ET.parse(run / "eventlog.xes").getroot()
    assert root.tag == f"{XES}log"
    prefixes = {e.get("prefix") for e in root.findall(f"{XES}extension")}
    assert {"concept", "lifecycle", "org", "time"} <= prefixes
    traces = root.findall(f"{XES}trace")
    events = read_events(run / "events.csv.gz")
    cases = events["lead_id"].nunique()  # leads, repeat orders and the clients of day 0
    assert len(traces) == cases
    transitions, keys, resources = set(), set(), set()
    start = load_scenario(run / "scenario.yaml").calendar.start_date.isoformat()
    for trace in traces[:200]:
        attrs = {a.get("key"): a.get("value") for a in trace if a.tag != f"{XES}event"}
        assert {"concept:name", "channel", "segment", "amount", "outcome"} <= set(attrs)
        stamps: list[str] = []
        for event in trace.findall(f"{XES}event"):
            values = {a.get("key"): a.get("value") for a in event}
            keys |= set(values)
            transitions.add(values["lifecycle:transition"])
            resources.add(values.get("org:resource"))
            stamps.append(cast(str, values["time:timestamp"]))
        assert stamps == sorted(stamps) and stamps[0] >= start
    assert transitions == {"schedule", "start", "complete"}
    assert {"concept:name", "time:timestamp", "org:resource", "org:role"} <= keys
    assert "client" in resources and any(r and r.startswith("hunter-") for r in resources)


def test_csv_has_start_and_end_of_every_activity(run: Path) -> None:
    table = pd.read_csv(run / "eventlog.csv")
    assert tuple(table.columns) == CSV_COLUMNS
    start = pd.to_datetime(table["start_timestamp"])
    end = pd.to_datetime(table["end_timestamp"])
    first_day = load_scenario(run / "scenario.yaml").calendar.start_date
    assert (end >= start).all() and start.min() >= pd.Timestamp(first_day)
    assert {WON, LOST} <= set(table["activity"])
    work = table[table["resource"].fillna("").str.contains("-")]
    # hours are written to 4 decimals: a call of a few seconds shows as 0.0
    assert (work["work_hours"] >= 0).all() and (work["work_hours"] > 0).mean() > 0.99
    assert set(table.loc[table["activity"] == WON, "event_amount"].notna()) == {True}


def test_activity_log_matches_the_event_log(run: Path) -> None:
    scenario = load_scenario(run / "scenario.yaml")
    events = read_events(run / "events.csv.gz")
    log = activity_log(events, scenario)
    starts = events[events["event"] == "start"]
    staffed = log[log["t_start"].notna() & log["role"].ne("client") & log["resource"].ne("")]
    assert len(staffed) == len(starts)
    assert (log.loc[log["activity"] == WON, "lead_id"].sort_values().to_numpy()
            == events.loc[events["event"] == "win", "lead_id"].sort_values().to_numpy()).all()


@pytest.mark.filterwarnings("ignore:Install the optional requirement")
def test_pm4py_reads_both_formats_and_finds_the_stages(run: Path) -> None:
    pm4py = pytest.importorskip("pm4py", reason="pm4py is a test-only extra (AGPL)")
    stages = _stages_seen(run)
    first = f"{stages[0]}/{load_scenario(run / 'scenario.yaml').stages[0].steps[0].name}"

    log = pm4py.read_xes(str(run / "eventlog.xes"))
    assert {"case:concept:name", "concept:name", "time:timestamp", "org:resource",
            "lifecycle:transition", "case:channel", "case:segment", "case:amount"} <= set(
        log.columns)
    milestones = list(MILESTONES.values())  # deal won, lead lost, …: not steps of a stage
    done = log[(log["lifecycle:transition"] == "complete")
               & ~log["concept:name"].isin(milestones)
               & (log["case:outcome"] != "repeat order")]  # the leads' own paths
    dfg, start_activities, _end = pm4py.discover_dfg(done)
    assert set(start_activities) == {first}
    _stage_order_holds(dfg, stages)

    table = pd.read_csv(run / "eventlog.csv")
    table = table[~table["activity"].isin(milestones)]
    table = table[~table["case_id"].isin(set(log.loc[log["case:outcome"] == "repeat order",
                                                     "case:concept:name"]))]
    frame = pm4py.format_dataframe(table, case_id="case_id", activity_key="activity",
                                   timestamp_key="end_timestamp",
                                   start_timestamp_key="start_timestamp")
    dfg_csv, start_csv, _ = pm4py.discover_dfg(frame)
    assert set(start_csv) == {first}
    _stage_order_holds(dfg_csv, stages)
    assert set(frame["concept:name"]) == set(done["concept:name"])
    assert frame["case:concept:name"].nunique() == done["case:concept:name"].nunique()


def test_export_cli(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    folder = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    result = runner.invoke(cli(), ["export", str(folder), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert str(folder / "eventlog.csv") in result.output
    again = runner.invoke(cli(), ["export", str(folder), "--format", "csv"])
    assert again.exit_code == 2 and again.output.startswith("error: ") and "--force" in \
        again.output
    out = tmp_path / "log.xes"
    result = runner.invoke(cli(), ["export", str(folder), "-f", "XES", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("<?xml")
    for args, message in ((["--format", "json"], "--format must be one of xes, csv"),
                          (["--replication", "3"], "no events of replication 3"),
                          (["--replication", "x"], "error: ")):
        result = runner.invoke(cli(), ["export", str(folder), "--force", *args])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and message in result.output
    result = runner.invoke(cli(), ["export", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such folder" in result.output
    assert not [p for p in folder.iterdir()
                if p.name.startswith(".") and p.name != ".salesim-output"]


def test_export_refuses_a_missing_output_folder(tmp_path_factory: pytest.TempPathFactory,
                                                tmp_path: Path) -> None:
    folder = make_run(tmp_path_factory, BASELINE, days=30)
    with pytest.raises(ReportError, match="no such folder"):
        export_log(folder, "csv", out=tmp_path / "missing" / "log.csv")
