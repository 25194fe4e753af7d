"""Lead flow through the pipeline: step and stage visits, the funnel, waits and cycle times.

Pure functions of the event log (conventions in :mod:`metrics.measure`): per visit the moments
of its events; per step and stage the leads that entered, converted and were lost, their waits
and cycle times, the time-average work in progress (Little's law holds on these figures), SLA
breaches and losses.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.engine.events import FLOW_EVENTS
from salesim.simulator.scenario.reasons import COOLED
from salesim.simulator.scenario.schema import Scenario

__all__ = ["lead_table", "loss_table", "red_warnings", "stage_table", "stage_visits",
           "step_table", "step_visits"]

# -- visits: one row per (lead, stage, step) -------------------------------------------------------


def step_visits(events: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """One row per lead and step it reached, with the moments of each event of that visit.

    Columns: lead_id, stage, step, channel, segment, role, staff_id, t_enter, t_enqueue, t_start,
    t_finish, t_decided, outcome ('convert', 'lose' or '' while in progress), reason, work_hours,
    wait_days (queue wait, censored at the horizon), done (decided before the horizon),
    sla_breach (queue + work took longer than the step's SLA, or has by the horizon).
    """
    horizon = scenario.horizon_days
    ev = events[events["event"].isin(FLOW_EVENTS)]
    keys = ["lead_id", "stage", "step"]
    grouped = ev.groupby(keys, observed=True, sort=False)
    visits = grouped.agg(t_enter=("time", "min"), channel=("channel", "first"),
                         segment=("segment", "first"))
    for kind, column in (("enqueue", "t_enqueue"), ("start", "t_start"), ("finish", "t_finish")):
        rows = ev[ev["event"] == kind].set_index(keys)
        visits[column] = rows["time"]
        if kind == "start":
            visits["staff_id"] = rows["staff_id"].astype(str)
            visits["role"] = rows["role"].astype(str)
        if kind == "finish":
            visits["work_hours"] = rows["work_hours"]
    decided = ev[ev["event"].isin(["convert", "lose"])].set_index(keys)
    visits["t_decided"] = decided["time"]
    visits["outcome"] = decided["event"].astype(str)
    visits["reason"] = decided["reason"].astype(str)
    enq_role = ev[ev["event"] == "enqueue"].set_index(keys)["role"].astype(str)
    visits["role"] = visits["role"].fillna(enq_role)
    visits = visits.reset_index()
    visits["stage"] = visits["stage"].astype(str)
    visits["step"] = visits["step"].astype(str)
    for col, default in (("outcome", ""), ("reason", ""), ("staff_id", ""), ("role", ""),
                         ("work_hours", 0.0)):
        visits[col] = visits[col].fillna(default)
    visits["done"] = visits["outcome"] != ""
    queued_until = visits["t_start"].fillna(horizon)
    visits["wait_days"] = np.where(visits["t_enqueue"].notna(),
                                   queued_until - visits["t_enqueue"], 0.0)
    visits["sla_breach"] = _sla_breaches(visits, scenario, horizon)
    visits["wait_work_hours"] = 0.0
    for role in scenario.roles:
        at = (visits["role"] == role.name) & visits["t_enqueue"].notna()
        if at.any():
            clock = scenario.work_calendar(role.name).work_clock
            visits.loc[at, "wait_work_hours"] = (
                clock(queued_until[at].to_numpy(dtype=np.float64))
                - clock(visits.loc[at, "t_enqueue"].to_numpy(dtype=np.float64)))
    return visits


def lead_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per lead: arrival, channel, segment, amount, won time, lost."""
    arrive = events[events["event"] == "arrive"].set_index("lead_id")
    leads = pd.DataFrame({
        "t_arrive": arrive["time"],
        "channel": arrive["channel"].astype(str),
        "segment": arrive["segment"].astype(str),
        "amount": arrive["amount"],
    })
    leads["t_won"] = events[events["event"] == "win"].set_index("lead_id")["time"]
    lose = events[events["event"] == "lose"].set_index("lead_id")
    leads["t_lost"] = lose["time"]
    leads["lost_reason"] = lose["reason"].astype(str)
    return leads


# -- tables -----------------------------------------------------------------------------------


def _quantiles(values: pd.Series) -> tuple[float, float, float]:
    if values.empty:
        return (math.nan, math.nan, math.nan)
    arr = values.to_numpy(dtype=np.float64)
    return (float(arr.mean()), float(np.median(arr)), float(np.quantile(arr, 0.9)))


def _sla_breaches(visits: pd.DataFrame, scenario: Scenario, horizon: float) -> pd.Series:
    """Per visit: did the staff part (queue + work) take longer than the step's SLA?"""
    sla = {(st.name, sp.name): sp.sla_days for st in scenario.stages for sp in st.steps}
    limit = _per_row(visits, ["stage", "step"], lambda key: sla.get(key) or np.inf)
    began = visits["t_enqueue"].fillna(visits["t_enter"])
    with_staff = visits["t_start"].notna() | visits["t_enqueue"].notna()
    unfinished_until = np.where(with_staff, horizon, visits["t_enter"])
    ended = visits["t_finish"].where(visits["t_finish"].notna(), unfinished_until)
    return pd.Series((ended - began).to_numpy() > limit, index=visits.index)


def _per_row(frame: pd.DataFrame, columns: list[str], value_of: Any) -> np.ndarray[Any, Any]:
    """``value_of((value, ...))`` of each row's ``columns`` (as strings), computed once per
    distinct combination."""
    grouped = frame.groupby(columns, sort=False, observed=True)
    keys = grouped.size().index  # in the order of ngroup's numbers (sort=False)
    values = np.array([value_of(tuple(str(part) for part in key)) for key in keys])
    return values[grouped.ngroup().to_numpy()] if len(values) else np.zeros(len(frame))


def step_table(visits: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per stage and step: entered, converted, lost, conversion, waits, cycle times, SLA."""
    rows = []
    for stage in scenario.stages:
        for step in stage.steps:
            v = visits[(visits["stage"] == stage.name) & (visits["step"] == step.name)]
            rows.append(_flow_row(v, {"stage": stage.name, "step": step.name,
                                      "role": step.role or ""},
                                  v["wait_days"][v["t_start"].notna()],
                                  (v["t_decided"] - v["t_enter"])[v["done"]],
                                  int(v["sla_breach"].sum())))
    return pd.DataFrame(rows)


def _flow_row(v: pd.DataFrame, head: dict[str, Any], waits: pd.Series, cycles: pd.Series,
              sla_breaches: int) -> dict[str, Any]:
    converted = int((v["outcome"] == "convert").sum())
    lost = int((v["outcome"] == "lose").sum())
    wait = _quantiles(waits)
    cycle = _quantiles(cycles)
    return {
        **head,
        "entered": len(v),
        "converted": converted,
        "lost": lost,
        "lost_cooled": int(((v["outcome"] == "lose") & (v["reason"] == COOLED)).sum()),
        "in_progress": len(v) - converted - lost,
        "conversion": converted / (converted + lost) if converted + lost else math.nan,
        "wait_days_mean": wait[0], "wait_days_median": wait[1], "wait_days_p90": wait[2],
        "cycle_days_mean": cycle[0], "cycle_days_median": cycle[1], "cycle_days_p90": cycle[2],
        "sla_breaches": sla_breaches,
    }


def stage_visits(visits: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """One row per lead and stage: entry, exit, outcome of the stage, queue wait in it."""
    visits = visits[visits["stage"].isin([st.name for st in scenario.stages])]
    visits = visits.assign(is_convert=visits["outcome"] == "convert",
                           is_lose=visits["outcome"] == "lose",
                           is_cooled=(visits["outcome"] == "lose") & (visits["reason"] == COOLED))
    g = visits.groupby(["lead_id", "stage"], sort=False)
    stages = g.agg(segment=("segment", "first"), channel=("channel", "first"),
                   t_enter=("t_enter", "min"),
                   t_last=("t_decided", "max"), n_convert=("is_convert", "sum"),
                   lost=("is_lose", "any"), cooled=("is_cooled", "any"),
                   wait_days=("wait_days", "sum"), sla_breaches=("sla_breach", "sum")).reset_index()
    applicable = {(st.name, seg, ch.name): sum(scenario.step_applies(sp, seg, ch.name)
                                               for sp in st.steps)
                  for st in scenario.stages for seg in scenario.segments
                  for ch in scenario.channels}
    need = _per_row(stages, ["stage", "segment", "channel"], applicable.__getitem__)
    stages["converted"] = stages["n_convert"].to_numpy() >= need
    stages["done"] = stages["converted"] | stages["lost"]
    stages["t_exit"] = stages["t_last"].where(stages["done"], np.inf)
    return stages


def stage_table(stage_rows: pd.DataFrame, present: pd.DataFrame, scenario: Scenario,
                window: tuple[float, float]) -> pd.DataFrame:
    """Per stage: entered, converted, lost, conversion, waits, cycle times, WIP, SLA breaches.

    ``stage_rows`` are the counted leads' stage visits; ``present`` all stage visits, for the
    time-average work in progress over the window (leads that arrived during a warm-up are
    still in the department after it).
    """
    start, end = window
    span = end - start
    rows = []
    for stage in scenario.stages:
        s = stage_rows[stage_rows["stage"] == stage.name]
        done = s[s["done"]]
        converted, lost = int(s["converted"].sum()), int(s["lost"].sum())
        wait = _quantiles(done["wait_days"])
        cycle = _quantiles(done["t_exit"] - done["t_enter"])
        p = present[present["stage"] == stage.name]
        inside = (p["t_exit"].clip(upper=end) - p["t_enter"].clip(lower=start)).clip(lower=0)
        cycle_total = float((done["t_exit"] - done["t_enter"]).sum())
        rows.append({
            "stage": stage.name,
            "entered": len(s),
            "converted": converted,
            "lost": lost,
            "lost_cooled": int(s["cooled"].sum()),
            "in_progress": len(s) - converted - lost,
            "conversion": converted / (converted + lost) if converted + lost else math.nan,
            "wait_days_mean": wait[0], "wait_days_median": wait[1], "wait_days_p90": wait[2],
            "cycle_days_mean": cycle[0], "cycle_days_median": cycle[1], "cycle_days_p90": cycle[2],
            "wait_share": float(done["wait_days"].sum()) / cycle_total if cycle_total > 0 else 0.0,
            "wip_mean": float(inside.sum()) / span if span > 0 else math.nan,
            "sla_breaches": int(s["sla_breaches"].sum()),
        })
    return pd.DataFrame(rows)



def red_warnings(visits: pd.DataFrame) -> pd.DataFrame:
    """SLA breaches ("red warnings") per stage, step and person (empty: nobody took it yet)."""
    late = visits[visits["sla_breach"]]
    table = late.groupby(["stage", "step", "staff_id"], sort=False).agg(
        breaches=("lead_id", "size"), worst_days=("wait_days", "max"))
    return table.reset_index()


def loss_table(visits: pd.DataFrame) -> pd.DataFrame:
    """Leads lost per stage, step and reason."""
    lost = visits[visits["outcome"] == "lose"]
    table = lost.groupby(["stage", "step", "reason"], sort=False).size().rename("lost")
    return table.reset_index()
