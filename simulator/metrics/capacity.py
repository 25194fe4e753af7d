"""Capacity: busy and available working hours per role and person, utilisation and queues.

Time averages integrate over the window ``[warmup, horizon]``; working hours come from each
role's work calendar. The queue samples, trend and late mean per stage are what the bottleneck
screen (:mod:`metrics.bottleneck`) and the stability check (:mod:`metrics.stability`) read.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from salesim.simulator.metrics.stability import Stability, assess
from salesim.simulator.scenario.schema import Scenario

__all__ = ["queue_late", "queue_samples", "queue_trend", "queued_work_hours", "role_tables",
           "stability"]


def role_tables(visits: pd.DataFrame, staff: pd.DataFrame, scenario: Scenario,
                window: tuple[float, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per role and per person: busy and available working hours, utilisation, queue length."""
    start, end = window
    span = end - start
    columns = visits[["role", "staff_id", "t_enqueue", "t_start", "t_finish"]]
    rows_of = columns.groupby("role", sort=False).indices
    none = np.zeros(0, dtype=np.intp)
    people_rows = []
    role_rows = []
    for role in scenario.roles:
        cal = scenario.work_calendar(role.name)
        of_role = columns.iloc[rows_of.get(role.name, none)]
        w = of_role[of_role["t_start"].notna()]
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
        queued = of_role[of_role["t_enqueue"].notna()]
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



def queued_work_hours(visits: pd.DataFrame, scenario: Scenario, window: tuple[float, float]
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
