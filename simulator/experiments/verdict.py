"""The bottleneck verdict grounded in value: the queue screen, confirmed by a relief test.

The bottleneck is the constraint whose relief raises throughput. The queue screen
(:func:`metrics.measure.bottleneck`: the staffed stage with the most queued working hours) is
cheap but can point at the wrong place: a queue whose leads go cold is long, yet working it
faster may only push more leads into the stage that really limits the wins. So the leading
candidates of the screen are each given one more person, on the same replications of the same
seed as the scenario itself (common random numbers), and the confirmed bottleneck is the role
whose relief raises revenue a month most, with the paired 95% interval above zero. When no relief
helps measurably, the department is limited by lead flow and conversion.

:func:`decide` is pure (records in, :class:`Confirmation` out); :func:`confirm_bottleneck` runs
the relief variants on a :class:`~experiments.lab.Lab`. ``salesim run`` confirms the
screen's top candidates; ``salesim whatif`` applies :func:`decide` to its +1 levers of every
role, so with the same seed and replications both name the same role. See ``docs/model.md``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salesim.simulator.experiments.compare import bottleneck_summary
from salesim.simulator.experiments.lab import Lab
from salesim.simulator.experiments.records import RANKING_FIELD, Record
from salesim.simulator.experiments.stats import Estimate, number, paired_difference
from salesim.simulator.experiments.variants import Change, Variant, apply
from salesim.simulator.metrics.verdict import is_or_are
from salesim.simulator.scenario.labels import label_of
from salesim.simulator.scenario.schema import Scenario
from salesim.simulator.units import HIGH_UTILIZATION

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_REPLICATIONS",
    "Candidate",
    "Confirmation",
    "Relief",
    "Screen",
    "Sentences",
    "bottleneck_document",
    "confirm_bottleneck",
    "decide",
    "describe",
    "hire_variant",
    "screen_of",
]

DEFAULT_CANDIDATES = 3  # K: the screen's leading roles given a relief test
DEFAULT_REPLICATIONS = 5  # R_c: replications of the base and of each relief variant
RUN_METHOD = ("paired relief test: one more person in each of the queue screen's leading roles "
              "against the scenario, on common random numbers (replications 0..R-1 of its "
              "seed); significant = the 95% CI of the change in revenue a month is above zero")
WHATIF_METHOD = ("paired relief test over the what-if hire levers: one more person in every "
                 "working role against the scenario, on common random numbers; significant = "
                 "the 95% CI of the change in revenue a month is above zero")


@dataclass(frozen=True)
class Candidate:
    """A role the queue screen points at, with the stage where it is the main role."""

    role: str
    stage: str
    queued_work_hours: float
    utilization: float


@dataclass(frozen=True)
class Screen:
    """The queue screen over a set of replications: its verdict and its ranking of roles."""

    stage: str | None
    role: str | None
    kind: str
    verdict: str
    agreement: float
    candidates: tuple[Candidate, ...]  # every staffed stage's main role, most queued first
    leak_stage: str | None  # the stage losing the largest share of the leads it decides
    leak_role: str | None
    leak_conversion: float

    def shortlist(self, k: int) -> tuple[Candidate, ...]:
        """The roles to test: the queue leader, every role busy ``HIGH_UTILIZATION`` or more,
        then the next most queued, at most ``k`` in all."""
        if not self.candidates or k < 1:
            return ()
        busy = [c for c in self.candidates if c.utilization >= HIGH_UTILIZATION]
        out: list[Candidate] = []
        for c in (self.candidates[0], *busy, *self.candidates):
            if c not in out:
                out.append(c)
        return tuple(out[:k])

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "role": self.role, "kind": self.kind,
                "verdict": self.verdict, "agreement": number(self.agreement)}


def screen_of(records: Sequence[Record]) -> Screen:
    """The screen of a set of replications: the majority verdict, the mean queued working hours
    and utilisation per stage (a role that leads several stages keeps its most queued one)."""
    summary = bottleneck_summary(records)
    hours: dict[tuple[str, str], list[float]] = {}
    util: dict[tuple[str, str], list[float]] = {}
    for rec in records:
        for row in rec.get(RANKING_FIELD, []):
            key = (str(row["stage"]), str(row["role"]))
            hours.setdefault(key, []).append(float(row["queued_work_hours"]))
            util.setdefault(key, []).append(float(row["utilization"]))
    n = max(1, len(records))
    rows = sorted(((sum(h) / n, _mean(util[key]), key) for key, h in hours.items()),
                  key=lambda t: (-t[0], -_nan_low(t[1]), t[2]))
    seen: set[str] = set()
    candidates = []
    for queued, busy, (stage, role) in rows:
        if role not in seen:
            seen.add(role)
            candidates.append(Candidate(role, stage, queued, busy))
    leaks = Counter(str(rec.get("leak_stage", "")) for rec in records)
    leak_stage = sorted(leaks.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if leaks else ""
    same = [rec for rec in records if rec.get("leak_stage", "") == leak_stage]
    leak_role = str(same[0].get("leak_role", "")) if same else ""
    return Screen(
        stage=summary["stage"], role=summary["role"], kind=summary["kind"],
        verdict=summary["verdict"], agreement=float(summary["agreement"] or 0.0),
        candidates=tuple(candidates), leak_stage=leak_stage or None, leak_role=leak_role or None,
        leak_conversion=_mean([float(rec.get("leak_conversion", math.nan)) for rec in same]))


@dataclass(frozen=True)
class Relief:
    """One more person in a role: the paired change in revenue and won deals a month."""

    role: str
    stage: str
    delta_revenue_per_month: Estimate
    delta_won_per_month: Estimate

    @property
    def significant(self) -> bool:
        """The relief raises throughput, beyond chance: the 95% interval of the change in revenue
        a month lies above zero, or that of the deals won a month does while revenue rises on
        average (a relief that wins more deals is worth them, even when the deal sizes' spread
        hides the money in few replications)."""
        revenue, won = self.delta_revenue_per_month, self.delta_won_per_month
        return bool(revenue.low > 0 or (won.low > 0 and revenue.mean > 0))

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "stage": self.stage,
                "delta_revenue_per_month": self.delta_revenue_per_month.to_json(),
                "delta_won_per_month": self.delta_won_per_month.to_json(),
                "significant": self.significant}


@dataclass(frozen=True)
class Confirmation:
    """The screen, each candidate's relief, and the confirmed bottleneck."""

    screen: Screen
    method: str
    replications: int
    reliefs: tuple[Relief, ...]  # in the order tested
    kind: str  # capacity: relieving ``role`` raises revenue; conversion: no relief does; none
    stage: str | None
    role: str | None
    currency: str
    labels: tuple[tuple[str, str], ...] = ()  # (stage or role name, its label) for the sentences

    def label(self, name: str | None) -> str:
        """A stage's or role's label (its name when the scenario gives none)."""
        return dict(self.labels).get(name or "", name or "")

    @property
    def chosen(self) -> Relief | None:
        """The confirmed bottleneck's relief (None unless ``kind`` is capacity)."""
        return next((r for r in self.reliefs if r.role == self.role), None) \
            if self.kind == "capacity" else None

    @property
    def verdict(self) -> str:
        return describe(self).verdict

    @property
    def headline(self) -> str:
        return describe(self).headline

    def to_json(self) -> dict[str, Any]:
        """``summary.json``'s ``bottleneck.confirmation`` (and ``whatif.json``'s)."""
        return {"method": self.method, "replications": self.replications,
                "candidates": [r.to_json() for r in self.reliefs],
                "chosen": self.role if self.kind == "capacity" else None,
                "kind": self.kind, "stage": self.stage, "role": self.role,
                "headline": self.headline, "sentence": describe(self).confirmed}


