"""The scenario format: frozen, validated config objects (pydantic v2, ``extra="forbid"``).

``Scenario.from_data`` turns the plain data read by :mod:`scenario.loader` into a ``Scenario`` or
raises :class:`~scenario.errors.ScenarioError` naming the file, the line, the field path and what
is allowed. Structural checks (types, ranges, unknown keys) are pydantic's; checks across fields
(a step naming an unknown role, shares not summing to 1, duplicate names) follow in
:mod:`scenario.checks`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from salesim.simulator.scenario.bounds import (
    MAX_DAYS,
    MAX_LIST,
    Days,
    Factor,
    LeadRate,
    Money,
    PositiveDays,
)
from salesim.simulator.scenario.calendar import WorkCalendar
from salesim.simulator.scenario.checks import first_problem
from salesim.simulator.scenario.dists import Distribution, Fixed
from salesim.simulator.scenario.errors import (
    LineMarks,
    ScenarioError,
    format_path,
    from_pydantic,
    kind_of,
    line_for,
)
from salesim.simulator.scenario.fields import (
    DaysDist,
    DaysDistBySegment,
    EffortDist,
    Frozen,
    HazardBySegment,
    Label,
    MoneyDistBySegment,
    Name,
    Rate,
    RateBySegment,
    Share,
    ShareBySegment,
    working_weekdays,
)
from salesim.simulator.scenario.reasons import BUILT_IN_REASONS
from salesim.simulator.scenario.roles import Role
from salesim.simulator.scenario.worktime import parse_hours, weekday_numbers


class CalendarSpec(Frozen):
    """The company's working calendar (all roles use it unless they have their own)."""

    start_date: dt.date = dt.date(2026, 1, 5)
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: str = "09:00-18:00"
    holidays: tuple[dt.date, ...] = Field(default=(), max_length=MAX_LIST * 10)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return working_weekdays(v)

    @field_validator("start_date")
    @classmethod
    def _start(cls, v: dt.date) -> dt.date:
        if not dt.date(1900, 1, 1) <= v <= dt.date(2200, 12, 31):
            raise ValueError("must be a date between 1900-01-01 and 2200-12-31")
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        parse_hours(v)
        return v


class Channel(Frozen):
    """A source of leads with its own traffic, cost and lead quality."""

    name: Name
    label: Label | None = None
    rate: LeadRate = Field(description="mean leads per day (see `per`)")
    per: Literal["working_day", "calendar_day"] = "working_day"
    seasonality: tuple[Factor, ...] | None = Field(
        default=None, min_length=12, max_length=12
    )
    cost_per_lead: Money = 0.0
    segment_mix: dict[str, Share] | None = Field(default=None, max_length=MAX_LIST)
    deal_size: MoneyDistBySegment = Field(default_factory=lambda: Fixed(value=0.0))

    def deal_size_for(self, segment: str) -> Distribution:
        if isinstance(self.deal_size, dict):
            return self.deal_size[segment]
        return self.deal_size


class Step(Frozen):
    """One step of a stage: staff work, then the client's reply, then a conversion decision."""

    name: Name
    label: Label | None = None
    role: Name | None = None
    effort_hours: EffortDist = Field(default_factory=lambda: Fixed(value=0.0))
    client_delay_days: DaysDist = Field(default_factory=lambda: Fixed(value=0.0))
    conversion: ShareBySegment = 1.0
    loss_reasons: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=lambda: {"not_converted": 1.0}, max_length=MAX_LIST
    )
    sla_days: PositiveDays | None = None
    segments: tuple[str, ...] | None = Field(default=None, max_length=MAX_LIST)
    channels: tuple[str, ...] | None = Field(default=None, max_length=MAX_LIST)
    wins: bool = False
    late_penalty: Share = 0.0
    # cooling while queued at this step: the stage's half-life unless overridden here, or
    # switched off (after a signed contract an invoice does not go cold like a request)
    cools: bool = True
    cooling_half_life_days: PositiveDays | None = None

    def conversion_for(self, segment: str) -> float:
        if isinstance(self.conversion, dict):
            return self.conversion[segment]
        return self.conversion


class Stage(Frozen):
    """A stage of the pipeline: who takes a lead on entry, how queues are served, cooling."""

    name: Name
    label: Label | None = None
    assignment: Literal["pooled", "owned"] = "pooled"
    owner_rule: Literal["round_robin", "least_loaded"] = "round_robin"
    queue: Literal["fifo", "priority"] = "fifo"
    cooling_half_life_days: PositiveDays | None = None
    ships: bool = False  # finishing this stage ships the order (revenue is recognised then)
    steps: tuple[Step, ...] = Field(min_length=1, max_length=MAX_LIST)

    def half_life_of(self, step: Step) -> float | None:
        """The cooling half-life of a lead queued at ``step`` (None: it does not cool)."""
        if not step.cools:
            return None
        return step.cooling_half_life_days or self.cooling_half_life_days



