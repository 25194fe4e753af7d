"""Time series over the event log (pure): how the run unfolded day by day and week by week.

:mod:`metrics.measure` gives one number per stage, role or person for the whole window; the
functions here give the same quantities per period, for the charts of ``salesim report``. They
read nothing and print nothing: an event log (``EventLog.to_frame()`` or the table read from
``events.csv.gz``), its step visits (:func:`metrics.measure.step_visits`) and the scenario in,
DataFrames out.

Conventions (see ``docs/model.md`` and ``docs/reports.md``):

* Periods are half-open intervals of simulation days ``[edge_k, edge_k+1)``; weeks start on
  Monday, and the first and last week of a run may be partial.
* Levels (leads in a stage, leads queued) are **time averages** over each period, computed
  exactly from the intervals, not sampled.
* Utilisation per period is busy working hours ÷ available working hours of the person's
  calendar in that period, as in :func:`metrics.capacity.role_tables`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from salesim.simulator.engine.events import CATEGORICAL, COLUMNS, EVENT_KINDS
from salesim.simulator.metrics.flow import stage_visits
from salesim.simulator.metrics.money import booked, recognised
from salesim.simulator.scenario.schema import Scenario

__all__ = [
    "Periods",
    "coverage",
    "day_periods",
    "events_from_table",
    "revenue_by_day",
    "time_split_by_stage",
    "utilisation_by_person",
    "utilisation_by_role",
    "week_periods",
    "wip_by_stage",
]

FloatArray = npt.NDArray[np.float64]


# -- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    """Consecutive periods of a run: ``edges`` in simulation days, one label date per period.

    Attributes:
        edges: ``n + 1`` increasing moments in days since the calendar start.
        starts: The calendar date on which each of the ``n`` periods begins.
        kind: ``"day"`` or ``"week"``.
    """

    edges: FloatArray
    starts: tuple[dt.date, ...]
    kind: str

    def __len__(self) -> int:
        return len(self.starts)

    def index_of(self, times: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The period of each moment (-1 before the first, ``len(self)`` after the last)."""
        t = np.asarray(times, dtype=np.float64)
        return np.searchsorted(self.edges, t, side="right").astype(np.int64) - 1


def _window(scenario: Scenario, window: tuple[float, float] | None) -> tuple[float, float]:
    """The periods' span: the measured window ``[warmup_days, horizon_days]`` by default, where
    the run's tables are measured (the warm-up is simulated, not reported)."""
    return window if window is not None else (float(scenario.warmup_days),
                                              float(scenario.horizon_days))


def day_periods(scenario: Scenario, window: tuple[float, float] | None = None) -> Periods:
    """Calendar days of the run (the last one partial if the horizon is fractional).

    Args:
        scenario: The scenario as run (its calendar start and horizon).
        window: ``(start, end)`` in simulation days; default the measured window
            ``[warmup_days, horizon_days]``.
    """
    start, end = _window(scenario, window)
    first = math.floor(start)
    edges = np.arange(first, math.ceil(end) + 1, dtype=np.float64)
    edges[0], edges[-1] = start, end
    if len(edges) > 2 and edges[-2] >= end:
        edges = edges[:-1]
    base = scenario.calendar.start_date
    starts = tuple(base + dt.timedelta(days=math.floor(e)) for e in edges[:-1])
    return Periods(edges, starts, "day")


def week_periods(scenario: Scenario, window: tuple[float, float] | None = None) -> Periods:
    """Monday-to-Sunday weeks of the run; the first and last may be partial.

    The label of a partial first week is the first day of the run, not the Monday before it.
    """
    start, end = _window(scenario, window)
    base = scenario.calendar.start_date
    first_day = base + dt.timedelta(days=math.floor(start))
    next_monday = math.floor(start) + (7 - first_day.weekday()) % 7
    inner = np.arange(next_monday, end, 7, dtype=np.float64)
    inner = inner[inner > start]
    edges = np.concatenate([[start], inner, [end]]).astype(np.float64)
    starts = tuple(base + dt.timedelta(days=math.floor(e)) for e in edges[:-1])
    return Periods(edges, starts, "week")


# -- the event log as stored in events.csv.gz -------------------------------------------------


