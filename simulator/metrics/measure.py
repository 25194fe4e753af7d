"""Pure metrics: an event log (DataFrame) and its scenario → KPI tables and the bottleneck verdict.

Nothing here runs the model or reads files. Conventions (see ``docs/model.md``):

* Lead statistics count the leads that arrived in the measured window ``[warmup, horizon)``;
  stage and step statistics count the visits that entered the stage or step in the window.
* Time averages (WIP, queue length, utilisation) integrate over the window ``[warmup, horizon]``.
* ``conversion`` is converted ÷ decided (converted + lost): leads still in a step at the horizon
  have not been decided and do not count against it.
* Waiting and cycle times are over the visits that ended (a lead still queued at the horizon has
  no waiting time yet); ``in_progress`` counts the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.engine.events import FLOW_EVENTS
from salesim.simulator.metrics.clients import cash_table, clients_table, first_cash, invoices
from salesim.simulator.metrics.money import (
    activity_table,
    booked,
    in_window,
    payroll,
    pnl,
    recognised,
    weekly_ranking,
)
from salesim.simulator.metrics.stability import STABLE, Stability, assess
from salesim.simulator.metrics.verdict import bottleneck_text
from salesim.simulator.plans.planfact import Attainment, plan_attainment
from salesim.simulator.scenario.months import month_labels
from salesim.simulator.scenario.reasons import COOLED
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import HIGH_UTILIZATION

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


def _lead_table(events: pd.DataFrame) -> pd.DataFrame:
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
    limit = np.array([sla.get(k) or np.inf for k in zip(visits["stage"], visits["step"],
                                                        strict=True)], dtype=np.float64)
    began = visits["t_enqueue"].fillna(visits["t_enter"])
    with_staff = visits["t_start"].notna() | visits["t_enqueue"].notna()
    unfinished_until = np.where(with_staff, horizon, visits["t_enter"])
    ended = visits["t_finish"].where(visits["t_finish"].notna(), unfinished_until)
    return pd.Series((ended - began).to_numpy() > limit, index=visits.index)


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
    need = np.array([applicable[k] for k in zip(stages["stage"], stages["segment"].astype(str),
                                                stages["channel"].astype(str), strict=True)])
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


def role_tables(visits: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario,
                window: tuple[float, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per role and per person: busy and available working hours, utilisation, queue length."""
    start, end = window
    span = end - start
    worked = visits[visits["t_start"].notna()]
    people_rows = []
    role_rows = []
    for role in scenario.roles:
        cal = scenario.work_calendar(role.name)
        w = worked[worked["role"] == role.name]
        finish = w["t_finish"].fillna(end).to_numpy(dtype=np.float64)
        began = w["t_start"].to_numpy(dtype=np.float64)
        busy = (cal.work_clock(np.clip(finish, start, end))
                - cal.work_clock(np.clip(began, start, end)))
        busy_by_person = pd.Series(busy, index=w["staff_id"].to_numpy()).groupby(level=0).sum()
        tasks_by_person = w.groupby("staff_id").size()
        members = staff[staff["role"] == role.name]
        present_from = np.clip(members["hired_at"].to_numpy(dtype=np.float64), start, end)
        present_to = np.clip(members["left_at"].fillna(end).to_numpy(dtype=np.float64),
                             start, end)
        available_each = cal.work_clock(present_to) - cal.work_clock(present_from)
        role_available = float(available_each.sum())
        for k, (staff_id, speed, hired_at, left_at) in enumerate(zip(
                members["staff_id"], members["speed"], members["hired_at"], members["left_at"],
                strict=True)):
            hours = float(busy_by_person.get(staff_id, 0.0))
            available = float(available_each[k])
            people_rows.append({
                "staff_id": staff_id, "role": role.name, "speed": float(speed),
                "hired_at": float(hired_at), "left_at": float(left_at),
                "tasks": int(tasks_by_person.get(staff_id, 0)),
                "busy_hours": hours, "available_hours": available,
                "utilization": hours / available if available > 0 else math.nan,
            })
        queued = visits[(visits["role"] == role.name) & visits["t_enqueue"].notna()]
        q_end = queued["t_start"].fillna(end).clip(upper=end)
        q_start = queued["t_enqueue"].clip(lower=start)
        queue_days = float((q_end - q_start).clip(lower=0).sum())
        total_available = role_available
        role_rows.append({
            "role": role.name, "headcount": role.headcount,
            "busy_hours": float(busy.sum()), "available_hours": total_available,
            "utilization": float(busy.sum()) / total_available if total_available > 0 else math.nan,
            "queue_mean": queue_days / span if span > 0 else math.nan,
            "salary_per_month": role.salary_per_month,
        })
    return pd.DataFrame(role_rows), pd.DataFrame(people_rows)


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


