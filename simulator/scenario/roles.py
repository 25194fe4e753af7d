"""The people of a scenario: roles with their calendars, hiring, pay and behaviour."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from salesim.simulator.scenario.bounds import MAX_DAYS, MAX_LIST, Days, Money
from salesim.simulator.scenario.dists import Fixed
from salesim.simulator.scenario.fields import (
    Frozen,
    Label,
    Name,
    Share,
    SkillDist,
    SpeedDist,
    working_weekdays,
)
from salesim.simulator.scenario.worktime import parse_hours


class RoleCalendarSpec(Frozen):
    """A role's own calendar; fields left out are taken from the company calendar."""

    weekdays: tuple[str, ...] | None = None
    hours: str | None = None
    holidays: tuple[dt.date, ...] | None = Field(default=None, max_length=MAX_LIST * 10)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else working_weekdays(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str | None) -> str | None:
        if v is not None:
            parse_hours(v)
        return v


class RampUp(Frozen):
    """A new hire's productivity: ``start`` on the first day, rising linearly to 1 over ``days``."""

    days: float = Field(gt=0, le=MAX_DAYS)
    start: float = Field(ge=0, le=1)


class HeadcountChange(Frozen):
    """A planned change: on ``day`` (days since the start) the role has ``headcount`` people."""

    day: Days
    headcount: int = Field(ge=0, le=10_000)


class PayScheme(Frozen):
    """How a role is paid on top of salary; computed exactly per person per month.

    Credited revenue: the won deals whose last work of this role before the win was this
    person's. The personal plan is the scenario plan's month amount shared equally among the
    people present (only for the role that carries the plan).
    """

    commission: Share = 0.0
    commission_base: Literal["revenue", "margin"] = "revenue"
    plan_bonus: Money = 0.0
    accelerator: Share = 0.0
    team_bonus: Money = 0.0
    best_result_prize: Money = 0.0
    kpi_bonus: dict[Name, Money] = Field(default_factory=dict, max_length=MAX_LIST)

    @property
    def needs_plan(self) -> bool:
        return bool(self.plan_bonus or self.accelerator or self.team_bonus)


class Behaviour(Frozen):
    """How pay changes what people do. A model, not a fact: every number is an assumption,
    with the defaults argued in docs/motivation.md."""

    salary_only_speed: float = Field(default=0.9, gt=0, le=2)
    salary_only_conversion: float = Field(default=0.95, gt=0, le=2)
    pay_at_risk_gain: float = Field(default=0.3, ge=0, le=2)
    push_from: Share = 0.8
    push_speed: float = Field(default=1.15, gt=0, le=3)
    relax_speed: float = Field(default=0.85, gt=0, le=3)
    team_sharing: bool = True


class Role(Frozen):
    """People who do steps: hunters, closers, warehouse, farmers, ..."""

    name: Name
    label: Label | None = None  # the team, as people call it: "Hunters"
    headcount: int = Field(ge=0, le=10_000, strict=True)
    salary_per_month: Money = 0.0
    speed: SpeedDist = Field(default_factory=lambda: Fixed(value=1.0))
    conversion_skill: SkillDist = Field(default_factory=lambda: Fixed(value=1.0))
    calendar: RoleCalendarSpec | None = None
    ramp_up: RampUp | None = None
    attrition_per_month: float = Field(default=0.0, ge=0, lt=1)
    replacement_lag_days: Days | None = None
    headcount_changes: tuple[HeadcountChange, ...] = Field(default=(), max_length=MAX_LIST)
    pay: PayScheme | None = None
    behaviour: Behaviour | None = None
