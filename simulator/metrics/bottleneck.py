"""The queue screen: the constraining stage and role of one run, as a typed :class:`Bottleneck`.

Method (``docs/model.md``): for every staffed stage, the working hours leads spent queued for
its main role. The stage with the most is a capacity bottleneck when its leads wait in earnest
(:data:`MIN_WAIT_WORK_HOURS`) or its role is busy ``HIGH_UTILIZATION`` of the time; otherwise
the department is limited by its lead flow and conversion, and the verdict names the stage that
loses the largest share of the leads it decides. The words come from :mod:`metrics.verdict`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from salesim.simulator.metrics.capacity import queue_late, queue_trend, queued_work_hours
from salesim.simulator.metrics.undecided import NoDecisions, nothing_decided, why_undecided
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = ["MIN_WAIT_WORK_HOURS", "WATCH_MIN_QUEUE", "Bottleneck", "ConversionEvidence", "Kind",
           "Leak", "ScreenRank", "StageLoad", "Watch", "biggest_leak", "bottleneck", "stage_loads"]

Kind = Literal["capacity", "conversion", "none"]

# A stage is only called a capacity bottleneck when leads wait there in earnest: on average at
# least two working hours for staff, or its staff are busy 85% of their time.
MIN_WAIT_WORK_HOURS = 2.0

# A queue is "building up" when its last quarter's mean is at least this many leads and twice
# (at least) its mean before: a stage to watch even when it is not the bottleneck yet.
WATCH_MIN_QUEUE = 5.0


@dataclass(frozen=True)
class StageLoad:
    """One staffed stage as the screen sees it: its main role and the evidence of its queue.

    A capacity verdict's evidence is the load of its stage.
    """

    stage: str
    role: str  # the role that worked most hours in the stage (its first staffed step's if none)
    utilization: float
    queued_work_hours: float  # of the role, spent queued by the stage's leads in the window
    queue_mean: float  # the role's time-average queue
    wait_days_mean: float  # the stage's mean wait for staff (0 when nobody waited)
    wait_work_hours_mean: float  # the same in the role's working hours, over started visits
    wait_share: float  # of the time a lead spends in the stage
    lost_cooled: int
    queue_trend_per_30d: float
    queue_last_quarter: float
    queue_before: float  # the mean queue over the three quarters of the window before

    def figures(self) -> dict[str, Any]:
        """The evidence as ``summary.json`` holds it: every field but the stage and role."""
        return {k: v for k, v in asdict(self).items() if k not in ("stage", "role")}


@dataclass(frozen=True)
class ConversionEvidence:
    """Why no team holds the department back: the biggest leak and the busiest team."""

    conversion: float  # of the leaking stage (NaN: no stage decided a lead)
    lost: int
    max_utilization: float
    max_utilization_role: str
    wait_work_hours_mean: float  # at the most queued stage

    def figures(self) -> dict[str, Any]:
        """The evidence as ``summary.json`` holds it."""
        return asdict(self)


@dataclass(frozen=True)
class ScreenRank:
    """A staffed stage in the screen's order: a candidate a relief test may confirm."""

    stage: str
    role: str
    queued_work_hours: float
    utilization: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Watch:
    """A stage whose queue is building up although it is not the bottleneck (yet)."""

    stage: str
    role: str
    queue_last_quarter: float
    queue_before: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Leak:
    """The stage that loses the largest share of the leads it decides."""

    stage: str
    role: str | None  # the first role working in the stage
    conversion: float
    lost: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Bottleneck:
    """The screen's verdict on one run, with its evidence.

    ``kind`` is ``capacity`` (``stage`` and ``role`` hold the department back), ``conversion``
    (nobody queues in earnest; ``stage`` is the biggest leak) or ``none``: no stage has staff,
    or no lead was decided in the window (the evidence is then a
    :class:`~metrics.undecided.NoDecisions` saying why).
    """

    kind: Kind
    stage: str | None
    role: str | None
    evidence: StageLoad | ConversionEvidence | NoDecisions | None
    watch: tuple[Watch, ...] = ()
    ranking: tuple[ScreenRank, ...] = ()  # every staffed stage, most queued first
    leak: Leak | None = None

    def as_dict(self) -> dict[str, Any]:
        """``summary.json``'s ``bottleneck`` block of one run without its ``verdict`` (plain
        Python values, not yet rounded): ``stage, role, kind, evidence, watch``."""
        return {"stage": self.stage, "role": self.role, "kind": self.kind,
                "evidence": {} if self.evidence is None else self.evidence.figures(),
                "watch": [w.as_dict() for w in self.watch]}