_INT_DEFAULTS = {"lead_id": 0, "client_id": -1}


def events_from_table(table: pd.DataFrame, replication: int = 0) -> pd.DataFrame:
    """One replication of an ``events.csv.gz`` table as a canonical event frame.

    The result has the columns and dtypes of :meth:`engine.events.EventLog.to_frame`, so
    every function of :mod:`metrics.measure` accepts it. A column the table lacks (a file
    written by an older version) gets its neutral value: ``""``, ``0.0``, or ``-1`` for ids.

    Args:
        table: The file's rows (all or some replications); empty cells may be NaN or "".
        replication: Which replication to keep (the file's ``replication`` column).
    """
    if "replication" in table.columns:
        table = table[table["replication"] == replication]
    n = len(table)
    data: dict[str, object] = {}
    for name in COLUMNS:
        present = name in table.columns
        if name in CATEGORICAL:
            column = table[name] if present else pd.Series([""] * n, dtype=object)
            if isinstance(column.dtype, pd.CategoricalDtype) and "" not in column.cat.categories:
                column = column.cat.add_categories([""])
            values = column.fillna("").astype(str).to_numpy()
            data[name] = pd.Categorical(values, categories=EVENT_KINDS) if name == "event" \
                else pd.Categorical(values)
        elif name in _INT_DEFAULTS:
            default = _INT_DEFAULTS[name]
            data[name] = (table[name].fillna(default).to_numpy(dtype=np.int64) if present
                          else np.full(n, default, dtype=np.int64))
        else:
            data[name] = (table[name].fillna(0.0).to_numpy(dtype=np.float64) if present
                          else np.zeros(n, dtype=np.float64))
    return pd.DataFrame(data)[list(COLUMNS)].reset_index(drop=True)


# -- levels over time ------------------------------------------------------------------------


def _sum_min(sorted_values: FloatArray, cumsum: FloatArray, at: FloatArray) -> FloatArray:
    """``Σ_i min(x_i, a)`` for each ``a`` in ``at`` (``x`` sorted, ``cumsum`` its prefix sums)."""
    k = np.searchsorted(sorted_values, at, side="right")
    below = cumsum[k]
    above = np.where(len(sorted_values) - k > 0, at * (len(sorted_values) - k), 0.0)
    return np.asarray(below + above, dtype=np.float64)


def coverage(begins: npt.ArrayLike, ends: npt.ArrayLike, edges: npt.ArrayLike) -> FloatArray:
    """Total length of the intervals ``[begin_i, end_i)`` inside each ``[edge_k, edge_k+1)``.

    Divided by the period length this is the time-average number of intervals open in the
    period (leads in a stage, leads queued); with work-clock moments it is busy working hours.
    ``end = +inf`` means still open at the end of the run. Exact, in O((n + m) log n).
    """
    b = np.sort(np.asarray(begins, dtype=np.float64))
    e = np.sort(np.asarray(ends, dtype=np.float64))
    at = np.asarray(edges, dtype=np.float64)
    if len(b) == 0:
        return np.zeros(max(len(at) - 1, 0), dtype=np.float64)
    # Σ min(e_i, a) − Σ min(b_i, a) is the covered length in (-inf, a]; intervals never end
    # before they begin, so no term is negative. Infinite ends never enter a prefix sum.
    finite_e = np.where(np.isfinite(e), e, 0.0)
    cum_b = np.concatenate([[0.0], np.cumsum(b)])
    cum_e = np.concatenate([[0.0], np.cumsum(finite_e)])
    covered = _sum_min(e, cum_e, at) - _sum_min(b, cum_b, at)
    return np.asarray(np.diff(covered), dtype=np.float64)


