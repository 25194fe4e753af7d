"""Shared hypothesis strategies: distribution specs, small scenarios, calendars, event logs.

One home for the generators that the property tests draw from (new tests import them from here):

* :func:`distribution_specs` — valid ``{dist: ...}`` mappings of every kind in
  ``scenario.dists``, with parameters kept in a range where moments are well conditioned;
* :func:`scenario_dicts` — small valid scenario mappings (``Scenario.from_data`` accepts them);
* :func:`calendars` — random working calendars (weekdays, hours on a minute grid, holidays);
* :func:`queue_logs` — event logs of a c-server FIFO queue followed by a client decision, built
  row by row as ``EventLog.to_frame`` would, with the true outcome of every lead alongside.
"""

from __future__ import annotations

import datetime
import heapq
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import yaml
from hypothesis import strategies as st

from salesim.simulator.engine.events import EVENT_KINDS, EventLog
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.schema import Scenario

# -- distributions ------------------------------------------------------------------------------

positive = st.floats(min_value=0.05, max_value=50.0, allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0.0, max_value=50.0, allow_nan=False, allow_infinity=False)


@st.composite
def triangular_specs(draw: st.DrawFn) -> dict[str, Any]:
    """``{dist: triangular}`` with low <= mode <= high and low < high."""
    low = draw(non_negative)
    width = draw(positive)
    mode = low + width * draw(st.floats(0.0, 1.0))
    return {"dist": "triangular", "low": low, "mode": min(mode, low + width), "high": low + width}


@st.composite
def uniform_specs(draw: st.DrawFn) -> dict[str, Any]:
    """``{dist: uniform}`` with low < high."""
    low = draw(non_negative)
    return {"dist": "uniform", "low": low, "high": low + draw(positive)}


@st.composite
def empirical_specs(draw: st.DrawFn) -> dict[str, Any]:
    """``{dist: empirical}``, with or without weights (one weight per value)."""
    values = draw(st.lists(non_negative, min_size=1, max_size=8))
    spec: dict[str, Any] = {"dist": "empirical", "values": values}
    if draw(st.booleans()):
        spec["weights"] = draw(st.lists(positive, min_size=len(values), max_size=len(values)))
    return spec


def distribution_specs() -> st.SearchStrategy[dict[str, Any]]:
    """Any valid distribution mapping of ``scenario.dists`` (as a scenario would write it)."""
    return st.one_of(
        st.builds(lambda v: {"dist": "fixed", "value": v}, non_negative),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, positive),
        st.builds(lambda m, cv: {"dist": "lognormal", "mean": m, "sd": m * cv},
                  positive, st.floats(0.05, 2.0)),
        triangular_specs(),
        uniform_specs(),
        empirical_specs(),
    )


