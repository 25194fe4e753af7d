"""The scenario format: frozen, validated config objects (pydantic v2, ``extra="forbid"``).

``Scenario.from_data`` turns the plain data read by :mod:`scenario.loader` into a ``Scenario`` or
raises :class:`ScenarioError` naming the file, the line, the field path and what is allowed.
Structural checks (types, ranges, unknown keys) are pydantic's; checks across fields (a step naming
an unknown role, shares not summing to 1, duplicate names) follow in ``_cross_check``.
"""

from __future__ import annotations

import datetime as dt
import math
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from salesim.simulator.scenario.calendar import WorkCalendar, parse_hours, weekday_numbers
from salesim.simulator.scenario.dists import Distribution, Fixed, coerce_distribution

Path = tuple[str | int, ...]
LineMarks = Mapping[Path, int]

COOLED = "cooled"  # the loss reason of a lead that went cold while it queued
OWNER_LEFT = "owner_left"  # a lead whose owner left, when the CRM kept no history
HANDOFF = "handoff"  # a lead dropped when it passed from one role to the next (conveyor)
CHURNED = "churned"  # a client who stopped ordering (the client base)
NOT_CONVERTED = "not_converted"  # the reason of a step that names none
RESERVED_REASONS = (COOLED, OWNER_LEFT, HANDOFF)
BUILT_IN_REASONS = (COOLED, OWNER_LEFT, HANDOFF, CHURNED, NOT_CONVERTED)
LOCALES = ("en", "ru")
LABEL_MAX_LENGTH = 80
SHARE_TOLERANCE = 1e-6


class ScenarioError(Exception):
    """A scenario that cannot be used; ``str()`` is one line: ``file:line: field.path: message``."""

    def __init__(self, message: str, *, source: str = "<scenario>", line: int | None = None,
                 path: str = "") -> None:
        self.message = message
        self.source = source
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        field = f" {self.path}:" if self.path else ""
        # one line whatever the input: control characters and line breaks are shown escaped
        return "".join(ch if ch.isprintable() else repr(ch)[1:-1]
                       for ch in f"{where}:{field} {self.message}")


Dist = Annotated[Distribution, BeforeValidator(coerce_distribution)]
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
DistBySegment = Annotated[
    Annotated[Dist, Tag("one")] | Annotated[dict[str, Dist], Tag("by_segment")],
    Discriminator(_by_segment_or_one),
]
WEEKDAYS_ALLOWED = "mon, tue, wed, thu, fri, sat, sun"


def _working_weekdays(value: tuple[str, ...]) -> tuple[str, ...]:
    if not weekday_numbers(value):
        raise ValueError(f"needs at least one working weekday: {WEEKDAYS_ALLOWED}")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


class CalendarSpec(_Frozen):
    """The company's working calendar (all roles use it unless they have their own)."""

    start_date: dt.date = dt.date(2026, 1, 5)
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: str = "09:00-18:00"
    holidays: tuple[dt.date, ...] = ()

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _working_weekdays(v)

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


class RoleCalendarSpec(_Frozen):
    """A role's own calendar; fields left out are taken from the company calendar."""

    weekdays: tuple[str, ...] | None = None
    hours: str | None = None
    holidays: tuple[dt.date, ...] | None = None

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else _working_weekdays(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str | None) -> str | None:
        if v is not None:
            parse_hours(v)
        return v


class Channel(_Frozen):
    """A source of leads with its own traffic, cost and lead quality."""

    name: Name
    label: Label | None = None
    rate: float = Field(ge=0, description="mean leads per day (see `per`)")
    per: Literal["working_day", "calendar_day"] = "working_day"
    seasonality: tuple[Annotated[float, Field(ge=0)], ...] | None = Field(
        default=None, min_length=12, max_length=12
    )
    cost_per_lead: float = Field(default=0.0, ge=0)
    segment_mix: dict[str, Share] | None = None
    deal_size: DistBySegment = Field(default_factory=lambda: Fixed(value=0.0))

    def deal_size_for(self, segment: str) -> Distribution:
        if isinstance(self.deal_size, dict):
            return self.deal_size[segment]
        return self.deal_size


