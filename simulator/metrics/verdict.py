"""The bottleneck verdict in a head of sales' words, built from its evidence (pure).

:func:`bottleneck_text` is the one place that writes the sentence: the metrics of a run, the
summary over replications (with the means of the agreeing replications), the CLI and the reports
all call it, each with the evidence they hold, the scenario's labels and the reader's locale.
It only words a verdict; which stage and role are the bottleneck is decided elsewhere
(:func:`metrics.bottleneck.bottleneck`, a typed :class:`~metrics.bottleneck.Bottleneck`), so it
can be called with any stage and role; :func:`run_verdict` words one run's.

The evidence keys it reads (missing ones are left out of the sentence):

* capacity: ``utilization``, ``wait_days_mean``, ``wait_work_hours_mean``, ``wait_share``,
  ``queue_mean``, ``lost_cooled``, ``queue_trend_per_30d``;
* conversion: ``conversion``, ``max_utilization``, ``max_utilization_role``,
  ``wait_work_hours_mean``;
* ``watch``: a list of ``{stage, role, queue_last_quarter, queue_before}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from salesim.simulator.metrics.bottleneck import Bottleneck
from salesim.simulator.metrics.stability import Stability
from salesim.simulator.numbers import NumberFormat, finite, number_format
from salesim.simulator.scenario.labels import Labels
from salesim.simulator.scenario.schema import Scenario

__all__ = ["bottleneck_text", "run_verdict"]

# a queue that changes by less than this many leads a month is called stable
STABLE_TREND_PER_30D = 1.0


def run_verdict(bottleneck: Bottleneck, stability: Stability, scenario: Scenario) -> str:
    """One run's verdict: the screen's sentences, then the stability warning as its own
    sentence when a queue grows without bound ("Hunters cannot keep up: …")."""
    text = bottleneck_text(bottleneck, scenario)
    warning = stability.warning()
    return f"{text} {warning}" if warning else text


def bottleneck_text(bottleneck: Bottleneck | Mapping[str, Any], scenario: Scenario | None,
                    locale: str | None = None, *,
                    agreement: tuple[int, int] | None = None) -> str:
    """The verdict as sentences a head of sales reads.

    Args:
        bottleneck: A run's :class:`~metrics.bottleneck.Bottleneck`, or the ``stage``, ``role``,
            ``kind`` (``capacity``, ``conversion`` or ``none``), ``evidence`` and optionally
            ``watch`` that ``summary.json`` holds (means over replications).
        scenario: For the labels of stages and roles (``None``: names turned into words).
        locale: ``en`` or ``ru`` for the numbers (default: the scenario's).
        agreement: ``(agreeing, replications)`` when the evidence is the mean of the
            replications that reached this verdict.
    """
    locale = locale or (scenario.locale if scenario is not None else "en")
    fmt = number_format(locale, scenario.currency if scenario is not None else "RUB")
    labels = Labels(scenario, locale)
    if isinstance(bottleneck, Bottleneck):
        bottleneck = bottleneck.as_dict()
    ev = bottleneck.get("evidence") or {}
    kind = bottleneck.get("kind")
    if kind == "capacity":
        text = _capacity(fmt, labels, str(bottleneck.get("stage")), str(bottleneck.get("role")),
                         ev)
    elif kind == "conversion":
        text = _conversion(fmt, labels, str(bottleneck.get("stage")), ev)
    elif ev.get("no_decisions"):
        text = _no_decisions(fmt, labels, ev, scenario)
    else:
        text = "No stage has staff, so nothing can queue: there is no bottleneck to name."
    text += "".join(_watch(fmt, labels, w) for w in bottleneck.get("watch") or ())
    if agreement is not None:
        agreeing, total = agreement
        text += (f" ({agreeing} of {total} replications reached this verdict; the figures are "
                 f"their means.)")
    return text


def _capacity(fmt: NumberFormat, labels: Labels, stage: str, role: str,
              ev: Mapping[str, Any]) -> str:
    team = labels.role(role)
    parts = [f"{team} {is_or_are(team)} the bottleneck, in {labels.stage(stage)}"]
    busy = _get(ev, "utilization")
    wait = _get(ev, "wait_days_mean")
    clauses = []
    if busy is not None:
        clauses.append(f"the team is busy {fmt.pct(busy)} of its working time")
    else:  # no working time in the window: nobody on the team
        clauses.append("nobody works in the team in the measured window, so no lead that "
                       "reaches it is picked up")
        wait = None
    if wait is not None:
        hours = _get(ev, "wait_work_hours_mean")
        waited = f"a new lead waits {fmt.days(wait)} on average"
        if hours is not None:
            waited += f" ({fmt.number(hours, 1)} working hours)"
        waited += " before someone picks it up"
        share = _get(ev, "wait_share")
        if share is not None and share > 0:
            waited += f" — {fmt.pct(share)} of the time a lead spends in this stage"
        clauses.append(("so " if clauses else "") + waited)
    text = parts[0] + (": " + ", ".join(clauses) if clauses else "") + "."
    more = []
    queue = _get(ev, "queue_mean")
    if queue is not None:
        more.append(f"on an average day {_about(fmt, queue)} leads are waiting for the team")
    cooled = _get(ev, "lost_cooled")
    if cooled is not None:
        more.append(f"{_count(fmt, cooled, 'lead', 'leads')} went cold while waiting"
                    if round(cooled) else "no lead went cold while waiting")
    trend = _get(ev, "queue_trend_per_30d")
    if trend is not None:
        if trend > STABLE_TREND_PER_30D:
            more.append(f"the queue is growing by {fmt.number(trend, 1)} leads a month")
        elif trend < -STABLE_TREND_PER_30D:
            more.append(f"the queue is shrinking by {fmt.number(-trend, 1)} leads a month")
        else:
            more.append("the queue is neither growing nor shrinking")
    if more:
        text += " " + _sentence(_join(more))
    return text


def _conversion(fmt: NumberFormat, labels: Labels, stage: str, ev: Mapping[str, Any]) -> str:
    text = "No team holds the department back"
    busy, busiest = _get(ev, "max_utilization"), ev.get("max_utilization_role")
    clauses = []
    if busy is not None and busiest:
        clauses.append(f"the busiest team, {labels.role(busiest)}, is busy {fmt.pct(busy)} of "
                       f"its working time")
    hours = _get(ev, "wait_work_hours_mean")
    if hours is not None:
        clauses.append(f"a lead waits {fmt.number(hours, 1)} working hours on average at most "
                       f"before someone picks it up")
    if clauses:
        text += ": " + _join(clauses)
    text += ". Sales are limited by the number of leads and how many of them buy"
    conversion = _get(ev, "conversion")
    if conversion is not None:
        text += (f"; the biggest leak is {labels.stage(stage)}, which loses "
                 f"{fmt.pct(1 - conversion)} of the leads that reach a decision there")
    return text + "."


def _no_decisions(fmt: NumberFormat, labels: Labels, ev: Mapping[str, Any],
                  scenario: Scenario | None) -> str:
    """A run that decided no lead (:class:`~metrics.undecided.NoDecisions`): why."""
    arrived = round(_get(ev, "leads_arrived") or 0)
    days = _get(ev, "window_days") or 0.0
    window = ("less than an hour" if days < 1 / 24 else f"{fmt.number(days * 24, 1)} hours"
              if days < 1 else fmt.days(days))
    why = []
    for role in _names(ev.get("unstaffed_roles")):
        why.append(f"nobody works as {labels.role(role)} in the measured window"
                   f"{_unstaffed_cause(fmt, scenario, role)}, and a step needs them")
    for role in _names(ev.get("closed_roles")):
        why.append(f"the calendar of {labels.role(role)} has no working time in the measured "
                   f"window (every day is a day off or a holiday)")
    if not arrived:
        why.append(f"no lead arrived in the measured window of {window}")
    elif not why:
        why.append(f"the {_count(fmt, arrived, 'lead', 'leads')} that arrived are all still in "
                   f"progress: the measured window of {window} ends before any of them "
                   f"reaches a decision")
    return ("No leads were decided in this run: " + "; ".join(why)
            + ". There is no bottleneck to name.")


def _unstaffed_cause(fmt: NumberFormat, scenario: Scenario | None, name: str) -> str:
    role = next((r for r in scenario.roles if r.name == name), None) if scenario else None
    if role is None:
        return ""
    if role.headcount == 0 and not role.headcount_changes:
        return " (headcount 0)"
    if role.attrition_per_month > 0:
        return (f" (everyone left: attrition {fmt.pct(role.attrition_per_month, 1)} "
                f"a month)")
    return ""


def _names(value: Any) -> list[str]:
    return [n for n in str(value or "").split(", ") if n]


def _watch(fmt: NumberFormat, labels: Labels, w: Mapping[str, Any]) -> str:
    last, before = _get(w, "queue_last_quarter"), _get(w, "queue_before")
    text = (f" Keep an eye on {labels.stage(w.get('stage'))} ({labels.role(w.get('role'))}): "
            f"its queue is building up")
    if last is not None and before is not None:
        text += (f" — {fmt.number(last, 1)} leads waiting on average in the last quarter of the "
                 f"run, against {fmt.number(before, 1)} before")
    return text + "."


def _get(mapping: Mapping[str, Any], key: str) -> float | None:
    return finite(mapping.get(key))


def is_or_are(team: str) -> str:
    """``Hunters are``, ``Warehouse is``: a team label in the plural takes ``are``."""
    last = team.rstrip().split(" ")[-1].lower()
    return "are" if last.endswith("s") and not last.endswith("ss") else "is"


def _about(fmt: NumberFormat, value: float) -> str:
    return fmt.number(value, 0 if abs(value) >= 10 else 1)


def _count(fmt: NumberFormat, value: float, one: str, many: str) -> str:
    n = round(value)
    return f"{fmt.integer(n)} {one if n == 1 else many}"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def screen_verdict(bottleneck: dict[str, Any]) -> dict[str, Any]:
    """The queue screen's verdict in a ``summary.json`` bottleneck block: its stage, role and
    kind with the block's evidence (the screen's); the block itself when it was not confirmed."""
    screen = bottleneck.get("screen")
    if not screen:
        return bottleneck
    return {**bottleneck, "stage": screen.get("stage"), "role": screen.get("role"),
            "kind": screen.get("kind")}