# -- scenarios ------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A small valid scenario: 1-2 channels, 1-2 roles, 1-2 stages of 1-3 steps each.

    Every staffed step names a role of the scenario; the last step of the last stage wins.
    """
    role_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    channel_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    stage_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    stages: list[dict[str, Any]] = []
    for stage in stage_names:
        step_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
        steps = [{"name": step, "role": draw(st.sampled_from(role_names)),
                  "effort_hours": draw(distribution_specs()),
                  "conversion": draw(st.floats(0.05, 1.0))}
                 for step in step_names]
        stages.append({"name": stage, "steps": steps})
    stages[-1]["steps"][-1]["wins"] = True
    return {
        "name": draw(names),
        "horizon_days": draw(st.integers(1, 120)),
        "calendar": {"start_date": draw(st.dates(datetime.date(2024, 1, 1),
                                                 datetime.date(2030, 12, 31))).isoformat()},
        "channels": [{"name": ch, "rate": draw(st.floats(0.0, 20.0)),
                      "deal_size": draw(distribution_specs())} for ch in channel_names],
        "roles": [{"name": r, "headcount": draw(st.integers(0, 5))} for r in role_names],
        "stages": stages,
    }


# -- calendars ------------------------------------------------------------------------------------


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """Random calendars: weekdays, hours on a minute grid, holidays, a small span.

    Days are at least one hour long, so that work fits in the calendar's horizon (and a test
    stays fast) even with a single working weekday.
    """
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start_minute = draw(st.integers(0, 23 * 60))
    end_minute = draw(st.integers(start_minute + 60, 24 * 60))
    holiday_days = draw(st.frozensets(st.integers(0, 60), max_size=30))
    start = draw(st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)))
    return WorkCalendar(
        start,
        weekdays=weekdays,
        day_start_hours=start_minute / 60,
        day_end_hours=end_minute / 60,
        holidays=frozenset(start + datetime.timedelta(days=d) for d in holiday_days),
        span_days=draw(st.integers(1, 40)),
    )


# -- event logs -----------------------------------------------------------------------------------

QUEUE_STAFF_MAX = 3


@cache
def queue_scenario(servers: int, horizon_days: int) -> Scenario:
    """The scenario a :func:`queue_logs` log belongs to: one 24/7 seller pool, two steps.

    Stage ``sell``: step ``call`` (``servers`` sellers, FIFO) and then step ``pay``, a client
    decision (no staff) that wins or loses the lead.
    """
    text = f"""
    name: queue
    horizon_days: {horizon_days}
    calendar: {{start_date: 2026-01-05, weekdays: [mon, tue, wed, thu, fri, sat, sun],
               hours: "00:00-24:00"}}
    channels: [{{name: web, rate: 1, per: calendar_day}}]
    roles: [{{name: seller, headcount: {servers}}}]
    stages:
      - name: sell
        steps:
          - {{name: call, role: seller, effort_hours: 24}}
          - {{name: pay, client_delay_days: 1, conversion: 0.5, loss_reasons: {{no_money: 1}},
             wins: true}}
    """
    return Scenario.from_data(yaml.safe_load(textwrap.dedent(text)), source="<strategies>")


def queue_staff(servers: int) -> pd.DataFrame:
    """The staff table of :func:`queue_scenario`: ``seller-1`` … ``seller-<servers>``."""
    return pd.DataFrame({"staff_id": [f"seller-{k + 1}" for k in range(servers)],
                         "role": ["seller"] * servers, "speed": [1.0] * servers,
                         "skill": [1.0] * servers, "hired_at": [0.0] * servers,
                         "left_at": [float("nan")] * servers})


@dataclass(frozen=True)
class Lead:
    """The true story of one lead of a hand-built queue log (times in days)."""

    lead_id: int
    arrive: float
    start: float
    finish: float
    decided: float
    wins: bool
    staff_id: str

    @property
    def wait(self) -> float:
        """Time queued for a seller."""
        return self.start - self.arrive


@dataclass(frozen=True)
class QueueLog:
    """A hand-built event log and the truth it was built from."""

    servers: int
    horizon: float
    leads: tuple[Lead, ...]
    frame: pd.DataFrame

    @property
    def scenario(self) -> Scenario:
        """The scenario the log belongs to."""
        return queue_scenario(self.servers, int(self.horizon))

    @property
    def staff(self) -> pd.DataFrame:
        """The staff table of the log's sellers."""
        return queue_staff(self.servers)


def serve_fifo(arrivals: list[float], services: list[float], servers: int
               ) -> list[tuple[float, int]]:
    """(start, server index) of each arrival in a FIFO queue of ``servers`` identical servers.

    The lead at the head of the queue takes the server that frees first (the lowest index among
    ties), as a pooled SimPy resource would.
    """
    free: list[tuple[float, int]] = [(0.0, k) for k in range(servers)]
    heapq.heapify(free)
    out = []
    for arrive, service in zip(arrivals, services, strict=True):
        free_at, k = heapq.heappop(free)
        start = max(arrive, free_at)
        out.append((start, k))
        heapq.heappush(free, (start + service, k))
    return out