def channel_table(leads: pd.DataFrame, revenue: pd.DataFrame, scenario: Scenario
                  ) -> pd.DataFrame:
    """End-to-end analytics per channel: leads, lead cost, won deals, revenue (first deals and
    the clients' later orders, as recognised in the window), gross margin, cost per won deal,
    conversion, revenue per rouble of lead cost, and return on spend: (gross margin − lead cost)
    ÷ lead cost."""
    rows = []
    margins = np.array([scenario.margin_for(seg) for seg in revenue["segment"]],
                       dtype=np.float64)
    for channel in scenario.channels:
        c = leads[leads["channel"] == channel.name]
        won = c["t_won"].notna()
        cost = len(c) * channel.cost_per_lead
        theirs = (revenue["channel"] == channel.name).to_numpy()
        amounts = revenue["amount"].to_numpy(dtype=np.float64)[theirs]
        repeat = float(amounts[(revenue["kind"] != "first").to_numpy()[theirs]].sum())
        total = float(amounts.sum())
        margin = float((amounts * margins[theirs]).sum())
        n_won = int(won.sum())
        rows.append({
            "channel": channel.name, "leads": len(c), "cost": cost, "won": n_won,
            "revenue": total, "revenue_repeat": repeat, "gross_margin": margin,
            "cost_per_won": cost / n_won if n_won else math.nan,
            "conversion": n_won / len(c) if len(c) else math.nan,
            "revenue_per_cost": total / cost if cost else math.nan,
            "return_on_spend": (margin - cost) / cost if cost else math.nan,
        })
    return pd.DataFrame(rows)


def monthly_revenue(sold: pd.DataFrame, revenue: pd.DataFrame, scenario: Scenario
                    ) -> pd.DataFrame:
    """By calendar month: deals won and bookings (contracted value, when won or ordered), and
    revenue (when recognised: first deals and the client base's orders)."""
    def by_month(table: pd.DataFrame) -> pd.DataFrame:
        first = table["kind"] == "first"
        return pd.DataFrame({"month": month_labels(table["time"], scenario).to_numpy(),
                             "n_first": first.to_numpy().astype(int),
                             "n_repeat": (~first).to_numpy().astype(int),
                             "first": np.where(first, table["amount"], 0.0),
                             "repeat": np.where(first, 0.0, table["amount"])}
                            ).groupby("month").sum()

    books, rev = by_month(sold), by_month(revenue)
    table = pd.DataFrame({"won": books["n_first"], "bookings": books["first"] + books["repeat"]}
                         ).join(pd.DataFrame({"revenue_first": rev["first"],
                                              "orders": rev["n_repeat"],
                                              "revenue_repeat": rev["repeat"]}), how="outer")
    table = table.fillna(0)
    table["won"] = table["won"].astype(int)
    table["orders"] = table["orders"].astype(int)
    table["revenue"] = table["revenue_first"] + table["revenue_repeat"]
    table.index.name = "month"
    return table.reset_index()[["month", "won", "bookings", "revenue_first", "orders",
                                "revenue_repeat", "revenue"]]


def overall(leads: pd.DataFrame, sold: pd.DataFrame, revenue: pd.DataFrame,
            cash_at: pd.Series) -> dict[str, Any]:
    """Lead accounting and headline figures; generated = won + lost + in progress exactly.

    Leads are those that arrived in the window. ``bookings`` is the value of the sales booked
    in the window (deals won, orders placed), ``revenue`` what was recognised in it (at
    shipment by default: :func:`metrics.money.recognised`), ``backlog_end`` what was booked
    but not yet recognised at the horizon. ``lead_to_deal_days_median`` is arrival → win;
    ``lead_to_cash_days_median`` arrival → the money received for the first deal.
    """
    won = leads["t_won"].notna()
    lost = leads["t_lost"].notna() & ~won
    n = len(leads)
    first = revenue["kind"] == "first"
    to_deal = (leads["t_won"] - leads["t_arrive"])[won]
    to_cash = (leads.index.to_series().map(cash_at) - leads["t_arrive"])[won].dropna()
    first_booked = float(sold.loc[sold["kind"] == "first", "amount"].sum())
    n_booked = int((sold["kind"] == "first").sum())
    return {
        "generated": n,
        "won": int(won.sum()),
        "lost": int(lost.sum()),
        "in_progress": int(n - won.sum() - lost.sum()),
        "bookings": float(sold["amount"].sum()),
        "revenue": float(revenue["amount"].sum()),
        "revenue_first": float(revenue.loc[first, "amount"].sum()),
        "revenue_repeat": float(revenue.loc[~first, "amount"].sum()),
        "average_deal": first_booked / n_booked if n_booked else math.nan,
        "lead_to_deal": int(won.sum()) / n if n else math.nan,
        "lead_to_deal_days_median": float(to_deal.median()) if won.any() else math.nan,
        "lead_to_cash_days_median": float(to_cash.median()) if len(to_cash) else math.nan,
    }