class RampUp(_Frozen):
    """A new hire's productivity: ``start`` on the first day, rising linearly to 1 over ``days``."""

    days: float = Field(gt=0, le=3660)
    start: float = Field(ge=0, le=1)


class HeadcountChange(_Frozen):
    """A planned change: on ``day`` (days since the start) the role has ``headcount`` people."""

    day: float = Field(ge=0)
    headcount: int = Field(ge=0, le=10_000)


class PayScheme(_Frozen):
    """How a role is paid on top of salary; computed exactly per person per month.

    Credited revenue: the won deals whose last work of this role before the win was this
    person's. The personal plan is the scenario plan's month amount shared equally among the
    people present (only for the role that carries the plan).
    """

    commission: Share = 0.0
    commission_base: Literal["revenue", "margin"] = "revenue"
    plan_bonus: float = Field(default=0.0, ge=0)
    accelerator: Share = 0.0
    team_bonus: float = Field(default=0.0, ge=0)
    best_result_prize: float = Field(default=0.0, ge=0)
    kpi_bonus: dict[Name, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)

    @property
    def needs_plan(self) -> bool:
        return bool(self.plan_bonus or self.accelerator or self.team_bonus)


class Behaviour(_Frozen):
    """How pay changes what people do. A model, not a fact: every number is an assumption,
    with the defaults argued in docs/motivation.md."""

    salary_only_speed: float = Field(default=0.9, gt=0, le=2)
    salary_only_conversion: float = Field(default=0.95, gt=0, le=2)
    pay_at_risk_gain: float = Field(default=0.3, ge=0, le=2)
    push_from: Share = 0.8
    push_speed: float = Field(default=1.15, gt=0, le=3)
    relax_speed: float = Field(default=0.85, gt=0, le=3)
    team_sharing: bool = True


class Role(_Frozen):
    """People who do steps: hunters, closers, warehouse, farmers, ..."""

    name: Name
    label: Label | None = None  # the team, as people call it: "Hunters"
    headcount: int = Field(ge=0, le=10_000, strict=True)
    salary_per_month: float = Field(default=0.0, ge=0)
    speed: Dist = Field(default_factory=lambda: Fixed(value=1.0))
    conversion_skill: Dist = Field(default_factory=lambda: Fixed(value=1.0))
    calendar: RoleCalendarSpec | None = None
    ramp_up: RampUp | None = None
    attrition_per_month: float = Field(default=0.0, ge=0, lt=1)
    replacement_lag_days: float | None = Field(default=None, ge=0)
    headcount_changes: tuple[HeadcountChange, ...] = ()
    pay: PayScheme | None = None
    behaviour: Behaviour | None = None


class Step(_Frozen):
    """One step of a stage: staff work, then the client's reply, then a conversion decision."""

    name: Name
    label: Label | None = None
    role: Name | None = None
    effort_hours: Dist = Field(default_factory=lambda: Fixed(value=0.0))
    client_delay_days: Dist = Field(default_factory=lambda: Fixed(value=0.0))
    conversion: ShareBySegment = 1.0
    loss_reasons: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=lambda: {"not_converted": 1.0}
    )
    sla_days: float | None = Field(default=None, gt=0)
    segments: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    wins: bool = False
    late_penalty: Share = 0.0
    # cooling while queued at this step: the stage's half-life unless overridden here, or
    # switched off (after a signed contract an invoice does not go cold like a request)
    cools: bool = True
    cooling_half_life_days: float | None = Field(default=None, gt=0)

    def conversion_for(self, segment: str) -> float:
        if isinstance(self.conversion, dict):
            return self.conversion[segment]
        return self.conversion


class Stage(_Frozen):
    """A stage of the pipeline: who takes a lead on entry, how queues are served, cooling."""

    name: Name
    label: Label | None = None
    assignment: Literal["pooled", "owned"] = "pooled"
    owner_rule: Literal["round_robin", "least_loaded"] = "round_robin"
    queue: Literal["fifo", "priority"] = "fifo"
    cooling_half_life_days: float | None = Field(default=None, gt=0)
    ships: bool = False  # finishing this stage ships the order (revenue is recognised then)
    steps: tuple[Step, ...] = Field(min_length=1)

    def half_life_of(self, step: Step) -> float | None:
        """The cooling half-life of a lead queued at ``step`` (None: it does not cool)."""
        if not step.cools:
            return None
        return step.cooling_half_life_days or self.cooling_half_life_days


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


