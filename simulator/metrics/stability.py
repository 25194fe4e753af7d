"""Does any queue of a run grow without bound? (Pure: step visits in, a typed verdict out.)

A queue served by ``c`` people of rate ``μ`` and fed at rate ``λ`` is stable only if
``ρ = λ / (cμ) < 1``. When ``ρ ≥ 1`` the staff are never idle during their working hours and the
queue grows roughly linearly at ``λ − cμ`` a day: every figure taken at the horizon (leads in
progress, waits, revenue per month) then depends on how long one simulates. This module tells
such a queue from one that merely grows because demand grows while it is still served.

For every stage and role that queues leads (a role doing steps in two stages is judged in each),
over the measured window ``[start, end]``, the evidence is:

* ``growth_per_30d``: the least-squares slope of the daily queue length over the **second half**
  of the window (leads per 30 days) — the first half may still be filling up from empty — and
  the scatter of the daily queue around that line;
* ``queue_at_end`` against ``queue_mean``: leads waiting at the horizon and the window's mean;
* ``utilization_second_half`` and ``utilization_last_quarter``: the role's busy share of its
  available working hours — an overloaded role is busy ~100% of them;
* ``in_progress_at_end`` against ``expected_in_progress``: leads still in the role's steps of the
  stage at the horizon, against Little's law ``L = λ·W`` with ``λ`` the rate at which leads
  entered those steps over the last quarter and ``W`` the mean time completed visits spent in
  them. A stable queue holds about ``L``; an overloaded one started empty holds about ``2ρ·L``
  (the fluid limit: ``(λ − cμ)·T`` leads stuck, against completed visits that waited on average
  ``(λ − cμ)·T / 2λ``), because the visits still open are the ones that waited longest;
* ``overload``: the queue's growth ÷ the rate leads joined it (second half), an estimate of the
  share of the work the role cannot serve, ``1 − 1/ρ``; 0 unless the queue is unstable.

Verdict per queue — **unstable** when, over the second half of the window, the role is
saturated (utilisation ≥ :data:`SATURATED_UTILIZATION`) **and** its queue grows: the fitted rise
is at least :data:`MIN_GROWTH_LEADS` leads and :data:`TREND_OVER_NOISE` times the scatter, and
at least :data:`MIN_GROWTH_LEADS` leads wait at the horizon. Both are needed: a saturated role
whose queue does not grow is working off a backlog (or shedding work as waiting leads go cold);
a queue that grows while its staff have spare time is following growing demand. **Watch** when
only one holds, when the role is saturated in the last quarter only (demand has just caught up
with capacity: the next bottleneck); **stable** otherwise. Leads stuck at the horizon at least
:data:`STUCK_RATIO` times what Little's law predicts are reported, but alone they raise no
watch: a queue that ends on a holiday eve holds the night's arrivals. The run is stable when no
queue is unstable.
Little's law is reported as corroboration, not required: with a warm-up cut, or an overload that
began mid-window, an unstable queue can hold less than twice its Little figure.

Limit: with ``assignment: owned`` the queue of one overloaded owner can grow while the role as a
whole has spare time; the role-level check does not see it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

# A role busy at least this share of its available working hours over the second half has no
# spare capacity: at ρ ≥ 1 staff never idle while work waits (work under way at the horizon and
# people joining or leaving keep the measured figure a little under 1, hence not 0.99).
SATURATED_UTILIZATION = 0.95
# The queue "still grows" when the fitted rise over the second half of the window, and the
# queue at the horizon, are both at least this many leads (the bottleneck's watch threshold):
# below that a saturated role is only working through a few leads at the margin.
MIN_GROWTH_LEADS = 5.0
# ... and that rise is at least this many times the scatter of the daily queue around the fitted
# line: a queue near saturation swings widely and slowly (a self-limiting one, where long waits
# make leads go cold and shed work, wanders by tens of leads without trend), while a runaway
# queue's rise dwarfs its scatter (M/M/1 at ρ = 1.3 over half a year: about 18 times).
TREND_OVER_NOISE = 3.0
# Leads stuck at the horizon at least this many times Little's law's expectation: an overloaded
# queue started empty holds about 2ρ times it (module docstring), a stable one about once.
STUCK_RATIO = 2.0

Status = Literal["stable", "watch", "unstable"]


@dataclass(frozen=True)
class QueueStability:
    """The evidence on one stage's queue for one role, and the verdict on it."""

    stage: str
    role: str
    status: Status
    queue_mean: float
    queue_at_end: float
    growth_per_30d: float
    utilization_second_half: float
    utilization_last_quarter: float
    in_progress_at_end: int
    expected_in_progress: float
    stuck_ratio: float
    arrivals_per_30d: float
    overload: float
    reason: str

    @property
    def unstable(self) -> bool:
        return self.status == "unstable"

    def to_json(self) -> dict[str, Any]:
        return {k: _json(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Stability:
    """Whether every queue of a run is stable, with the evidence per stage and role."""

    stable: bool
    queues: tuple[QueueStability, ...] = ()

    @property
    def unstable(self) -> tuple[QueueStability, ...]:
        return tuple(q for q in self.queues if q.status == "unstable")

    @property
    def watch(self) -> tuple[QueueStability, ...]:
        return tuple(q for q in self.queues if q.status == "watch")

    @property
    def overload(self) -> float:
        """Σ of the unstable queues' overload (0 when stable): how far from sustainable."""
        return float(sum(q.overload for q in self.unstable))

    def warning(self) -> str:
        """The plain-language warning appended to the bottleneck verdict ("" when stable)."""
        return unstable_sentence([q.to_json() for q in self.unstable])

    def to_json(self) -> dict[str, Any]:
        """The ``stability`` block of ``summary.json`` for one run."""
        return {"stable": self.stable, "replications": 1,
                "unstable_replications": 0 if self.stable else 1,
                "unstable_share": 0.0 if self.stable else 1.0,
                "unstable": [q.to_json() for q in self.unstable],
                "watch": [q.to_json() for q in self.watch],
                "queues": [q.to_json() for q in self.queues],
                "warning": self.warning() or None}


STABLE = Stability(True)


def judge_queue(stage: str, role: str, daily_queue: Sequence[float] | np.ndarray[Any, Any], *,
                queue_at_end: float,
                utilization_second_half: float, utilization_last_quarter: float,
                in_progress_at_end: int,
                entries_per_day_recent: float, cycle_days_mean: float,
                arrivals_per_day_second_half: float) -> QueueStability:
    """The verdict on one queue from its evidence (module docstring).

    Args:
        daily_queue: the queue length at each whole day of the measured window.
        queue_at_end: leads waiting at the horizon.
        utilization_second_half: the role's utilisation over the window's second half.
        utilization_last_quarter: the role's utilisation over the window's last quarter.
        in_progress_at_end: leads in the role's steps of the stage at the horizon.
        entries_per_day_recent: visits entering those steps a day, over the last quarter.
        cycle_days_mean: mean days a completed visit spent in those steps.
        arrivals_per_day_second_half: leads joining the queue a day, over the second half.
    """
    q = np.asarray(daily_queue, dtype=np.float64)
    half = q[len(q) // 2:]
    slope, noise = 0.0, 0.0
    if len(half) >= 3:
        x = np.arange(len(half), dtype=np.float64)
        fit = np.polyfit(x, half, 1)
        slope, noise = float(fit[0]), float(np.std(half - np.polyval(fit, x)))
    rise = slope * max(len(half) - 1, 0)
    expected = entries_per_day_recent * cycle_days_mean \
        if math.isfinite(cycle_days_mean) else math.nan
    stuck_ratio = (in_progress_at_end / expected if expected and math.isfinite(expected)
                   and expected > 0 else (math.inf if in_progress_at_end else 0.0))
    saturated = utilization_second_half >= SATURATED_UTILIZATION
    lately = utilization_last_quarter >= SATURATED_UTILIZATION
    growing = (rise >= MIN_GROWTH_LEADS and rise >= TREND_OVER_NOISE * noise
               and queue_at_end >= MIN_GROWTH_LEADS)
    status: Status = "watch"
    unstaffed = math.isnan(utilization_second_half) and math.isnan(utilization_last_quarter)
    if unstaffed and growing:  # nobody on the staff: the queue can only grow
        status, reason = "unstable", "growing with nobody on the staff to serve it"
    elif saturated and growing:
        status, reason = "unstable", "saturated and growing over the second half"
    elif lately and growing:
        reason = "saturated in the last quarter only: demand has caught up with capacity"
    elif growing:
        reason = "growing, but its staff still have spare time"
    elif saturated or lately:
        reason = "saturated, but the queue is not growing"
    else:
        status, reason = "stable", ""
    overload = (min(1.0, slope / arrivals_per_day_second_half)
                if status == "unstable" and arrivals_per_day_second_half > 0 else 0.0)
    return QueueStability(
        stage=stage, role=role, status=status,
        queue_mean=float(q.mean()) if len(q) else 0.0, queue_at_end=float(queue_at_end),
        growth_per_30d=slope * 30, utilization_second_half=float(utilization_second_half),
        utilization_last_quarter=float(utilization_last_quarter),
        in_progress_at_end=int(in_progress_at_end), expected_in_progress=expected,
        stuck_ratio=stuck_ratio, arrivals_per_30d=arrivals_per_day_second_half * 30,
        overload=max(0.0, overload), reason=reason)


def assess(visits: pd.DataFrame, utilization_second_half: Mapping[str, float],
           utilization_last_quarter: Mapping[str, float], stage_order: Sequence[str],
           window: tuple[float, float]) -> Stability:
    """Judge every queue of a run.

    Args:
        visits: every step visit of the run (``metrics.measure.step_visits``), warm-up
            included: a lead that arrived before the window still queues in it.
        utilization_second_half: each role's utilisation over the window's second half.
        utilization_last_quarter: each role's utilisation over the window's last quarter.
        stage_order: the order to report stages in (others, such as order stages, follow).
        window: the measured window ``(start, end)`` in days.
    """
    start, end = window
    span = end - start
    if span <= 0:
        return STABLE
    staffed = visits[(visits["role"] != "") & visits["t_enqueue"].notna()]
    pairs = list(staffed.groupby(["stage", "role"], sort=False).size().index)
    columns = visits[["t_enter", "t_enqueue", "t_start", "t_decided", "done"]]
    rows_of = visits.groupby(["stage", "role"], sort=False).indices
    rank = {name: i for i, name in enumerate(stage_order)}
    pairs.sort(key=lambda p: (rank.get(p[0], len(rank)), p[0] not in rank, p[0]))
    days = np.arange(math.ceil(start), math.floor(end) + 1, dtype=np.float64)
    mid, late = start + span / 2, start + span * 3 / 4
    queues = []
    for stage, role in pairs:
        v = columns.iloc[rows_of[(stage, role)]]
        q = v[v["t_enqueue"].notna()]
        enq = np.sort(q["t_enqueue"].to_numpy(dtype=np.float64))
        began = np.sort(q["t_start"].dropna().to_numpy(dtype=np.float64))
        daily = (np.searchsorted(enq, days, side="right")
                 - np.searchsorted(began, days, side="right")).astype(np.float64)
        at_end = float(np.searchsorted(enq, end, side="right")
                       - np.searchsorted(began, end, side="right"))
        done = v[v["done"] & (v["t_enter"] >= start)]
        cycle = float((done["t_decided"] - done["t_enter"]).mean()) if len(done) else math.nan
        entered_late = int(((v["t_enter"] >= late) & (v["t_enter"] <= end)).sum())
        joined = int(((enq >= mid) & (enq <= end)).sum())
        queues.append(judge_queue(
            str(stage), str(role), daily, queue_at_end=at_end,
            utilization_second_half=float(utilization_second_half.get(role, math.nan)),
            utilization_last_quarter=float(utilization_last_quarter.get(role, math.nan)),
            in_progress_at_end=int((~v["done"]).sum()),
            entries_per_day_recent=entered_late / (end - late) if end > late else 0.0,
            cycle_days_mean=cycle,
            arrivals_per_day_second_half=joined / (end - mid) if end > mid else 0.0))
    return Stability(not any(q.unstable for q in queues), tuple(queues))


# -- sentences ---------------------------------------------------------------------------------

SUSTAINABILITY = ("this staffing is not sustainable; figures at the horizon depend on how long "
                  "you simulate.")


def who(role: str) -> str:
    """'hunter' → 'Hunters', 'warehouse' → 'Warehouse staff': a role as people."""
    name = role.replace("_", " ")
    plural = f"{name}s" if name.endswith(("er", "or", "ist", "ant", "ent")) else f"{name} staff"
    return plural[:1].upper() + plural[1:]


def unstable_sentence(unstable: Sequence[Mapping[str, Any]], prefix: str = "") -> str:
    """"Hunters cannot keep up in lead_development: over the second half of the period their
    queue grew by 393 leads a month, and 2,189 leads wait for them at the horizon (…) — this
    staffing is not sustainable; …" ("" when nothing is unstable).

    Args:
        unstable: the unstable queues' evidence (:meth:`QueueStability.to_json` or its means).
        prefix: put before the sentence ("In 3 of 5 replications: ").
    """
    if not unstable:
        return ""
    clauses = []
    for q in unstable:
        stuck = q.get("in_progress_at_end")
        ratio = q.get("stuck_ratio")
        extra = ""
        if stuck:
            extra = f" ({_count(stuck)} still in progress there"
            if ratio is not None and math.isfinite(ratio) and ratio >= STUCK_RATIO:
                extra += f", {ratio:.0f}× what a steady flow would hold"
            extra += ")"
        clauses.append(f"{who(str(q['role']))} cannot keep up in {q['stage']}: over the second "
                       f"half of the period their queue grew by {_count(q['growth_per_30d'])} "
                       f"leads a month, and {_count(q['queue_at_end'])} leads wait for them at "
                       f"the horizon{extra}")
    text = "; ".join(clauses)
    if prefix:
        text = prefix + text[:1].lower() + text[1:]
    return f"{text} — {SUSTAINABILITY}"


def rejection_reason(unstable: Sequence[tuple[str, str]]) -> str:
    """'hunter queue grows' (or 'hunter queue grows in lead_development, …'): why the optimiser
    rejects a staffing."""
    roles = list(dict.fromkeys(role for _, role in unstable))
    return ", ".join(f"{role} queue grows" for role in roles)


def _count(value: Any) -> str:
    return f"{float(value):,.0f}"


def _json(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    return value