def hire_variant(base: Scenario, role: str, source: str = "whatif") -> Variant:
    """The scenario with one more person in ``role``: the what-if hire lever."""
    hire = (Change(f"roles.{role}.headcount", base.role(role).headcount + 1),)
    return Variant(f"+1 {role}", apply(base, hire), source, hire)


def decide(screen: Screen, candidates: Sequence[Candidate], base: Sequence[Record],
           relieved: Sequence[Sequence[Record]], *, currency: str, method: str = RUN_METHOD,
           scenario: Scenario | None = None) -> Confirmation:
    """The confirmed bottleneck from paired records (pure).

    Args:
        screen: the queue screen of the base.
        candidates: the roles relieved, in the order tested.
        base: the base's records, replication by replication.
        relieved: ``relieved[i][r]``: replication r of the scenario with one more person in
            ``candidates[i].role`` (the same seed and replication numbers as ``base``).
        currency: for the sentences.
        method: how the candidates were chosen, for the document.
        scenario: for the labels of stages and roles in the sentences.
    """
    reliefs = tuple(
        Relief(c.role, c.stage,
               paired_difference(_column(base, "revenue_per_month"),
                                 _column(recs, "revenue_per_month")),
               paired_difference(_column(base, "won_per_month"), _column(recs, "won_per_month")))
        for c, recs in zip(candidates, relieved, strict=True))
    helping = [r for r in reliefs if r.significant]
    if helping:
        best = max(helping, key=lambda r: r.delta_revenue_per_month.mean)
        kind, stage, role = "capacity", best.stage, best.role
    elif not reliefs and screen.kind == "none":
        kind, stage, role = "none", None, None
    else:
        kind, stage, role = "conversion", screen.leak_stage, screen.leak_role
    labels: tuple[tuple[str, str], ...] = ()
    if scenario is not None:
        labels = (*((st.name, label_of(scenario, "stage", st.name)) for st in scenario.stages),
                  *((r.name, label_of(scenario, "role", r.name)) for r in scenario.roles))
    return Confirmation(screen, method, len(base), reliefs, kind, stage, role, currency, labels)