class KeyAccounts(_Frozen):
    """Clients whose revenue passes a threshold move to a key-account manager."""

    role: Name
    revenue_threshold: float = Field(gt=0)
    churn_factor: float = Field(default=0.5, ge=0)
    upsell_factor: float = Field(default=2.0, ge=0)


class ClientBase(_Frozen):
    """Life after the first deal: the client is owned by an account manager (farmer), places
    repeat orders, can be upsold and can churn."""

    owner_role: Name
    repeat_orders_per_month: RateBySegment = 0.0
    repeat_order_share: float = Field(default=0.5, gt=0, le=100)
    upsell_per_month: Rate = 0.0
    upsell_share: float = Field(default=0.3, gt=0, le=100)
    order_handling_hours: Dist = Field(default_factory=lambda: Fixed(value=1.0))
    order_stages: tuple[Name, ...] = ()
    clients_per_owner: int = Field(default=50, ge=1, le=100_000)
    churn_per_month: HazardBySegment = 0.0
    late_delivery_churn_factor: float = Field(default=2.0, ge=1)
    answer_within_days: float = Field(default=2.0, gt=0)
    unanswered_churn_factor: float = Field(default=1.5, ge=1)
    owner_left_churn_factor: float = Field(default=1.5, ge=1)
    memory_days: float = Field(default=90.0, gt=0)
    key_accounts: KeyAccounts | None = None
    # clients the department already has on day 0, per segment: a running department
    initial: dict[str, Annotated[int, Field(ge=0, le=100_000, strict=True)]] = Field(
        default_factory=dict)


class Payment(_Frozen):
    """Invoices are paid after a delay; past ``terms_days`` they are overdue."""

    terms_days: float = Field(default=10.0, ge=0)
    delay_days: DistBySegment
    first_deals: bool = True  # false when the pipeline's own "money" step is the payment


class Handoff(_Frozen):
    """What passing a lead from one role to the next costs in a conveyor."""

    delay_days: Dist = Field(default_factory=lambda: Fixed(value=0.0))
    loss: Share = 0.0


class FullCycle(_Frozen):
    """One manager role does the work of several conveyor roles, from first call to client."""

    role: Name
    replaces: tuple[Name, ...] = Field(min_length=1)


class Pod(_Frozen):
    """A team dedicated to some segments: its own people of the roles it names."""

    name: Name
    segments: tuple[Name, ...] = Field(min_length=1)
    headcount: dict[Name, Annotated[int, Field(ge=0, le=10_000, strict=True)]] = Field(
        min_length=1)


class Organisation(_Frozen):
    """How the department is structured: one switch, same leads, same random numbers."""

    structure: Literal["conveyor", "full_cycle", "pods"] = "conveyor"
    handoff: Handoff | None = None
    full_cycle: FullCycle | None = None
    pods: tuple[Pod, ...] = ()

    def pod_of(self, role: str, segment: str) -> str | None:
        """The pod whose people of ``role`` serve ``segment`` (None: the role is not split)."""
        if self.structure != "pods":
            return None
        for pod in self.pods:
            if role in pod.headcount and segment in pod.segments:
                return pod.name
        return None


class SalesPlan(_Frozen):
    """The top-down revenue plan: an amount per calendar month, carried by one role's people."""

    monthly_revenue: float = Field(gt=0)
    by_month: dict[Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
                   Annotated[float, Field(ge=0)]] | None = None
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