class KeyAccounts(Frozen):
    """Clients whose revenue passes a threshold move to a key-account manager."""

    role: Name
    revenue_threshold: Money = Field(gt=0)
    churn_factor: Factor = 0.5
    upsell_factor: Factor = 2.0


class ClientBase(Frozen):
    """Life after the first deal: the client is owned by an account manager (farmer), places
    repeat orders, can be upsold and can churn."""

    owner_role: Name
    repeat_orders_per_month: RateBySegment = 0.0
    repeat_order_share: float = Field(default=0.5, gt=0, le=100)
    upsell_per_month: Rate = 0.0
    upsell_share: float = Field(default=0.3, gt=0, le=100)
    order_handling_hours: EffortDist = Field(default_factory=lambda: Fixed(value=1.0))
    order_stages: tuple[Name, ...] = Field(default=(), max_length=MAX_LIST)
    clients_per_owner: int = Field(default=50, ge=1, le=100_000)
    churn_per_month: HazardBySegment = 0.0
    late_delivery_churn_factor: Factor = Field(default=2.0, ge=1)
    answer_within_days: PositiveDays = 2.0
    unanswered_churn_factor: Factor = Field(default=1.5, ge=1)
    owner_left_churn_factor: Factor = Field(default=1.5, ge=1)
    memory_days: PositiveDays = 90.0
    key_accounts: KeyAccounts | None = None
    # clients the department already has on day 0, per segment: a running department
    initial: dict[str, Annotated[int, Field(ge=0, le=100_000, strict=True)]] = Field(
        default_factory=dict)


class Payment(Frozen):
    """Invoices are paid after a delay; past ``terms_days`` they are overdue."""

    terms_days: Days = 10.0
    delay_days: DaysDistBySegment
    first_deals: bool = True  # false when the pipeline's own "money" step is the payment


class Handoff(Frozen):
    """What passing a lead from one role to the next costs in a conveyor."""

    delay_days: DaysDist = Field(default_factory=lambda: Fixed(value=0.0))
    loss: Share = 0.0


class FullCycle(Frozen):
    """One manager role does the work of several conveyor roles, from first call to client."""

    role: Name
    replaces: tuple[Name, ...] = Field(min_length=1, max_length=MAX_LIST)


class Pod(Frozen):
    """A team dedicated to some segments: its own people of the roles it names."""

    name: Name
    segments: tuple[Name, ...] = Field(min_length=1, max_length=MAX_LIST)
    headcount: dict[Name, Annotated[int, Field(ge=0, le=10_000, strict=True)]] = Field(
        min_length=1, max_length=MAX_LIST)


class Organisation(Frozen):
    """How the department is structured: one switch, same leads, same random numbers."""

    structure: Literal["conveyor", "full_cycle", "pods"] = "conveyor"
    handoff: Handoff | None = None
    full_cycle: FullCycle | None = None
    pods: tuple[Pod, ...] = Field(default=(), max_length=MAX_LIST)

    def pod_of(self, role: str, segment: str) -> str | None:
        """The pod whose people of ``role`` serve ``segment`` (None: the role is not split)."""
        if self.structure != "pods":
            return None
        for pod in self.pods:
            if role in pod.headcount and segment in pod.segments:
                return pod.name
        return None


class SalesPlan(Frozen):
    """The top-down revenue plan: an amount per calendar month, carried by one role's people."""

    monthly_revenue: Money = Field(gt=0)
    by_month: dict[Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
                   Money] | None = Field(default=None, max_length=MAX_LIST)
    role: Name
    policy: Literal["next_day", "spread", "none"] = "next_day"
    # what the plan is a plan of: first deals of new clients (the pipeline the plan's managers
    # carry), or all revenue recognised, repeat orders of the client base included
    covers: Literal["new_business", "all_revenue"] = "new_business"

    def for_month(self, month: str) -> float:
        """The plan of a calendar month 'YYYY-MM'."""
        if self.by_month and month in self.by_month:
            return self.by_month[month]
        return self.monthly_revenue