def confirm_bottleneck(scenario: Scenario, seed: int, screen: Screen, replications: int, k: int,
                       lab: Lab, base_records: Sequence[Record] = ()) -> Confirmation:
    """Confirm the screen's ``k`` leading candidates by simulation.

    Runs the scenario and, for each candidate role, the scenario with one more person of that
    role, replications 0..``replications``−1 of ``seed`` on ``lab``: at most
    ``(k + 1) × replications`` runs, fewer by the ``base_records`` already known (the caller's
    own replications 0, 1, … of the scenario).
    """
    if lab.seed != seed:
        raise ValueError(f"the lab runs seed {lab.seed}, not {seed}")
    shortlist = screen.shortlist(k)
    if not shortlist:  # no staffed stage: nothing to relieve, nothing to run
        return decide(screen, (), base_records, [], currency=scenario.currency,
                      scenario=scenario)
    base = Variant(scenario.name, scenario, "base")
    if base_records:
        lab.add(base, base_records)
    variants = [hire_variant(scenario, c.role, "confirmation") for c in shortlist]
    records = lab.records([base, *variants], replications)
    return decide(screen, shortlist, records[0], records[1:], currency=scenario.currency,
                  scenario=scenario)


def bottleneck_document(screen: dict[str, Any], confirmation: Confirmation | None,
                        warning: str | None = None) -> dict[str, Any]:
    """``summary.json``'s ``bottleneck``: the confirmed verdict on top, the screen beside it.

    ``screen`` is the queue screen's document (``stage, role, kind, evidence, watch, verdict``
    and, over replications, ``agreement``); ``evidence`` and ``watch`` stay the screen's.
    Without a confirmation (``--quick``) the screen's verdict stays on top. ``warning``, the
    run's stability warning (a queue that grows without bound), ends the confirmed verdict too.
    """
    doc = dict(screen)
    doc["screen"] = {k: screen[k] for k in ("stage", "role", "kind", "verdict", "agreement")
                     if k in screen}
    doc["confirmation"] = None
    if confirmation is not None:
        verdict = confirmation.verdict + (f" {warning}" if warning else "")
        doc.update(stage=confirmation.stage, role=confirmation.role, kind=confirmation.kind,
                   verdict=verdict, confirmation=confirmation.to_json())
    return doc


def stage_of(scenario: Scenario, role: str, screen: Screen) -> str:
    """Where a role is the bottleneck if it is one: its stage in the screen, else its first."""
    for c in screen.candidates:
        if c.role == role:
            return c.stage
    return next((st.name for st in scenario.stages for sp in st.steps if sp.role == role), "")


# -- words ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentences:
    """What a confirmation says: a headline, the effects line, and the whole verdict."""

    headline: str  # "Bottleneck: conversion (closer): one more closer wins 7 ± 3 more deals …"
    confirmed: str  # "Confirmed by simulation (5 paired replications): one more closer adds …"
    verdict: str  # ``summary.json``'s ``bottleneck.verdict``