class Scenario(_Frozen):
    """A whole department: calendar, channels, roles and the staged pipeline."""

    name: Name
    description: str = ""
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    currency: str = "RUB"
    locale: Literal["en", "ru"] = "en"  # how numbers are written for a person to read
    horizon_days: float = Field(gt=0, le=3660)
    warmup_days: float = Field(default=0.0, ge=0)
    calendar: CalendarSpec = Field(default_factory=CalendarSpec)
    segments: tuple[Name, ...] = Field(default=("default",), min_length=1)
    segment_labels: dict[str, Label] = Field(default_factory=dict)
    loss_reason_labels: dict[str, Label] = Field(default_factory=dict)
    channels: tuple[Channel, ...] = Field(min_length=1)
    roles: tuple[Role, ...] = ()
    stages: tuple[Stage, ...] = Field(min_length=1)
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
                f"the document must be a mapping of scenario fields, got {_kind(data)}",
                source=source, line=marks.get((), 1),
            )
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise _from_pydantic(exc, data, source, marks) from None
        problem = _cross_check(scenario)
        if problem is not None:
            path, message = problem
            raise ScenarioError(message, source=source, line=_line_for(path, marks),
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

    def organised(self) -> Scenario:
        """The scenario as the engine runs it under its org structure.

        ``full_cycle``: the replaced roles' steps (and clients, plan, pay) go to the full-cycle
        role, whose stages become owned; the replaced roles are gone. ``conveyor``: as written,
        without the full-cycle role (its people exist only in the other structure).
        """
        if self.org.structure == "pods":  # a split role's headcount is its pods' total
            split: dict[str, int] = {}
            for pod in self.org.pods:
                for role, count in pod.headcount.items():
                    split[role] = split.get(role, 0) + count
            return self.model_copy(update={"roles": tuple(
                r.model_copy(update={"headcount": split[r.name]}) if r.name in split else r
                for r in self.roles if self.org.full_cycle is None
                or r.name != self.org.full_cycle.role)})
        cycle = self.org.full_cycle
        if cycle is None:
            return self
        if self.org.structure == "conveyor":  # the full-cycle managers are not hired
            used = {st.role for stage in self.stages for st in stage.steps}
            if cycle.role in used:
                return self
            return self.model_copy(update={
                "roles": tuple(r for r in self.roles if r.name != cycle.role)})
        gone = set(cycle.replaces)

        def swap(role: str | None) -> str | None:
            return cycle.role if role in gone else role

        stages = []
        for stage in self.stages:
            steps = tuple(st.model_copy(update={"role": swap(st.role)}) for st in stage.steps)
            owned = any(st.role == cycle.role for st in steps)
            stages.append(stage.model_copy(update={
                "steps": steps, "assignment": "owned" if owned else stage.assignment}))
        update: dict[str, Any] = {
            "stages": tuple(stages),
            "roles": tuple(r for r in self.roles if r.name not in gone),
        }
        if self.clients is not None:
            update["clients"] = self.clients.model_copy(
                update={"owner_role": swap(self.clients.owner_role)})
        if self.plan is not None:
            update["plan"] = self.plan.model_copy(update={"role": swap(self.plan.role)})
        return self.model_copy(update=update)

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


# -- checks across fields ------------------------------------------------------------------------


def _cross_check(s: Scenario) -> tuple[Path, str] | None:
    """The first problem that a field-by-field check cannot see, as (path, message)."""
    seg_names = set(s.segments)
    role_names = [r.name for r in s.roles]
    checks: list[tuple[Path, str] | None] = [
        _unique(("segments",), list(s.segments), "segment"),
        _unique(("channels",), [c.name for c in s.channels], "channel", key="name"),
        _unique(("roles",), role_names, "role", key="name"),
        _unique(("stages",), [st.name for st in s.stages], "stage", key="name"),
    ]
    if s.warmup_days >= s.horizon_days:
        checks.append((("warmup_days",),
                       f"must be shorter than horizon_days ({s.horizon_days:g}), got "
                       f"{s.warmup_days:g}"))
    for ci, ch in enumerate(s.channels):
        base: Path = ("channels", ci)
        mix = s.segment_mix(ch)
        if ch.segment_mix is None and len(s.segments) > 1:
            checks.append((base, f"needs segment_mix: the scenario has segments "
                                 f"{_names(s.segments)}"))
        checks.append(_known_keys((*base, "segment_mix"), mix, seg_names, "segment"))
        checks.append(_sums_to_one((*base, "segment_mix"), mix))
        if isinstance(ch.deal_size, dict):
            checks.append(_known_keys((*base, "deal_size"), ch.deal_size, seg_names, "segment"))
            missing = [seg for seg in mix if seg not in ch.deal_size]
            if missing:
                checks.append(((*base, "deal_size"),
                               f"has no deal size for segment(s) {_names(missing)} of the mix"))
    if isinstance(s.gross_margin, dict):
        checks.append(_known_keys(("gross_margin",), s.gross_margin, seg_names, "segment"))
        missing = [seg for seg in s.segments if seg not in s.gross_margin]
        if missing:
            checks.append((("gross_margin",), f"has no margin for segment(s) {_names(missing)}"))
    step_names = {sp.name for st in s.stages for sp in st.steps}
    for ri, role in enumerate(s.roles):
        if role.speed.can_be_zero:
            checks.append((("roles", ri, "speed"),
                           "a speed multiplier must be above 0 for everyone (1 = normal speed)"))
        if role.pay is not None:
            if role.pay.needs_plan and (s.plan is None or s.plan.role != role.name):
                checks.append((("roles", ri, "pay"),
                               "plan_bonus, accelerator and team_bonus need a plan carried by "
                               f"this role (plan: {{role: {role.name}, ...}})"))
            checks.append(_known_keys(("roles", ri, "pay", "kpi_bonus"), role.pay.kpi_bonus,
                                      step_names, "step"))
        days = [c.day for c in role.headcount_changes]
        if days != sorted(days) or len(set(days)) != len(days):
            checks.append((("roles", ri, "headcount_changes"),
                           "changes must be in increasing order of day, one per day"))
    checks.extend(_check_clients(s, role_names))
    channel_names = {c.name for c in s.channels}
    cycle = s.org.full_cycle
    if s.org.structure == "full_cycle" and cycle is None:
        checks.append((("org", "full_cycle"), "structure full_cycle needs full_cycle: "
                                              "{role: ..., replaces: [...]}"))
    if s.org.structure == "pods" and not s.org.pods:
        checks.append((("org", "pods"), "structure pods needs at least one pod: "
                                        "{name, segments, headcount: {role: n}}"))
    served: dict[str, str] = {}
    for pi, pod in enumerate(s.org.pods):
        for pod_role in pod.headcount:
            if pod_role not in role_names:
                checks.append((("org", "pods", pi, "headcount", pod_role),
                               f"unknown role '{pod_role}'; allowed: {_names(role_names)}"))
        for si, seg in enumerate(pod.segments):
            if seg not in seg_names:
                checks.append((("org", "pods", pi, "segments", si),
                               f"unknown segment '{seg}'; allowed: {_names(sorted(seg_names))}"))
            elif seg in served:
                checks.append((("org", "pods", pi, "segments", si),
                               f"segment '{seg}' is already served by pod '{served[seg]}'"))
            served[seg] = pod.name
    if s.org.pods:
        unserved = [seg for seg in s.segments if seg not in served]
        if unserved:
            checks.append((("org", "pods"), f"no pod serves segment(s) {_names(unserved)}"))
        checks.append(_unique(("org", "pods"), [p.name for p in s.org.pods], "pod", key="name"))
    if cycle is not None:
        if cycle.role not in role_names:
            checks.append((("org", "full_cycle", "role"),
                           f"unknown role '{cycle.role}'; allowed: {_names(role_names)}"))
        for i, name in enumerate(cycle.replaces):
            if name not in role_names or name == cycle.role:
                checks.append((("org", "full_cycle", "replaces", i),
                               f"'{name}' must be one of the other roles: "
                               f"{_names([r for r in role_names if r != cycle.role])}"))
    if s.payment is not None and isinstance(s.payment.delay_days, dict):
        checks.append(_known_keys(("payment", "delay_days"), s.payment.delay_days, seg_names,
                                  "segment"))
        missing = [seg for seg in s.segments if seg not in s.payment.delay_days]
        if missing:
            checks.append((("payment", "delay_days"),
                           f"has no delay for segment(s) {_names(missing)}"))
    if s.plan is not None and s.plan.role not in role_names:
        checks.append((("plan", "role"), f"unknown role '{s.plan.role}'; allowed: "
                                         f"{_names(role_names)}"))
    win = s.win_step()
    shipping = [si for si, st in enumerate(s.stages) if st.ships]
    if len(shipping) > 1:
        checks.append((("stages", shipping[1], "ships"), "only one stage can ship the order"))
    if shipping and shipping[0] <= win[0]:
        checks.append((("stages", shipping[0], "ships"),
                       "the stage that ships must come after the stage of the winning step"))
    for si, stage in enumerate(s.stages):
        checks.append(_unique(("stages", si, "steps"), [st.name for st in stage.steps], "step",
                              key="name"))
        for ki, step in enumerate(stage.steps):
            base = ("stages", si, "steps", ki)
            if step.role is not None and step.role not in role_names:
                checks.append(((*base, "role"),
                               f"unknown role '{step.role}'; allowed: {_names(role_names)} "
                               f"or null for a pure client wait"))
            if isinstance(step.conversion, dict):
                checks.append(_known_keys((*base, "conversion"), step.conversion, seg_names,
                                          "segment"))
                missing = [seg for seg in s.segments if seg not in step.conversion]
                if missing:
                    checks.append(((*base, "conversion"),
                                   f"has no conversion for segment(s) {_names(missing)}; give "
                                   f"every segment or one number for all"))
            for i, name in enumerate(step.channels or ()):
                if name not in channel_names:
                    checks.append(((*base, "channels", i), f"unknown channel '{name}'; allowed: "
                                                            f"{_names(sorted(channel_names))}"))
            for i, seg in enumerate(step.segments or ()):
                if seg not in seg_names:
                    checks.append(((*base, "segments", i), f"unknown segment '{seg}'; allowed: "
                                                            f"{_names(sorted(seg_names))}"))
            checks.append(_sums_to_one((*base, "loss_reasons"), step.loss_reasons))
            for reserved in RESERVED_REASONS:
                if reserved in step.loss_reasons:
                    checks.append(((*base, "loss_reasons", reserved),
                                   f"'{reserved}' is reserved: the engine gives this reason "
                                   f"itself; choose another name"))
            if (si, ki) > win and step.conversion != 1.0:
                checks.append(((*base, "conversion"),
                               "steps after the winning step are after-sale work and cannot "
                               "lose the deal; conversion must be 1"))
            if step.late_penalty and step.sla_days is None:
                checks.append(((*base, "late_penalty"),
                               "a late-delivery penalty needs the promised time: set sla_days"))
            if step.wins and (si, ki) != win:
                checks.append(((*base, "wins"), "only one step can win the deal"))
            if stage.assignment == "owned" and step.role is None and len(stage.steps) == 1:
                checks.append((("stages", si, "assignment"),
                               "an owned stage needs at least one step with a role"))
    checks.append(_known_keys(("segment_labels",), s.segment_labels, seg_names, "segment"))
    checks.append(_known_keys(("loss_reason_labels",), s.loss_reason_labels,
                              set(s.loss_reasons()), "loss reason"))
    return next((c for c in checks if c is not None), None)


def _check_clients(s: Scenario, role_names: list[str]) -> list[tuple[Path, str] | None]:
    c = s.clients
    if c is None:
        return []
    checks: list[tuple[Path, str] | None] = []
    allowed_roles = _names(role_names)
    if c.owner_role not in role_names:
        checks.append((("clients", "owner_role"),
                       f"unknown role '{c.owner_role}'; allowed: {allowed_roles}"))
    if c.key_accounts is not None and c.key_accounts.role not in role_names:
        checks.append((("clients", "key_accounts", "role"),
                       f"unknown role '{c.key_accounts.role}'; allowed: {allowed_roles}"))
    stage_names = [st.name for st in s.stages]
    win_stage = s.win_step()[0]
    for i, name in enumerate(c.order_stages):
        if name not in stage_names:
            checks.append((("clients", "order_stages", i),
                           f"unknown stage '{name}'; allowed: {_names(stage_names)}"))
        elif stage_names.index(name) <= win_stage:
            checks.append((("clients", "order_stages", i),
                           f"'{name}' comes before the winning step; a repeat order goes "
                           f"through after-sale stages only"))
    checks.append(_known_keys(("clients", "initial"), c.initial, set(s.segments), "segment"))
    for field_name in ("repeat_orders_per_month", "churn_per_month"):
        value = getattr(c, field_name)
        if isinstance(value, dict):
            seg_names = set(s.segments)
            checks.append(_known_keys(("clients", field_name), value, seg_names, "segment"))
            missing = [seg for seg in s.segments if seg not in value]
            if missing:
                checks.append((("clients", field_name),
                               f"has no value for segment(s) {_names(missing)}"))
    return checks


def _unique(path: Path, names: Sequence[str], what: str, key: str | None = None
            ) -> tuple[Path, str] | None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            where = (*path, i, key) if key else (*path, i)
            return where, f"duplicate {what} name '{name}'; {what} names must be unique"
        seen.add(name)
    return None


def _known_keys(path: Path, mapping: Mapping[str, Any], allowed: set[str], what: str
                ) -> tuple[Path, str] | None:
    for key in mapping:
        if key not in allowed:
            return (*path, key), f"unknown {what} '{key}'; allowed: {_names(sorted(allowed))}"
    return None


def _sums_to_one(path: Path, shares: Mapping[str, float]) -> tuple[Path, str] | None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        return path, f"shares must sum to 1, they sum to {total:g}"
    return None


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "(none defined)"


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "an empty document"}.get(
        type(value), type(value).__name__)


