"""Checks across fields, which a field-by-field validation cannot see (pure).

Each check yields the problems of one part of a scenario as ``(path, message)``; a scenario is
refused with the first problem of the first check, in the order of :data:`CHECKS`: an unknown
role in a step, shares not summing to 1, duplicate names, ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from salesim.simulator.scenario.errors import Path
from salesim.simulator.scenario.reasons import RESERVED_REASONS

if TYPE_CHECKING:
    from salesim.simulator.scenario.roles import Role
    from salesim.simulator.scenario.schema import Scenario, Stage, Step

Problem = tuple[Path, str]
Problems = Iterator[Problem]
SHARE_TOLERANCE = 1e-6


def first_problem(s: Scenario) -> Problem | None:
    """The first problem of the scenario, or None when its fields agree with each other."""
    return next((problem for check in CHECKS for problem in check(s)), None)


# -- the checks, in the order a scenario is checked ------------------------------------------------


def unique_names(s: Scenario) -> Problems:
    yield from unique(("segments",), list(s.segments), "segment")
    yield from unique(("channels",), [c.name for c in s.channels], "channel", key="name")
    yield from unique(("roles",), role_names(s), "role", key="name")
    yield from unique(("stages",), [st.name for st in s.stages], "stage", key="name")


def warmup_before_horizon(s: Scenario) -> Problems:
    if s.warmup_days >= s.horizon_days:
        yield (("warmup_days",), f"must be shorter than horizon_days ({s.horizon_days:g}), got "
                                 f"{s.warmup_days:g}")


def channels_fit_segments(s: Scenario) -> Problems:
    seg_names = set(s.segments)
    for ci, ch in enumerate(s.channels):
        base: Path = ("channels", ci)
        mix = s.segment_mix(ch)
        if ch.segment_mix is None and len(s.segments) > 1:
            yield base, f"needs segment_mix: the scenario has segments {names(s.segments)}"
        yield from known_keys((*base, "segment_mix"), mix, seg_names, "segment")
        yield from sums_to_one((*base, "segment_mix"), mix)
        if isinstance(ch.deal_size, dict):
            yield from known_keys((*base, "deal_size"), ch.deal_size, seg_names, "segment")
            missing = [seg for seg in mix if seg not in ch.deal_size]
            if missing:
                yield ((*base, "deal_size"),
                       f"has no deal size for segment(s) {names(missing)} of the mix")


def margin_per_segment(s: Scenario) -> Problems:
    if isinstance(s.gross_margin, dict):
        yield from every_segment(s, ("gross_margin",), s.gross_margin, "has no margin")


def roles_are_workable(s: Scenario) -> Problems:
    step_names = {sp.name for st in s.stages for sp in st.steps}
    for ri, role in enumerate(s.roles):
        yield from _role(s, ri, role, step_names)


def _role(s: Scenario, ri: int, role: Role, step_names: set[str]) -> Problems:
    if role.speed.can_be_zero:
        yield (("roles", ri, "speed"),
               "a speed multiplier must be above 0 for everyone (1 = normal speed)")
    if role.pay is not None:
        if role.pay.needs_plan and (s.plan is None or s.plan.role != role.name):
            yield (("roles", ri, "pay"), "plan_bonus, accelerator and team_bonus need a plan "
                                         f"carried by this role (plan: {{role: {role.name}, ...}})")
        yield from known_keys(("roles", ri, "pay", "kpi_bonus"), role.pay.kpi_bonus, step_names,
                              "step")
    days = [c.day for c in role.headcount_changes]
    if days != sorted(days) or len(set(days)) != len(days):
        yield (("roles", ri, "headcount_changes"),
               "changes must be in increasing order of day, one per day")


def client_base_fits(s: Scenario) -> Problems:
    c = s.clients
    if c is None:
        return
    roles = role_names(s)
    if c.owner_role not in roles:
        yield (("clients", "owner_role"), unknown_role(c.owner_role, roles))
    if c.key_accounts is not None and c.key_accounts.role not in roles:
        yield (("clients", "key_accounts", "role"), unknown_role(c.key_accounts.role, roles))
    stage_names = [st.name for st in s.stages]
    win_stage = s.win_step()[0]
    for i, name in enumerate(c.order_stages):
        if name not in stage_names:
            yield (("clients", "order_stages", i),
                   f"unknown stage '{name}'; allowed: {names(stage_names)}")
        elif stage_names.index(name) <= win_stage:
            yield (("clients", "order_stages", i),
                   f"'{name}' comes before the winning step; a repeat order goes "
                   f"through after-sale stages only")
    yield from known_keys(("clients", "initial"), c.initial, set(s.segments), "segment")
    for field_name in ("repeat_orders_per_month", "churn_per_month"):
        value = getattr(c, field_name)
        if isinstance(value, dict):
            yield from every_segment(s, ("clients", field_name), value, "has no value")


def structure_is_complete(s: Scenario) -> Problems:
    if s.org.structure == "full_cycle" and s.org.full_cycle is None:
        yield (("org", "full_cycle"), "structure full_cycle needs full_cycle: "
                                      "{role: ..., replaces: [...]}")
    if s.org.structure == "pods" and not s.org.pods:
        yield (("org", "pods"), "structure pods needs at least one pod: "
                                "{name, segments, headcount: {role: n}}")


def pods_serve_each_segment_once(s: Scenario) -> Problems:
    roles, seg_names = role_names(s), set(s.segments)
    served: dict[str, str] = {}
    for pi, pod in enumerate(s.org.pods):
        for pod_role in pod.headcount:
            if pod_role not in roles:
                yield (("org", "pods", pi, "headcount", pod_role), unknown_role(pod_role, roles))
        for si, seg in enumerate(pod.segments):
            if seg not in seg_names:
                yield (("org", "pods", pi, "segments", si),
                       f"unknown segment '{seg}'; allowed: {names(sorted(seg_names))}")
            elif seg in served:
                yield (("org", "pods", pi, "segments", si),
                       f"segment '{seg}' is already served by pod '{served[seg]}'")
            served[seg] = pod.name
    if s.org.pods:
        unserved = [seg for seg in s.segments if seg not in served]
        if unserved:
            yield (("org", "pods"), f"no pod serves segment(s) {names(unserved)}")
        yield from unique(("org", "pods"), [p.name for p in s.org.pods], "pod", key="name")


def full_cycle_roles_exist(s: Scenario) -> Problems:
    cycle, roles = s.org.full_cycle, role_names(s)
    if cycle is None:
        return
    if cycle.role not in roles:
        yield (("org", "full_cycle", "role"), unknown_role(cycle.role, roles))
    for i, name in enumerate(cycle.replaces):
        if name not in roles or name == cycle.role:
            yield (("org", "full_cycle", "replaces", i),
                   f"'{name}' must be one of the other roles: "
                   f"{names([r for r in roles if r != cycle.role])}")


def payment_per_segment(s: Scenario) -> Problems:
    if s.payment is not None and isinstance(s.payment.delay_days, dict):
        yield from every_segment(s, ("payment", "delay_days"), s.payment.delay_days,
                                 "has no delay")


def plan_role_exists(s: Scenario) -> Problems:
    roles = role_names(s)
    if s.plan is not None and s.plan.role not in roles:
        yield (("plan", "role"), unknown_role(s.plan.role, roles))


def one_shipping_stage_after_win(s: Scenario) -> Problems:
    shipping = [si for si, st in enumerate(s.stages) if st.ships]
    if len(shipping) > 1:
        yield (("stages", shipping[1], "ships"), "only one stage can ship the order")
    if shipping and shipping[0] <= s.win_step()[0]:
        yield (("stages", shipping[0], "ships"),
               "the stage that ships must come after the stage of the winning step")


def stages_are_consistent(s: Scenario) -> Problems:
    for si, stage in enumerate(s.stages):
        yield from unique(("stages", si, "steps"), [st.name for st in stage.steps], "step",
                          key="name")
        for ki, step in enumerate(stage.steps):
            yield from step_names_what_exists(s, ("stages", si, "steps", ki), step)
            yield from step_fits_its_place(s, si, ki, stage, step)


def step_names_what_exists(s: Scenario, base: Path, step: Step) -> Problems:
    """The roles, segments, channels and loss reasons a step names."""
    roles, seg_names = role_names(s), set(s.segments)
    channel_names = {c.name for c in s.channels}
    if step.role is not None and step.role not in roles:
        yield ((*base, "role"), f"unknown role '{step.role}'; allowed: {names(roles)} "
                                f"or null for a pure client wait")
    if isinstance(step.conversion, dict):
        yield from known_keys((*base, "conversion"), step.conversion, seg_names, "segment")
        missing = [seg for seg in s.segments if seg not in step.conversion]
        if missing:
            yield ((*base, "conversion"), f"has no conversion for segment(s) {names(missing)}; "
                                          f"give every segment or one number for all")
    for i, name in enumerate(step.channels or ()):
        if name not in channel_names:
            yield ((*base, "channels", i),
                   f"unknown channel '{name}'; allowed: {names(sorted(channel_names))}")
    for i, seg in enumerate(step.segments or ()):
        if seg not in seg_names:
            yield ((*base, "segments", i),
                   f"unknown segment '{seg}'; allowed: {names(sorted(seg_names))}")
    yield from sums_to_one((*base, "loss_reasons"), step.loss_reasons)
    for reserved in RESERVED_REASONS:
        if reserved in step.loss_reasons:
            yield ((*base, "loss_reasons", reserved),
                   f"'{reserved}' is reserved: the engine gives this reason itself; choose "
                   f"another name")


def step_fits_its_place(s: Scenario, si: int, ki: int, stage: Stage, step: Step) -> Problems:
    """What a step may be where it stands: after the win, with a penalty, in an owned stage."""
    base: Path = ("stages", si, "steps", ki)
    win = s.win_step()
    if (si, ki) > win and step.conversion != 1.0:
        yield ((*base, "conversion"), "steps after the winning step are after-sale work and "
                                      "cannot lose the deal; conversion must be 1")
    if step.late_penalty and step.sla_days is None:
        yield ((*base, "late_penalty"),
               "a late-delivery penalty needs the promised time: set sla_days")
    if step.wins and (si, ki) != win:
        yield ((*base, "wins"), "only one step can win the deal")
    if stage.assignment == "owned" and step.role is None and len(stage.steps) == 1:
        yield (("stages", si, "assignment"), "an owned stage needs at least one step with a role")


def labels_name_what_exists(s: Scenario) -> Problems:
    yield from known_keys(("segment_labels",), s.segment_labels, set(s.segments), "segment")
    yield from known_keys(("loss_reason_labels",), s.loss_reason_labels, set(s.loss_reasons()),
                          "loss reason")


CHECKS: tuple[Callable[[Scenario], Problems], ...] = (
    unique_names, warmup_before_horizon, channels_fit_segments, margin_per_segment,
    roles_are_workable, client_base_fits, structure_is_complete, pods_serve_each_segment_once,
    full_cycle_roles_exist, payment_per_segment, plan_role_exists, one_shipping_stage_after_win,
    stages_are_consistent, labels_name_what_exists,
)


# -- the pieces the checks are made of ------------------------------------------------------------


def unique(path: Path, values: Sequence[str], what: str, key: str | None = None) -> Problems:
    """The first repeated name, pointing at its second occurrence."""
    seen: set[str] = set()
    for i, name in enumerate(values):
        if name in seen:
            where = (*path, i, key) if key else (*path, i)
            yield where, f"duplicate {what} name '{name}'; {what} names must be unique"
            return
        seen.add(name)


def known_keys(path: Path, mapping: Mapping[str, Any], allowed: set[str], what: str) -> Problems:
    """The first key of ``mapping`` that is not among ``allowed``."""
    for key in mapping:
        if key not in allowed:
            yield (*path, key), f"unknown {what} '{key}'; allowed: {names(sorted(allowed))}"
            return


def every_segment(s: Scenario, path: Path, by_segment: Mapping[str, Any], lacks: str) -> Problems:
    """A mapping per segment names only the scenario's segments, and all of them."""
    yield from known_keys(path, by_segment, set(s.segments), "segment")
    missing = [seg for seg in s.segments if seg not in by_segment]
    if missing:
        yield path, f"{lacks} for segment(s) {names(missing)}"


def sums_to_one(path: Path, shares: Mapping[str, float]) -> Problems:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        yield path, f"shares must sum to 1, they sum to {total:g}"


def role_names(s: Scenario) -> list[str]:
    return [r.name for r in s.roles]


def unknown_role(name: str, roles: Sequence[str]) -> str:
    return f"unknown role '{name}'; allowed: {names(roles)}"


def names(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "(none defined)"
