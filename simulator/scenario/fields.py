"""The field types scenario models are made of: names, shares, labels, values per segment."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)

from salesim.simulator.scenario.bounds import (
    MAX_DAYS,
    MAX_EFFORT_HOURS,
    MAX_FACTOR,
    MAX_MONEY,
    MAX_SPEED,
    MIN_SPEED,
    WHY_DAYS,
    WHY_EFFORT,
    WHY_FACTOR,
    WHY_MONEY,
    WHY_SPEED,
    dist_within,
)
from salesim.simulator.scenario.dists import Distribution, coerce_distribution
from salesim.simulator.scenario.worktime import weekday_numbers

LABEL_MAX_LENGTH = 80


Dist = Annotated[Distribution, BeforeValidator(coerce_distribution)]
# distributions of a field, bounded by what the field means (scenario.bounds)
EffortDist = Annotated[Dist, AfterValidator(dist_within(MAX_EFFORT_HOURS, "hours", WHY_EFFORT))]
DaysDist = Annotated[Dist, AfterValidator(dist_within(MAX_DAYS, "days", WHY_DAYS))]
MoneyDist = Annotated[Dist, AfterValidator(dist_within(MAX_MONEY, "", WHY_MONEY))]
SpeedDist = Annotated[Dist, AfterValidator(dist_within(MAX_SPEED, "", WHY_SPEED, MIN_SPEED))]
SkillDist = Annotated[Dist, AfterValidator(dist_within(MAX_FACTOR, "", WHY_FACTOR))]
Name = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$")]
Share = Annotated[float, Field(ge=0, le=1)]


def _one_line_label(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > LABEL_MAX_LENGTH or not text.isprintable():
            raise ValueError(f"a label is one line of text, 1 to {LABEL_MAX_LENGTH} characters")
        return text
    return value


# what a person reads instead of a snake_case name: "Lead development", "Large accounts"
Label = Annotated[str, BeforeValidator(_one_line_label)]


def _by_segment_or_one(value: Any) -> str:
    """A mapping without ``dist`` gives one value per segment; anything else is one value."""
    return "by_segment" if isinstance(value, dict) and "dist" not in value else "one"


ShareBySegment = Annotated[
    Annotated[Share, Tag("one")] | Annotated[dict[str, Share], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]
MoneyDistBySegment = Annotated[
    Annotated[MoneyDist, Tag("one")] | Annotated[dict[str, MoneyDist], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]
DaysDistBySegment = Annotated[
    Annotated[DaysDist, Tag("one")] | Annotated[dict[str, DaysDist], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]
WEEKDAYS_ALLOWED = "mon, tue, wed, thu, fri, sat, sun"


def working_weekdays(value: tuple[str, ...]) -> tuple[str, ...]:
    if not weekday_numbers(value):
        raise ValueError(f"needs at least one working weekday: {WEEKDAYS_ALLOWED}")
    return value


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


Rate = Annotated[float, Field(ge=0, le=1000)]
RateBySegment = Annotated[
    Annotated[Rate, Tag("one")] | Annotated[dict[str, Rate], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]
Hazard = Annotated[float, Field(ge=0, lt=1)]
HazardBySegment = Annotated[
    Annotated[Hazard, Tag("one")] | Annotated[dict[str, Hazard], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]


def for_segment(value: Any, segment: str) -> Any:
    """The value of a field that is either one value or a mapping per segment."""
    return value[segment] if isinstance(value, dict) else value