# -- pydantic errors → one line -------------------------------------------------------------------


def format_path(path: Path) -> str:
    """('stages', 2, 'steps', 0, 'role') → 'stages[2].steps[0].role'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(path: Path, marks: LineMarks) -> int | None:
    for n in range(len(path), -1, -1):
        if path[:n] in marks:
            return marks[path[:n]]
    return None


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Keep the parts of a pydantic location that exist in the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in _plain_loc(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif part in ("one", "by_segment") or (
                isinstance(node, dict) and part in _UNION_TAGS and node.get("dist") == part):
            continue  # a union member's name, not a key: stay on this node
        elif isinstance(node, dict | list):
            # a missing or unknown key: name it, then stop walking
            if isinstance(part, str) and part not in _UNION_TAGS:
                path.append(part)
            node = None
    return tuple(path)


def _from_pydantic(exc: ValidationError, data: Any, source: str, marks: LineMarks
                   ) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    path = _data_path(loc, data)
    kind = err["type"]
    if kind == "union_tag_invalid":
        path = (*path, "dist")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(Scenario, loc[:-1])
        message = f"unknown key '{loc[-1]}'; allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = f"missing required field '{loc[-1]}'"
    else:
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        given = err.get("input")
        if kind != "union_tag_invalid" and "(got " not in message \
                and isinstance(given, str | int | float | bool):
            shown = repr(given)
            message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return ScenarioError(message, source=source, line=_line_for(path, marks),
                         path=format_path(path))


def _allowed_keys(model: Any, loc: tuple[int | str, ...]) -> list[str]:
    """The keys a mapping at ``loc`` (relative to ``model``) may hold, by walking the types."""
    annotation: Any = model
    for part in _plain_loc(loc):
        annotation = _step_into(annotation, part)
        if annotation is None:
            return []
    model_cls = _as_model(annotation, None)
    if model_cls is None:
        return []
    return [f.alias or name for name, f in model_cls.model_fields.items()]


def _plain_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop pydantic's names of union members and validators ('function-before[...]')."""
    return tuple(p for p in loc if not (isinstance(p, str) and "[" in p))


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any, tag: str | int | None) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [_unwrap(a) for a in typing.get_args(annotation)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for m in models:
            dist = m.model_fields.get("dist")
            if tag is not None and dist is not None and dist.default == tag:
                return m
        return models[0] if len(models) == 1 else None
    return None


def _step_into(annotation: Any, part: int | str) -> Any:
    annotation = _unwrap(annotation)
    model = _as_model(annotation, None)
    if model is not None:
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        return None if field is None else field.annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        if isinstance(part, str) and part in _UNION_TAGS:
            return _as_model(annotation, part)
        for member in typing.get_args(annotation):
            inner = _step_into(member, part)
            if inner is not None:
                return inner
        return None
    if origin in (tuple, list):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


_UNION_TAGS = frozenset({"one", "by_segment", "fixed", "exponential", "lognormal", "triangular",
                         "uniform", "empirical"})