def describe(c: Confirmation) -> Sentences:
    """The plain sentences of a confirmation: the one place their wording lives."""
    s = c.screen
    if not c.reliefs:
        return Sentences(s.verdict, "Confirmed by simulation: no staffed stage to relieve.",
                         s.verdict)
    unit = _money_unit(c.reliefs)

    def effect(r: Relief, first: bool) -> str:
        est = r.delta_revenue_per_month
        mean, half = _short_money(est.mean, est.half_width, unit)
        per = f" {c.currency} a month" if first else ""
        who = f"one more person in {c.label(r.role)}"
        if r.significant:
            return f"{who} adds {mean.lstrip('+')} ± {half}{per}"
        if est.mean == 0 and est.sd == 0:
            return f"{who} changes nothing"
        if est.high < 0:
            return f"{who} lowers revenue by {mean.lstrip('−')} ± {half}{per}"
        return f"{who} adds nothing measurable ({mean} ± {half}{per})"

    chosen = c.chosen
    order = sorted(c.reliefs, key=lambda r: (r is not chosen,
                                             -_nan_low(r.delta_revenue_per_month.mean)))
    confirmed = (f"Confirmed by simulation ({c.replications} paired replications): "
                 + "; ".join(effect(r, i == 0) for i, r in enumerate(order)) + ".")
    if c.kind == "capacity" and chosen is not None:
        won, rev = chosen.delta_won_per_month, chosen.delta_revenue_per_month
        money, half = _short_money(rev.mean, rev.half_width, unit)
        gain = f"raises revenue by {money.lstrip('+')} ± {half} {c.currency} a month"
        if won.mean > 0:
            deals, spread = _short_number(won.mean, won.half_width)
            gain += f" and wins {deals.lstrip('+')} ± {spread} more deals a month"
        team = c.label(c.role)
        headline = (f"{team} {is_or_are(team)} the bottleneck ({c.label(c.stage)}): one more "
                    f"person there {gain}.")
        if (s.kind, s.stage, s.role) == ("capacity", c.stage, c.role):
            return Sentences(headline, confirmed, f"{s.verdict} {confirmed}")
        note = (f" The queue screen points at {c.label(s.stage)} ({c.label(s.role)}), where "
                f"leads queue longest."
                if s.kind == "capacity" else "")
        return Sentences(headline, confirmed, f"{headline} {confirmed}{note}")
    leak = "" if c.stage is None else (
        f"; the biggest leak is {c.label(c.stage)}, which loses "
        f"{1 - c.screen.leak_conversion:.0%} of the leads it decides")
    headline = (f"No capacity bottleneck confirmed: no single hire raises revenue "
                f"measurably; the department is limited by lead flow and conversion{leak}.")
    return Sentences(headline, confirmed, f"{headline} {confirmed}")


def _money_unit(reliefs: Sequence[Relief]) -> tuple[float, str]:
    """One unit (M, k or none) for every amount of a sentence: the largest one's."""
    size = max((abs(v) for r in reliefs for v in (r.delta_revenue_per_month.mean,
                                                   r.delta_revenue_per_month.half_width)
                if math.isfinite(v)), default=0.0)
    return (1e6, "M") if size >= 1e6 else (1e3, "k") if size >= 1e3 else (1.0, "")


def _short_money(mean: float, half: float, unit: tuple[float, str]) -> tuple[str, str]:
    """``+1.2M``, ``0.4M``: to the half-width's first significant digit, in the unit."""
    m, h = _short_number(mean / unit[0], half / unit[0])
    return m + unit[1], h + unit[1]


def _short_number(mean: float, half: float) -> tuple[str, str]:
    """Mean and half-width to the half-width's first significant digit (two below 2)."""
    if not math.isfinite(mean):
        return "n/a", "n/a"
    if math.isfinite(half) and half > 0:
        decimals = -math.floor(math.log10(half))
        if half * 10.0**decimals < 2:
            decimals += 1
        decimals = max(0, min(3, decimals))
    else:
        decimals = 1
    text = f"{abs(mean):.{decimals}f}"
    sign = "" if float(text) == 0 else "+" if mean > 0 else "−"
    return sign + text, "?" if not math.isfinite(half) else f"{half:.{decimals}f}"


def _column(records: Sequence[Record], key: str) -> list[float]:
    return [float(r.get(key, math.nan)) for r in records]


def _mean(values: Sequence[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return sum(clean) / len(clean) if clean else math.nan


def _nan_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value