def wip_by_stage(visits: pd.DataFrame, scenario: Scenario, periods: Periods) -> pd.DataFrame:
    """Leads in each stage and leads queued for staff in it, time-averaged per period.

    Args:
        visits: :func:`metrics.measure.step_visits` of the event log (all leads: those that
            arrived during a warm-up are in the department too).
        scenario: The scenario as run.
        periods: :func:`day_periods` or :func:`week_periods`.

    Returns:
        Long table: ``period`` (0..n-1), ``date`` (period start), ``stage``, ``wip`` (mean
        leads in the stage) and ``queued`` (mean leads waiting for staff there); stages in the
        scenario's order.
    """
    lengths = np.diff(periods.edges)
    lengths = np.where(lengths > 0, lengths, np.nan)
    stages = stage_visits(visits, scenario) if len(visits) else visits
    frames = []
    for stage in scenario.stages:
        inside = stages[stages["stage"] == stage.name] if len(stages) else stages
        wip = coverage(inside["t_enter"], inside["t_exit"], periods.edges) if len(inside) \
            else np.zeros(len(periods))
        q = visits[(visits["stage"] == stage.name) & visits["t_enqueue"].notna()] \
            if len(visits) else visits
        queued = coverage(q["t_enqueue"], q["t_start"].fillna(np.inf), periods.edges) \
            if len(q) else np.zeros(len(periods))
        frames.append(pd.DataFrame({
            "period": np.arange(len(periods)), "date": list(periods.starts), "stage": stage.name,
            "wip": wip / lengths, "queued": queued / lengths,
        }))
    return pd.concat(frames, ignore_index=True)


# -- utilisation per period -----------------------------------------------------------------


def utilisation_by_person(visits: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario,
                          periods: Periods) -> pd.DataFrame:
    """Busy and available working hours of each person in each period.

    Args:
        visits: :func:`metrics.measure.step_visits` of the event log.
        staff: One row per person with ``staff_id`` and ``role`` (``people.csv`` will do).
        scenario: The scenario as run (the role calendars).
        periods: :func:`day_periods` or :func:`week_periods`.

    Returns:
        Long table: ``period``, ``date``, ``staff_id``, ``role``, ``busy_hours``,
        ``available_hours``, ``utilization`` (NaN where the person had no working hours).
        People in the order of ``staff``.
    """
    horizon = float(periods.edges[-1])
    worked = visits[visits["t_start"].notna()] if len(visits) else visits
    frames = []
    for role in scenario.roles:
        clock = scenario.work_calendar(role.name).work_clock
        edge_clock = clock(periods.edges)
        available = np.diff(edge_clock)
        w = worked[worked["role"] == role.name] if len(worked) else worked
        begins = clock(np.minimum(w["t_start"].to_numpy(dtype=np.float64), horizon)) \
            if len(w) else np.zeros(0)
        ends = clock(np.minimum(w["t_finish"].fillna(horizon).to_numpy(dtype=np.float64),
                                horizon)) if len(w) else np.zeros(0)
        who = w["staff_id"].astype(str).to_numpy() if len(w) else np.zeros(0, dtype=object)
        for staff_id in staff.loc[staff["role"] == role.name, "staff_id"].astype(str):
            mine = who == staff_id
            busy = coverage(begins[mine], ends[mine], edge_clock)
            frames.append(pd.DataFrame({
                "period": np.arange(len(periods)), "date": list(periods.starts),
                "staff_id": staff_id, "role": role.name, "busy_hours": busy,
                "available_hours": available,
                "utilization": np.where(available > 0, busy / np.where(available > 0,
                                                                        available, 1.0),
                                        np.nan),
            }))
    if not frames:
        return pd.DataFrame(columns=["period", "date", "staff_id", "role", "busy_hours",
                                     "available_hours", "utilization"])
    return pd.concat(frames, ignore_index=True)


def utilisation_by_role(by_person: pd.DataFrame) -> pd.DataFrame:
    """Per role and period: summed busy and available hours of its people, and their ratio.

    Args:
        by_person: The table of :func:`utilisation_by_person`.
    """
    grouped = by_person.groupby(["period", "date", "role"], sort=False, as_index=False)
    table = grouped[["busy_hours", "available_hours"]].sum()
    available = table["available_hours"].to_numpy(dtype=np.float64)
    busy = table["busy_hours"].to_numpy(dtype=np.float64)
    table["utilization"] = np.where(available > 0, busy / np.where(available > 0, available, 1),
                                    np.nan)
    return table.sort_values(["period"], kind="stable").reset_index(drop=True)


# -- money over time -------------------------------------------------------------------------




