"""The finite bounds of scenario fields, each with the reason a person reads when it is passed.

A scenario that validates must run: numbers past these bounds overflow numpy or ``Decimal``,
ask for more working time than a calendar holds, or describe no department. The bounds are
generous for a real sales department; docs/scenario.md lists them in a table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from salesim.simulator.scenario.dists import value_range

__all__ = [
    "MAX_DAYS", "MAX_EFFORT_HOURS", "MAX_FACTOR", "MAX_LEADS_PER_DAY", "MAX_LIST", "MAX_MONEY",
    "MAX_SPEED", "MIN_DAYS", "MIN_SPEED", "Days", "Factor", "LeadRate", "Money", "at_most",
    "dist_within",
]

MAX_LEADS_PER_DAY = 10_000.0  # per channel
MAX_MONEY = 1e12  # any amount: a deal, a salary, a plan, a bonus
MAX_DAYS = 3660.0  # any duration: ten years, the longest horizon
MIN_DAYS = 1e-4  # a duration that must be above 0: about nine seconds
MAX_EFFORT_HOURS = 2000.0  # a working year of one person
MIN_SPEED = 0.05  # a twentieth of normal speed (the engine never draws slower)
MAX_SPEED = 20.0
MAX_FACTOR = 100.0  # a multiplier of a rate or a share
MAX_LIST = 1000  # segments, channels, roles, stages, steps, holidays, changes, ...

WHY_RATE = "more would need more memory than a computer has (see the resource budget)"
WHY_MONEY = "amounts are exact to the kopeck up to a trillion"
WHY_DAYS = "ten years is the longest horizon a scenario simulates"
WHY_MIN_DAYS = "a shorter time is below what the simulation clock resolves"
WHY_EFFORT = "one step of one lead cannot take more than a working year"
WHY_SPEED = "a multiplier of normal speed (1); slower than 1/20 would never finish the work"
WHY_FACTOR = "a multiplier beyond 100 describes no department"


def shown(limit: float) -> str:
    """A bound as a person writes it: 10,000, 1e+12, 0.0001."""
    return f"{limit:,.0f}" if limit == int(limit) and limit < 1e9 else f"{limit:g}"


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


def at_most(limit: float, unit: str, why: str) -> Callable[[float], float]:
    """A validator: the value is at most ``limit`` (in ``unit``), else the reason why."""

    def check(value: float) -> float:
        if value > limit:
            raise ValueError(f"must be at most {shown(limit)}{_unit(unit)}: {why}")
        return value

    return check


def at_least(limit: float, unit: str, why: str) -> Callable[[float], float]:
    def check(value: float) -> float:
        if value < limit:
            raise ValueError(f"must be at least {shown(limit)}{_unit(unit)}: {why}")
        return value

    return check


def dist_within(high: float, unit: str, why: str, low: float | None = None
                ) -> Callable[[Any], Any]:
    """A validator of a distribution: its mean and its largest value at most ``high``, its
    smallest possible value (if ``low`` is given) at least ``low``."""

    def check(dist: Any) -> Any:
        least, most = value_range(dist)
        if most > high:
            raise ValueError(f"values must be at most {shown(high)}{_unit(unit)}: {why}")
        if low is not None and least is not None and least < low:
            raise ValueError(f"values must be at least {shown(low)}{_unit(unit)}: {why}")
        return dist

    return check


LeadRate = Annotated[float, Field(ge=0),
                     AfterValidator(at_most(MAX_LEADS_PER_DAY, "leads a day", WHY_RATE))]
Money = Annotated[float, Field(ge=0), AfterValidator(at_most(MAX_MONEY, "", WHY_MONEY))]
Days = Annotated[float, Field(ge=0), AfterValidator(at_most(MAX_DAYS, "days", WHY_DAYS))]
PositiveDays = Annotated[float, Field(gt=0), AfterValidator(at_least(MIN_DAYS, "days",
                                                                     WHY_MIN_DAYS)),
                         AfterValidator(at_most(MAX_DAYS, "days", WHY_DAYS))]
Factor = Annotated[float, Field(ge=0), AfterValidator(at_most(MAX_FACTOR, "", WHY_FACTOR))]
