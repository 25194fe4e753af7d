"""What moves through the model: a case at a stage (a lead or a repeat order), the plan of a
step as the engine reads it, the route of each kind of lead, and a client."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from salesim.simulator.engine.draws import StepDraws
from salesim.simulator.engine.staffing import Staff
from salesim.simulator.scenario.schema import Scenario, Step

CLIENT_STAGE = "client_base"  # the stage name of an account manager's work on a repeat order


@dataclass(frozen=True)
class StepPlan:
    """What the lead process needs of a step, flattened for speed."""

    stage_index: int
    step_index: int
    stage: str
    name: str
    role: str | None
    client_delay: bool
    conversion: dict[str, float]
    reasons: tuple[str, ...]
    reason_cum: tuple[float, ...]
    half_life_days: float | None
    wins: bool
    after_sale: bool
    sla_days: float | None
    spec: Step
    draws: StepDraws


@dataclass(frozen=True)
class StagePlan:
    """How a stage hands out its leads, and its steps."""

    name: str
    assignment: str
    owner_rule: str
    queue: str
    steps: tuple[StepPlan, ...]


@dataclass(frozen=True)
class Route:
    """The compiled pipeline: every stage, and the steps a lead of a segment and channel goes
    through at each stage."""

    stages: tuple[StagePlan, ...]
    by_lead: dict[tuple[str, str], list[list[StepPlan]]]
    win_stage: int
    ship_stage: int | None

    def steps(self, segment: str, channel: str) -> list[list[StepPlan]]:
        return self.by_lead[(segment, channel)]


def compile_route(scenario: Scenario, draws: list[list[StepDraws]]) -> Route:
    """The stages and steps as plans, once, before the run."""
    win = scenario.win_step()
    stages = tuple(
        StagePlan(stage.name, stage.assignment, stage.owner_rule, stage.queue,
                  tuple(_step_plan(scenario, si, ki, step, draws[si][ki], win)
                        for ki, step in enumerate(stage.steps)))
        for si, stage in enumerate(scenario.stages))
    by_lead = {
        (seg, ch.name): [
            [p for p in plan.steps
             if scenario.step_applies(stage.steps[p.step_index], seg, ch.name)]
            for stage, plan in zip(scenario.stages, stages, strict=True)]
        for seg in scenario.segments for ch in scenario.channels
    }
    return Route(stages, by_lead, win[0], scenario.shipping_stage())


def _step_plan(scenario: Scenario, si: int, ki: int, step: Step, draws: StepDraws,
               win: tuple[int, int]) -> StepPlan:
    stage = scenario.stages[si]
    reasons = tuple(step.loss_reasons)
    cum = tuple(itertools.accumulate(step.loss_reasons[r] for r in reasons))
    return StepPlan(
        stage_index=si, step_index=ki, stage=stage.name, name=step.name, role=step.role,
        client_delay=step.client_delay_days.mean > 0,
        conversion={seg: step.conversion_for(seg) for seg in scenario.segments},
        reasons=reasons, reason_cum=cum, half_life_days=stage.half_life_of(step),
        wins=(si, ki) == win, after_sale=(si, ki) > win, sla_days=step.sla_days,
        spec=step, draws=draws,
    )


@dataclass(eq=False)
class Client:
    """A won lead's life as a client: owner, revenue so far, what raises its churn."""

    lead_id: int
    channel: str
    segment: str
    first_amount: float
    revenue: float
    owner: Staff | None
    rng: np.random.Generator
    memory_days: float  # how long a slow answer or a late delivery raises the churn
    key: bool = False
    churned: bool = False
    late_until: float = -math.inf
    unanswered_until: float = -math.inf
    owner_left_until: float = -math.inf

    def remember_slow(self, now: float, stage: str) -> None:
        """Work for this client took longer than promised."""
        if stage == CLIENT_STAGE:  # the owner was slow to answer a request
            self.unanswered_until = now + self.memory_days
        else:
            self.late_until = now + self.memory_days


@dataclass
class Case:
    """A case's state while it goes through one stage: a lead, or a client's repeat order.

    A lead's random numbers were drawn before the run (indexed by lead id); a repeat order
    draws its own from the client's stream.
    """

    id: int
    channel: str
    segment: str
    amount: float
    priority: int
    owner_rule: str
    owners: dict[str, Staff | None]
    last_worker: Staff | None = None
    last_by_role: dict[str, Staff] = field(default_factory=dict)
    client: Client | None = None  # the client the case is (once won) or orders for
    rng: np.random.Generator | None = None

    @property
    def client_id(self) -> int:
        """The lead that became the client, on a repeat order's rows (-1 on a lead's)."""
        return -1 if self.client is None or self.client.lead_id == self.id \
            else self.client.lead_id

    def draws(self, plan: StepPlan) -> tuple[float, float, float, float]:
        """Effort hours, client delay days and the two decision uniforms at a step."""
        if self.rng is None:
            d, i = plan.draws, self.id
            return d.effort_hours[i], d.client_delay_days[i], d.decision[i], d.reason[i]
        spec, rng = plan.spec, self.rng
        return (float(spec.effort_hours.sample(rng, 1)[0]),
                float(spec.client_delay_days.sample(rng, 1)[0]), rng.random(), rng.random())