def lead_rows(lead: Lead, horizon: float) -> list[tuple[float, dict[str, Any]]]:
    """The events of one lead that happen before the horizon, in the order the model logs them."""
    staffed = {"staff_id": lead.staff_id, "role": "seller"}
    rows: list[tuple[float, dict[str, Any]]] = [
        (lead.arrive, {"stage": "", "step": "", "event": "arrive"}),
        (lead.arrive, {"step": "call", "event": "enqueue", "role": "seller"}),
        (lead.start, {"step": "call", "event": "start", **staffed}),
        (lead.finish, {"step": "call", "event": "finish", **staffed,
                       "work_hours": 24.0 * (lead.finish - lead.start)}),
        (lead.finish, {"step": "call", "event": "convert"}),
        (lead.finish, {"step": "pay", "event": "client_wait"}),
    ]
    if lead.wins:
        rows += [(lead.decided, {"step": "pay", "event": "convert"}),
                 (lead.decided, {"step": "pay", "event": "win"})]
    else:
        rows.append((lead.decided, {"step": "pay", "event": "lose", "reason": "no_money"}))
    return [(t, row) for t, row in rows if t < horizon]


def build_log(leads: list[Lead], horizon: float, amount: float = 1000.0) -> pd.DataFrame:
    """The frame ``EventLog.to_frame`` gives for these leads, events in time order."""
    rows = sorted((row for lead in leads for row in
                   ((t, lead.lead_id, fields) for t, fields in lead_rows(lead, horizon))),
                  key=lambda r: r[0])  # stable: a lead's events keep their order on ties
    log = EventLog()
    for time, lead_id, fields in rows:
        log.record(time, lead_id, "web", "default", fields.pop("stage", "sell"),
                   fields.pop("step"), fields.pop("event"), amount=amount, **fields)
    return log.to_frame()


# times on a 1/64-day grid: sums and differences are exact in binary floating point, so a test
# can compare time averages with ``==`` up to the rounding of one division
grid_days = st.integers(0, 4 * 64).map(lambda k: k / 64)
service_days = st.integers(1, 3 * 64).map(lambda k: k / 64)


@st.composite
def queue_logs(draw: st.DrawFn, all_done: bool = False, max_leads: int = 12) -> QueueLog:
    """A FIFO c-server queue log with a known arrival and service structure.

    Leads arrive at cumulative gaps drawn on a grid, are served for a drawn time by the first
    free seller, then wait a drawn client delay and win or lose. Events at or after the horizon
    are not logged (the lead is still in the department). With ``all_done`` the horizon is past
    every lead's decision, so that every lead arrives and leaves inside the window.
    """
    servers = draw(st.integers(1, QUEUE_STAFF_MAX))
    n = draw(st.integers(1, max_leads))
    arrivals, t = [], 0.0
    for _ in range(n):
        t += draw(grid_days)
        arrivals.append(t)
    services = draw(st.lists(service_days, min_size=n, max_size=n))
    delays = draw(st.lists(grid_days, min_size=n, max_size=n))
    wins = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    leads = [Lead(i, arrivals[i], start, start + services[i], start + services[i] + delays[i],
                  wins[i], f"seller-{k + 1}")
             for i, (start, k) in enumerate(serve_fifo(arrivals, services, servers))]
    last = max(lead.decided for lead in leads)
    if all_done:
        horizon = float(int(last) + 1 + draw(st.integers(0, 3)))
    else:
        horizon = float(draw(st.integers(max(1, int(arrivals[-1]) - 5), int(last) + 2)))
    leads = [lead for lead in leads if lead.arrive < horizon]
    return QueueLog(servers, horizon, tuple(leads), build_log(leads, horizon))


labels = st.sampled_from(["", "web", "fair", "sell", "call", "seller", "seller-1", "no_money",
                          "smb", "ent"])


@st.composite
def event_records(draw: st.DrawFn) -> dict[str, Any]:
    """The keyword arguments of one ``EventLog.record`` call, every column given."""
    return {
        "time": draw(st.floats(0.0, 3660.0)), "lead_id": draw(st.integers(0, 10**6)),
        "channel": draw(labels), "segment": draw(labels), "stage": draw(labels),
        "step": draw(labels), "event": draw(st.sampled_from(EVENT_KINDS)),
        "staff_id": draw(labels), "role": draw(labels),
        "amount": draw(st.floats(0.0, 1e9)), "reason": draw(labels),
        "work_hours": draw(st.floats(0.0, 1e4)), "client_id": draw(st.integers(-1, 10**6)),
    }