def stage_loads(stages: pd.DataFrame, roles: pd.DataFrame, visits: pd.DataFrame,
                scenario: Scenario, window: tuple[float, float]) -> list[StageLoad]:
    """The load of every staffed stage, in the scenario's order (``visits``: all of them)."""
    util = dict(zip(roles["role"], roles["utilization"], strict=True)) if len(roles) else {}
    loads = []
    for stage in scenario.stages:
        v = visits[visits["stage"] == stage.name]
        hours = v.groupby("role")["work_hours"].sum()
        hours = hours[hours.index != ""]
        role = str(hours.idxmax()) if len(hours) else next(
            (sp.role for sp in stage.steps if sp.role), None)
        if role is None:
            continue
        started = v[v["t_start"].notna() & v["t_enqueue"].notna()]
        row = stages[stages["stage"] == stage.name].iloc[0]
        last_quarter, before = queue_late(visits, stage.name, window)
        loads.append(StageLoad(
            stage=stage.name, role=role,
            utilization=float(util.get(role, math.nan)),
            queued_work_hours=queued_work_hours(v, scenario, window),
            queue_mean=float(roles.loc[roles["role"] == role, "queue_mean"].iloc[0]),
            wait_days_mean=0.0 if math.isnan(row["wait_days_mean"])
            else float(row["wait_days_mean"]),
            wait_work_hours_mean=float(started["wait_work_hours"].mean())
            if len(started) else 0.0,
            wait_share=float(row["wait_share"]),
            lost_cooled=int(row["lost_cooled"]),
            queue_trend_per_30d=queue_trend(visits, stage.name, window),
            queue_last_quarter=last_quarter, queue_before=before))
    return loads


def bottleneck(stages: pd.DataFrame, roles: pd.DataFrame, visits: pd.DataFrame,
               scenario: Scenario, window: tuple[float, float],
               staff: pd.DataFrame | None = None) -> Bottleneck:
    """The constraining stage and role, with the evidence (the module's method).

    A run that decided no lead has no bottleneck: kind ``none`` with the reason as evidence.

    Args:
        stages: :func:`metrics.flow.stage_table` of the window.
        roles: The role table of :func:`metrics.capacity.role_tables`.
        visits: All step visits (:func:`metrics.flow.step_visits`), warm-up included.
        scenario: The scenario of the run.
        window: The measured window ``(warmup, horizon)``.
        staff: Who was on the staff (for the reason no lead was decided; default: headcounts).
    """
    if nothing_decided(stages):
        return Bottleneck(kind="none", stage=None, role=None,
                          evidence=why_undecided(stages, staff, scenario, window))
    loads = stage_loads(stages, roles, visits, scenario, window)
    leak = biggest_leak(stages, scenario)
    if not loads:
        return Bottleneck(kind="none", stage=None, role=None, evidence=None, leak=leak)
    # the same order as a table sort: most queued hours first, then the busiest (NaN last)
    table = pd.DataFrame([asdict(load) for load in loads])
    ranked = [loads[i] for i in table.sort_values(["queued_work_hours", "utilization"],
                                                  ascending=False).index]
    top = ranked[0]
    ranking = tuple(ScreenRank(r.stage, r.role, r.queued_work_hours, r.utilization)
                    for r in ranked)
    watch = tuple(Watch(r.stage, r.role, r.queue_last_quarter, r.queue_before) for r in loads
                  if r.stage != top.stage and r.queue_last_quarter >= WATCH_MIN_QUEUE
                  and r.queue_last_quarter >= 2 * r.queue_before)
    # a team with no working time in the window (headcount 0) and leads queued for it holds
    # everything that reaches it: its waits never end, so they are not in the wait figures
    unserved = top.queued_work_hours > 0 and math.isnan(top.utilization)
    if (top.wait_work_hours_mean >= MIN_WAIT_WORK_HOURS or top.utilization >= HIGH_UTILIZATION
            or unserved):
        return Bottleneck(kind="capacity", stage=top.stage, role=top.role, evidence=top,
                          watch=watch, ranking=ranking, leak=leak)
    busiest = loads[table.sort_values("utilization", ascending=False).index[0]]
    evidence = ConversionEvidence(
        conversion=math.nan if leak is None else leak.conversion,
        lost=0 if leak is None else leak.lost,
        max_utilization=busiest.utilization, max_utilization_role=busiest.role,
        wait_work_hours_mean=top.wait_work_hours_mean)
    return Bottleneck(kind="conversion", stage=None if leak is None else leak.stage,
                      role=None if leak is None else leak.role, evidence=evidence,
                      watch=watch, ranking=ranking, leak=leak)


def biggest_leak(stages: pd.DataFrame, scenario: Scenario) -> Leak | None:
    """The stage that loses the largest share of the leads it decides (None: none decided)."""
    decided = stages[(stages["converted"] + stages["lost"]) > 0]
    if decided.empty:
        return None
    worst = decided.assign(loss=1 - decided["conversion"]).sort_values("loss",
                                                                       ascending=False).iloc[0]
    role = next((sp.role for st in scenario.stages if st.name == worst["stage"]
                 for sp in st.steps if sp.role), None)
    return Leak(stage=str(worst["stage"]), role=role, conversion=float(worst["conversion"]),
                lost=int(worst["lost"]))