def revenue_by_day(events: pd.DataFrame, scenario: Scenario,
                   periods: Periods | None = None) -> pd.DataFrame:
    """Revenue per day (first deals and repeat orders), cumulative over the run and over each
    calendar month.

    ``won`` counts deals on the day they are won; revenue counts on the day it is recognised
    (:func:`metrics.money.recognised`: at shipment by default), as in ``summary.json``'s
    ``revenue``; ``orders`` counts repeat orders on that day too.

    Args:
        events: The event log (one replication).
        scenario: The scenario as run.
        periods: Days to report (default :func:`day_periods` of the whole run); sales outside
            them are left out.

    Returns:
        ``period``, ``date``, ``won``, ``orders``, ``revenue_first``, ``revenue_repeat``,
        ``revenue``, ``cum_won``, ``cum_revenue``, ``month_to_date_revenue`` (cumulative since
        the first of that calendar month).
    """
    periods = periods or day_periods(scenario)
    n = len(periods)
    table = pd.DataFrame({"period": np.arange(n), "date": list(periods.starts)})
    sold, revenue = booked(events), recognised(events, scenario)
    for table_of, first, count, money in ((sold, True, "won", None),
                                          (revenue, True, None, "revenue_first"),
                                          (revenue, False, "orders", "revenue_repeat")):
        rows = table_of[(table_of["kind"] == "first") == first]
        index = periods.index_of(rows["time"].to_numpy(dtype=np.float64))
        keep = (index >= 0) & (index < n)
        if count is not None:
            table[count] = np.bincount(index[keep], minlength=n)[:n].astype(np.int64)
        if money is not None:
            table[money] = np.bincount(index[keep], minlength=n, weights=rows["amount"].to_numpy(
                dtype=np.float64)[keep])[:n]
    table["revenue"] = table["revenue_first"] + table["revenue_repeat"]
    table["cum_won"] = table["won"].cumsum()
    table["cum_revenue"] = table["revenue"].cumsum()
    month = np.array([d.year * 12 + d.month for d in periods.starts], dtype=np.int64)
    table["month_to_date_revenue"] = table["revenue"].groupby(month).cumsum()
    return table


# -- where the time goes ---------------------------------------------------------------------


def time_split_by_stage(events: pd.DataFrame, visits: pd.DataFrame,
                        scenario: Scenario) -> pd.DataFrame:
    """Mean calendar days a lead spends in each stage waiting for staff, worked on, and with
    the client, over the leads (and repeat orders) of the measured window that left the stage.

    The three parts add up to the mean cycle time of the stage (``stages.csv``'s
    ``cycle_days_mean`` of the same replication): waiting is joining a queue → start of work,
    working is start → finish (calendar time, nights included when work spans them), client
    time is the rest of each step up to its decision.

    Returns:
        ``stage``, ``leads`` (stage visits counted), ``queue_days``, ``work_days``,
        ``client_days``, ``cycle_days``; stages in the scenario's order.
    """
    # the stage visits metrics.measure counts: those that entered the stage in the window
    v = visits
    rows = []
    done_stages = stage_visits(v, scenario) if len(v) else None
    if done_stages is not None:
        done_stages = done_stages[done_stages["t_enter"] >= scenario.warmup_days]
    for stage in scenario.stages:
        row = {"stage": stage.name, "leads": 0, "queue_days": math.nan, "work_days": math.nan,
               "client_days": math.nan, "cycle_days": math.nan}
        if done_stages is not None:
            done = done_stages[(done_stages["stage"] == stage.name) & done_stages["done"]]
            s = v[(v["stage"] == stage.name) & v["lead_id"].isin(done["lead_id"])]
            if len(done):
                queue = (s["t_start"] - s["t_enqueue"]).fillna(0.0)
                work = (s["t_finish"] - s["t_start"]).fillna(0.0)
                after = s["t_finish"].fillna(s["t_enter"])
                client = (s["t_decided"] - after).fillna(0.0).clip(lower=0.0)
                n = len(done)
                row.update({
                    "leads": n,
                    "queue_days": float(queue.sum()) / n,
                    "work_days": float(work.sum()) / n,
                    "client_days": float(client.sum()) / n,
                    "cycle_days": float((done["t_exit"] - done["t_enter"]).sum()) / n,
                })
        rows.append(row)
    return pd.DataFrame(rows)