class Scenario(Frozen):
    """A whole department: calendar, channels, roles and the staged pipeline."""

    name: Name
    description: str = Field(default="", max_length=10_000)
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    currency: str = "RUB"
    locale: Literal["en", "ru"] = "en"  # how numbers are written for a person to read
    horizon_days: float = Field(gt=0, le=MAX_DAYS)
    warmup_days: Days = 0.0
    calendar: CalendarSpec = Field(default_factory=CalendarSpec)
    segments: tuple[Name, ...] = Field(default=("default",), min_length=1, max_length=MAX_LIST)
    segment_labels: dict[str, Label] = Field(default_factory=dict, max_length=MAX_LIST)
    loss_reason_labels: dict[str, Label] = Field(default_factory=dict, max_length=MAX_LIST)
    channels: tuple[Channel, ...] = Field(min_length=1, max_length=MAX_LIST)
    roles: tuple[Role, ...] = Field(default=(), max_length=MAX_LIST)
    stages: tuple[Stage, ...] = Field(min_length=1, max_length=MAX_LIST)
    plan: SalesPlan | None = None
    org: Organisation = Field(default_factory=Organisation)
    clients: ClientBase | None = None
    payment: Payment | None = None
    gross_margin: ShareBySegment = 1.0
    crm_keeps_history: bool = True
    lost_when_owner_leaves: Share = 0.5
    # when a sale is revenue: at shipment (the shipping stage is done) or when the deal is won
    revenue_recognition: Literal["shipment", "win"] = "shipment"

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if len(v) != 3 or not v.isascii() or not v.isupper() or not v.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as RUB, EUR or USD")
        return v

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: Any, *, source: str = "<scenario>",
                  marks: LineMarks | None = None) -> Scenario:
        """Validate plain data (as read from YAML) into a Scenario, or raise ScenarioError."""
        marks = marks or {}
        if not isinstance(data, dict):
            raise ScenarioError(
                f"the document must be a mapping of scenario fields, got {kind_of(data)}",
                source=source, line=marks.get((), 1),
            )
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise from_pydantic(exc, data, source, marks, cls) from None
        problem = first_problem(scenario)
        if problem is not None:
            path, message = problem
            raise ScenarioError(message, source=source, line=line_for(path, marks),
                                path=format_path(path))
        return scenario

    def with_overrides(self, *, seed: int | None = None, horizon_days: float | None = None,
                       days: float | None = None) -> Scenario:
        """A copy with the CLI's overrides applied and validated again.

        ``days`` is what ``--days`` gives: the days measured after the scenario's warm-up (the
        horizon becomes ``warmup_days + days``); ``horizon_days`` sets the horizon itself.
        """
        data = self.model_dump(by_alias=True, exclude_none=False)
        if seed is not None:
            data["seed"] = seed
        if horizon_days is not None:
            data["horizon_days"] = horizon_days
        if days is not None:
            data["horizon_days"] = self.warmup_days + days
        return Scenario.from_data(data, source="command line")

    # -- derived views (pure) -------------------------------------------------------------------

    def role(self, name: str) -> Role:
        return next(r for r in self.roles if r.name == name)

    def loss_reasons(self) -> tuple[str, ...]:
        """Every loss reason a lead or client can end with: the steps' own, then the engine's."""
        named = [reason for stage in self.stages for step in stage.steps
                 for reason in step.loss_reasons]
        return tuple(dict.fromkeys([*named, *BUILT_IN_REASONS]))

    def margin_for(self, segment: str) -> float:
        """Gross margin share of a deal's amount (1 = no cost of goods)."""
        if isinstance(self.gross_margin, dict):
            return self.gross_margin[segment]
        return self.gross_margin

    def work_calendar(self, role: str | None = None) -> WorkCalendar:
        """The working calendar of a role (its own, else the company's)."""
        base = self.calendar
        own = self.role(role).calendar if role is not None else None
        weekdays = own.weekdays if own and own.weekdays is not None else base.weekdays
        hours = own.hours if own and own.hours is not None else base.hours
        holidays = own.holidays if own and own.holidays is not None else base.holidays
        start_h, end_h = parse_hours(hours)
        span = math.ceil(self.horizon_days) + 60
        return WorkCalendar(base.start_date, weekday_numbers(weekdays), start_h, end_h,
                            frozenset(holidays), span)

    def segment_mix(self, channel: Channel) -> dict[str, float]:
        if channel.segment_mix is not None:
            return dict(channel.segment_mix)
        return {self.segments[0]: 1.0}

    def step_applies(self, step: Step, segment: str, channel: str | None = None) -> bool:
        """Whether a lead of this segment (and channel) goes through the step."""
        return ((step.segments is None or segment in step.segments)
                and (channel is None or step.channels is None or channel in step.channels))

    def shipping_stage(self) -> int | None:
        """Index of the stage whose end ships an order: the one marked ``ships: true``, else a
        stage named ``fulfilment`` after the winning step; None when nothing is shipped."""
        marked = [si for si, st in enumerate(self.stages) if st.ships]
        if marked:
            return marked[0]
        win = self.win_step()[0]
        return next((si for si, st in enumerate(self.stages)
                     if st.name == "fulfilment" and si > win), None)

    def recognises_at_shipment(self) -> bool:
        """Whether revenue is booked when the order ships (else when the deal is won)."""
        return self.revenue_recognition == "shipment" and self.shipping_stage() is not None

    def win_step(self) -> tuple[int, int]:
        """(stage index, step index) of the step that wins the deal.

        The step marked ``wins: true``; else the last step of the last stage that can lose a lead.
        """
        for si, stage in enumerate(self.stages):
            for ki, step in enumerate(stage.steps):
                if step.wins:
                    return si, ki
        last = (len(self.stages) - 1, len(self.stages[-1].steps) - 1)
        for si, stage in enumerate(self.stages):
            for ki, step in enumerate(stage.steps):
                if step.conversion != 1.0:
                    last = (si, ki)
        return last