# -- bottleneck ---------------------------------------------------------------------------------

# A stage is only called a capacity bottleneck when leads wait there in earnest: on average at
# least two working hours for staff, or its staff are busy 85% of their time.
MIN_WAIT_WORK_HOURS = 2.0


def _queued_work_hours(visits: pd.DataFrame, scenario: Scenario, window: tuple[float, float]
                       ) -> float:
    """Working hours (of the role waited for) that leads spent queued inside the window."""
    start, end = window
    total = 0.0
    queued = visits[visits["t_enqueue"].notna()]
    for role, q in queued.groupby("role"):
        clock = scenario.work_calendar(str(role)).work_clock
        began = q["t_enqueue"].clip(lower=start, upper=end).to_numpy(dtype=np.float64)
        ended = q["t_start"].fillna(end).clip(lower=start, upper=end).to_numpy(dtype=np.float64)
        total += float((clock(ended) - clock(began)).sum())
    return total


def queue_samples(visits: pd.DataFrame, stage: str, window: tuple[float, float]
                  ) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The number of leads queued for staff in a stage at each whole day of the window."""
    start, end = window
    v = visits[(visits["stage"] == stage) & visits["t_enqueue"].notna()]
    days = np.arange(math.ceil(start), math.floor(end) + 1, dtype=np.float64)
    if v.empty:
        return np.zeros(len(days))
    enq = np.sort(v["t_enqueue"].to_numpy(dtype=np.float64))
    sta = np.sort(v["t_start"].dropna().to_numpy(dtype=np.float64))
    queued = np.searchsorted(enq, days, side="right") - np.searchsorted(sta, days, side="right")
    return queued.astype(np.float64)


def queue_trend(visits: pd.DataFrame, stage: str, window: tuple[float, float]) -> float:
    """Slope of the number of leads queued in a stage, sampled daily, in leads per 30 days."""
    queued = queue_samples(visits, stage, window)
    if len(queued) < 3:
        return 0.0
    slope = np.polyfit(np.arange(len(queued), dtype=np.float64), queued, 1)[0]
    return float(slope * 30)


def queue_late(visits: pd.DataFrame, stage: str, window: tuple[float, float]
               ) -> tuple[float, float]:
    """Mean queue over the last quarter of the window, and over the three quarters before."""
    queued = queue_samples(visits, stage, window)
    if len(queued) < 8:
        return 0.0, 0.0
    cut = len(queued) * 3 // 4
    return float(queued[cut:].mean()), float(queued[:cut].mean())


# A queue is "building up" when its last quarter's mean is at least this many leads and twice
# (at least) its mean before: a stage to watch even when it is not the bottleneck yet.
WATCH_MIN_QUEUE = 5.0


def bottleneck(stages: pd.DataFrame, roles: pd.DataFrame, visits: pd.DataFrame,
               scenario: Scenario, window: tuple[float, float]) -> dict[str, Any]:
    """The constraining stage and role, with the evidence. Method: ``docs/model.md``.

    Capacity: the staffed stage where most lead-days are spent queuing for staff (the time-average
    number of leads waiting there), if leads there wait at least ``MIN_WAIT_DAYS`` on average or
    its role is busy ``HIGH_UTILIZATION`` of the time. Otherwise nothing queues in earnest and the
    department is limited by its lead flow and conversion: the verdict names the stage that loses
    the largest share of the leads entering it.
    """
    util = dict(zip(roles["role"], roles["utilization"], strict=True)) if len(roles) else {}
    evidence_rows = []
    for stage in scenario.stages:
        v = visits[visits["stage"] == stage.name]
        hours = v.groupby("role")["work_hours"].sum()
        hours = hours[hours.index != ""]
        role = str(hours.idxmax()) if len(hours) else next(
            (sp.role for sp in stage.steps if sp.role), None)
        if role is None:
            continue
        queued_hours = _queued_work_hours(v, scenario, window)
        started = v[v["t_start"].notna() & v["t_enqueue"].notna()]
        row = stages[stages["stage"] == stage.name].iloc[0].to_dict()
        evidence_rows.append({
            "stage": stage.name, "role": role,
            "utilization": float(util.get(role, math.nan)),
            "queued_work_hours": queued_hours,
            "queue_mean": float(roles.loc[roles["role"] == role, "queue_mean"].iloc[0]),
            "wait_days_mean": float(row["wait_days_mean"]) if not math.isnan(
                row["wait_days_mean"]) else 0.0,
            "wait_work_hours_mean": float(started["wait_work_hours"].mean())
            if len(started) else 0.0,
            "wait_share": float(row["wait_share"]),
            "lost_cooled": int(row["lost_cooled"]),
            "queue_trend_per_30d": queue_trend(visits, stage.name, window),
            "queue_last_quarter": queue_late(visits, stage.name, window)[0],
            "queue_before": queue_late(visits, stage.name, window)[1],
        })
    leak = biggest_leak(stages, scenario)
    if not evidence_rows:
        empty: dict[str, Any] = {"stage": None, "role": None, "kind": "none", "evidence": {},
                                 "ranking": [], "leak": leak}
        return {**empty, "verdict": bottleneck_text(empty, scenario)}
    ev = pd.DataFrame(evidence_rows)
    ranked = ev.sort_values(["queued_work_hours", "utilization"], ascending=False)
    top = ranked.iloc[0]
    # every staffed stage in the screen's order: the candidates a relief test may confirm
    ranking = [{"stage": str(r["stage"]), "role": str(r["role"]),
                "queued_work_hours": float(r["queued_work_hours"]),
                "utilization": float(r["utilization"])} for _, r in ranked.iterrows()]
    building = ev[(ev["stage"] != top["stage"]) & (ev["queue_last_quarter"] >= WATCH_MIN_QUEUE)
                  & (ev["queue_last_quarter"] >= 2 * ev["queue_before"])]
    watch = [{"stage": str(r["stage"]), "role": str(r["role"]),
              "queue_last_quarter": float(r["queue_last_quarter"]),
              "queue_before": float(r["queue_before"])} for _, r in building.iterrows()]
    if top["wait_work_hours_mean"] >= MIN_WAIT_WORK_HOURS \
            or top["utilization"] >= HIGH_UTILIZATION:
        evidence = {k: _plain(top[k]) for k in ev.columns if k not in ("stage", "role")}
        found = {"stage": top["stage"], "role": top["role"], "kind": "capacity",
                 "evidence": evidence, "watch": watch, "ranking": ranking, "leak": leak}
        return {**found, "verdict": bottleneck_text(found, scenario)}
    worst = leak or {"stage": None, "role": None, "conversion": math.nan, "lost": 0}
    role = worst["role"]
    best = ev.sort_values("utilization", ascending=False).iloc[0]
    evidence = {"conversion": float(worst["conversion"]),
                "lost": int(worst["lost"]),
                "max_utilization": float(best["utilization"]),
                "max_utilization_role": str(best["role"]),
                "wait_work_hours_mean": float(top["wait_work_hours_mean"])}
    found = {"stage": worst["stage"], "role": role, "kind": "conversion",
             "evidence": evidence, "watch": watch, "ranking": ranking, "leak": leak}
    return {**found, "verdict": bottleneck_text(found, scenario)}


def biggest_leak(stages: pd.DataFrame, scenario: Scenario) -> dict[str, Any] | None:
    """The stage that loses the largest share of the leads it decides (None: none decided).

    ``{stage, role, conversion, lost}``; ``role`` is the first role working in the stage.
    """
    decided = stages[(stages["converted"] + stages["lost"]) > 0]
    if decided.empty:
        return None
    worst = decided.assign(loss=1 - decided["conversion"]).sort_values("loss",
                                                                       ascending=False).iloc[0]
    role = next((sp.role for st in scenario.stages if st.name == worst["stage"]
                 for sp in st.steps if sp.role), None)
    return {"stage": str(worst["stage"]), "role": role,
            "conversion": float(worst["conversion"]), "lost": int(worst["lost"])}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# -- stability ----------------------------------------------------------------------------------


def stability(visits: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario,
              window: tuple[float, float]) -> Stability:
    """Whether any queue grows without bound (method: ``metrics.stability``, ``docs/model.md``).

    ``visits`` are all step visits, warm-up included; utilisation is taken over the window's
    second half and last quarter, where an overloaded role is busy all its working hours.
    """
    start, end = window

    def utilization(since: float) -> dict[str, float]:
        table, _ = role_tables(visits, staff, scenario, (start + (end - start) * since, end))
        return dict(zip(table["role"], table["utilization"], strict=True)) if len(table) else {}

    return assess(visits, utilization(1 / 2), utilization(3 / 4),
                  [st.name for st in scenario.stages], window)


def with_stability_warning(verdict: dict[str, Any], stable: Stability) -> dict[str, Any]:
    """The bottleneck verdict with the stability warning appended as its own sentence, when a
    queue grows without bound ("Hunters cannot keep up: …"); unchanged otherwise."""
    warning = stable.warning()
    if not warning:
        return verdict
    return {**verdict, "verdict": f"{verdict['verdict']} {warning}"}


# -- everything for one run ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunMetrics:
    """All tables of one run."""

    overall: dict[str, Any]
    stages: pd.DataFrame
    steps: pd.DataFrame
    losses: pd.DataFrame
    roles: pd.DataFrame
    people: pd.DataFrame
    channels: pd.DataFrame
    monthly: pd.DataFrame
    bottleneck: dict[str, Any]
    pnl: pd.DataFrame
    payroll: pd.DataFrame
    cash: pd.DataFrame
    clients: pd.DataFrame
    activity: pd.DataFrame
    ranking: pd.DataFrame
    warnings: pd.DataFrame
    window: tuple[float, float] = field(default=(0.0, 0.0))
    attainment: Attainment | None = None  # against the scenario's plan, if it has one
    stability: Stability = STABLE

    def money(self) -> dict[str, float]:
        """Totals of the P&L over the run: revenue, costs, profit."""
        totals = {c: float(self.pnl[c].sum()) for c in self.pnl.columns if c != "month"}
        totals["payroll"] = totals["payroll_fixed"] + totals["payroll_variable"]
        return totals


def measure(events: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario) -> RunMetrics:
    """Every table of one run, over the window ``[warmup_days, horizon_days]``."""
    window = (scenario.warmup_days, scenario.horizon_days)
    pay = payroll(events, staff, scenario)
    leads = _lead_table(events)
    counted = leads[leads["t_arrive"] >= window[0]]
    sold = in_window(booked(events), scenario)
    revenue = in_window(recognised(events, scenario), scenario)
    invoiced = invoices(events)
    # a stage's (and step's) flow counts the visits that entered it in the window, leads and
    # repeat orders alike, so that Little's law holds on its figures with a warm-up too
    all_visits = step_visits(events, scenario)
    all_stage_rows = stage_visits(all_visits, scenario)
    visits = all_visits[all_visits["t_enter"] >= window[0]]
    stage_rows = all_stage_rows[all_stage_rows["t_enter"] >= window[0]]
    stages = stage_table(stage_rows, all_stage_rows, scenario, window)
    # time averages (utilisation, queues) cover every lead present in the window
    roles, people = role_tables(all_visits, staff, scenario, window)
    stable = stability(all_visits, staff, scenario, window)
    return RunMetrics(
        overall=overall(counted, sold, revenue, first_cash(invoiced, scenario)),
        stages=stages,
        steps=step_table(visits, scenario),
        losses=loss_table(visits),
        roles=roles,
        people=people,
        channels=channel_table(counted, revenue, scenario),
        monthly=monthly_revenue(sold, revenue, scenario),
        cash=cash_table(events, scenario),
        clients=clients_table(events, scenario),
        activity=activity_table(events),
        ranking=weekly_ranking(events, scenario),
        warnings=red_warnings(visits),
        bottleneck=with_stability_warning(
            bottleneck(stages, roles, all_visits, scenario, window), stable),
        pnl=pnl(events, staff, scenario, pay),
        payroll=pay,
        window=window,
        attainment=plan_attainment(events, scenario) if scenario.plan is not None else None,
        stability=stable,
    )
