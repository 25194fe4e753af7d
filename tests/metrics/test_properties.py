"""Properties of the metrics on hand-built FIFO queue logs (``tests.strategies.queue_logs``).

Every expected figure is worked out in the test from the story the log was built from (arrival,
service start and end, decision of each lead), never from the metrics themselves. Each property
also has a deliberately broken log that it must reject, so that none of them holds by default.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from hypothesis import given, settings

from salesim.simulator.metrics.capacity import role_tables
from salesim.simulator.metrics.flow import stage_table, stage_visits, step_table, step_visits
from salesim.simulator.metrics.measure import RunMetrics, measure
from tests.strategies import Lead, QueueLog, build_log, queue_logs

PROPERTY = settings(max_examples=12, deadline=None)


@dataclasses.dataclass(frozen=True)
class Tables:
    """The flow and capacity tables of one log over the window [0, horizon]."""

    stage: pd.Series
    call: pd.Series
    role: pd.Series
    people: pd.DataFrame


def tables(log: QueueLog, frame: pd.DataFrame | None = None) -> Tables:
    """The stage, call-step, role and people tables of ``frame`` (default: the log's own)."""
    frame = log.frame if frame is None else frame
    scenario, window = log.scenario, (0.0, log.horizon)
    visits = step_visits(frame, scenario)
    stage_rows = stage_visits(visits, scenario)
    roles, people = role_tables(visits, log.staff, scenario, window)
    return Tables(stage_table(stage_rows, stage_rows, scenario, window).iloc[0],
                  step_table(visits, scenario).iloc[0], roles.iloc[0], people)


def with_frame(log: QueueLog, leads: list[Lead]) -> QueueLog:
    """The same log rebuilt from other lead stories."""
    return dataclasses.replace(log, leads=tuple(leads), frame=build_log(leads, log.horizon))


# -- conservation: every lead is won, lost or still in the department -----------------------------


def check_conservation(frame: pd.DataFrame, metrics: RunMetrics) -> None:
    """Leads in the log = won + lost + in progress, in the headline and in the stage table."""
    seen = set(frame["lead_id"])
    won = set(frame.loc[frame["event"] == "win", "lead_id"])
    lost = set(frame.loc[frame["event"] == "lose", "lead_id"])
    assert not won & lost, "a lead is both won and lost"
    overall = metrics.overall
    assert overall["generated"] == len(seen), "a lead in the log is not counted"
    assert (overall["won"], overall["lost"]) == (len(won), len(lost)), "terminal states"
    assert overall["in_progress"] == len(seen - won - lost), "leads still in the department"
    assert overall["won"] + overall["lost"] + overall["in_progress"] == overall["generated"]
    stage = metrics.stages.iloc[0]
    assert (stage["entered"], stage["converted"], stage["lost"], stage["in_progress"]) == (
        len(seen), len(won), len(lost), len(seen - won - lost)), "the stage table"


@settings(max_examples=6, deadline=None)  # measure() is the costly call
@given(log=queue_logs())
def test_every_lead_is_accounted_for(log: QueueLog) -> None:
    metrics = measure(log.frame, log.staff, log.scenario)
    check_conservation(log.frame, metrics)
    h = log.horizon
    decided = [lead for lead in log.leads if lead.decided < h]
    assert metrics.overall["won"] == sum(lead.wins for lead in decided)
    assert metrics.overall["lost"] == sum(not lead.wins for lead in decided)
    assert metrics.overall["in_progress"] == len(log.leads) - len(decided)
    call = metrics.steps.iloc[0]
    finished = sum(lead.finish < h for lead in log.leads)
    assert (call["entered"], call["converted"], call["in_progress"]) == (
        len(log.leads), finished, len(log.leads) - finished)


def broken_logs(log: QueueLog) -> dict[str, pd.DataFrame]:
    """Logs that lose track of a lead: it never arrived, or it passed the last step unwon."""
    frame = log.frame
    winner = next(lead.lead_id for lead in log.leads if lead.wins)
    no_arrival = frame[~((frame["lead_id"] == winner) & (frame["event"] == "arrive"))]
    no_win = frame[~((frame["lead_id"] == winner) & (frame["event"] == "win"))]
    return {"no_arrival": no_arrival, "converted_but_not_won": no_win}


@pytest.mark.parametrize(("how", "message"), [("no_arrival", "not counted"),
                                               ("converted_but_not_won", "the stage table")])
def test_conservation_catches_a_broken_log(how: str, message: str) -> None:
    log = FIXED
    broken = broken_logs(log)[how]
    check_conservation(log.frame, measure(log.frame, log.staff, log.scenario))
    with pytest.raises(AssertionError, match=message):
        check_conservation(broken, measure(broken, log.staff, log.scenario))


# -- Little's law: L = λ·W when every lead arrives and leaves inside the window -------------------


def time_average_in_system(intervals: list[tuple[float, float]], horizon: float) -> float:
    """∫ N(t) dt / T by sweeping the +1 / -1 steps of N(t) (independent of any mean)."""
    steps = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    area, n, last = 0.0, 0, 0.0
    for t, change in steps:
        area += n * (t - last)
        n, last = n + change, t
    area += n * (horizon - last)
    return area / horizon


def little_gap(stage: pd.Series, horizon: float) -> float:
    """L − λ·W of the stage table: WIP minus arrival rate times mean time in the stage."""
    return float(stage["wip_mean"] - stage["entered"] / horizon * stage["cycle_days_mean"])


@PROPERTY
@given(log=queue_logs(all_done=True))
def test_littles_law_for_the_stage_queue_and_servers(log: QueueLog) -> None:
    h, n, leads = log.horizon, len(log.leads), log.leads
    assert all(lead.decided < h for lead in leads)  # the window condition of Little's law
    t = tables(log)
    rate = n / h
    in_stage = [(lead.arrive, lead.decided) for lead in leads]
    wip = time_average_in_system(in_stage, h)
    cycle = sum(b - a for a, b in in_stage) / n
    assert wip == pytest.approx(rate * cycle, rel=1e-9)
    assert t.stage["wip_mean"] == pytest.approx(wip, rel=1e-9)
    assert t.stage["cycle_days_mean"] == pytest.approx(cycle, rel=1e-9)
    assert little_gap(t.stage, h) == pytest.approx(0.0, abs=1e-9)
    # the queue: Lq = λ·Wq
    queued = [(lead.arrive, lead.start) for lead in leads]
    wait = sum(lead.wait for lead in leads) / n
    assert t.role["queue_mean"] == pytest.approx(time_average_in_system(queued, h), abs=1e-9)
    assert t.role["queue_mean"] == pytest.approx(rate * wait, abs=1e-9)
    assert t.call["wait_days_mean"] == pytest.approx(wait, abs=1e-9)
    # the servers: busy servers on average = λ·E[S], so utilisation = λ·E[S] / c
    service = sum(lead.finish - lead.start for lead in leads) / n
    assert t.role["utilization"] == pytest.approx(rate * service / log.servers, rel=1e-9)


def test_littles_law_catches_a_lead_that_never_leaves() -> None:
    log = FIXED_DONE
    assert little_gap(tables(log).stage, log.horizon) == pytest.approx(0.0, abs=1e-12)
    frame = log.frame
    stuck = log.leads[0].lead_id
    # the lead's decision is lost from the log: it stays in the stage to the horizon
    broken = frame[~((frame["lead_id"] == stuck) & (frame["step"] == "pay")
                     & frame["event"].isin(["convert", "win", "lose"]))]
    assert little_gap(tables(log, broken).stage, log.horizon) > 0.1


# -- non-negativity and bounds --------------------------------------------------------------------


def check_bounds(t: Tables) -> None:
    """Utilisation in [0, 1], busy ≤ available, no negative time, share or count."""
    for u in [t.role["utilization"], *t.people["utilization"]]:
        assert 0.0 <= u <= 1.0 + 1e-12, f"utilisation {u}"
    assert 0.0 <= t.role["busy_hours"] <= t.role["available_hours"] + 1e-9
    for row, columns in ((t.stage, ("wait_days_mean", "cycle_days_mean", "wip_mean", "wait_share",
                                    "wait_days_p90", "cycle_days_p90")),
                         (t.call, ("wait_days_mean", "cycle_days_mean")),
                         (t.role, ("queue_mean",))):
        for column in columns:
            value = float(row[column])
            assert math.isnan(value) or value >= 0, f"{column} = {value}"
    assert math.isnan(t.stage["conversion"]) or 0.0 <= t.stage["conversion"] <= 1.0
    assert 0.0 <= t.stage["wait_share"] <= 1.0


@PROPERTY
@given(log=queue_logs())
def test_figures_are_non_negative_and_bounded(log: QueueLog) -> None:
    t = tables(log)
    check_bounds(t)
    h = log.horizon
    # busy hours, worked out from the stories: each started call up to its end or the horizon
    busy = sum(24 * (min(lead.finish, h) - lead.start) for lead in log.leads if lead.start < h)
    assert t.role["busy_hours"] == pytest.approx(busy, rel=1e-9, abs=1e-9)
    assert t.role["available_hours"] == pytest.approx(24 * h * log.servers, rel=1e-12)
    per_person = t.people.set_index("staff_id")["busy_hours"]
    for staff_id, hours in per_person.items():
        assert hours == pytest.approx(sum(
            24 * (min(lead.finish, h) - lead.start) for lead in log.leads
            if lead.start < h and lead.staff_id == staff_id), rel=1e-9, abs=1e-9)


def test_bounds_catch_a_double_booked_seller() -> None:
    # one seller "serving" two leads at once all the way through: busy twice the available time
    leads = [Lead(0, 0.0, 0.0, 10.0, 10.5, True, "seller-1"),
             Lead(1, 0.0, 0.0, 10.0, 10.5, False, "seller-1")]
    log = QueueLog(1, 10.0, tuple(leads), build_log(leads, 10.0))
    assert tables(log).role["utilization"] == pytest.approx(2.0)
    with pytest.raises(AssertionError, match="utilisation"):
        check_bounds(tables(log))


def test_bounds_catch_a_start_before_the_queue() -> None:
    log = FIXED
    frame = log.frame.copy()
    first = log.leads[0]
    enqueue = (frame["lead_id"] == first.lead_id) & (frame["event"] == "enqueue")
    frame.loc[enqueue, "time"] = first.start + 3.0  # queued three days after being served
    with pytest.raises(AssertionError, match="wait_days_mean"):
        check_bounds(tables(log, frame.sort_values("time", kind="stable")))


# two fixed logs for the broken-log tests: three leads on one seller (lead 1 waits)
_STORIES = [Lead(0, 0.0, 0.0, 1.0, 3.0, True, "seller-1"),
            Lead(1, 0.5, 1.0, 2.0, 4.0, False, "seller-1"),
            Lead(2, 2.5, 2.5, 4.0, 5.5, True, "seller-1")]
FIXED = QueueLog(1, 5.0, tuple(_STORIES), build_log(_STORIES, 5.0))
FIXED_DONE = QueueLog(1, 6.0, tuple(_STORIES), build_log(_STORIES, 6.0))
