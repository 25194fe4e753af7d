"""What a person reads instead of a snake_case name: the one owner of labels (pure).

A scenario names its stages, steps, roles and channels with identifiers (``lead_development``)
and may give each a ``label`` ("Lead development"); segments get theirs in ``segment_labels``
and loss reasons in ``loss_reason_labels``. :func:`label_of` is the only place that chooses what
is shown:

1. the scenario's own label, whatever the locale (it is written in the reader's language);
2. for the engine's own loss reasons (``cooled``, ``owner_left``, ``handoff``, ``churned``,
   ``not_converted``), salesim's wording in the locale (English or Russian);
3. otherwise the name turned into words: ``lead_development`` → "Lead development".

Machine outputs (CSV, JSON, the event log) keep the names: they are identifiers. The CLI tables
and the reports show labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from salesim.simulator.scenario.reasons import CHURNED, COOLED, HANDOFF, NOT_CONVERTED, OWNER_LEFT
from salesim.simulator.scenario.schema import Scenario

__all__ = ["BUILT_IN_REASON_LABELS", "Kind", "Labels", "humanize", "label_of"]

Kind = Literal["stage", "step", "role", "channel", "segment", "reason"]

BUILT_IN_REASON_LABELS: dict[str, dict[str, str]] = {
    "en": {
        COOLED: "Went cold while waiting",
        OWNER_LEFT: "Owner left the company",
        HANDOFF: "Dropped when handed to the next team",
        CHURNED: "Client stopped ordering",
        NOT_CONVERTED: "Did not move on",
    },
    "ru": {
        COOLED: "Остыл, пока ждал",
        OWNER_LEFT: "Ответственный ушёл из компании",
        HANDOFF: "Потерян при передаче другой команде",
        CHURNED: "Клиент перестал заказывать",
        NOT_CONVERTED: "Не перешёл дальше",
    },
}


def humanize(name: str) -> str:
    """``lead_development`` → ``Lead development``; ``A`` → ``A``; ``KAM`` stays ``KAM``."""
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else name


def label_of(scenario: Scenario | None, kind: Kind, name: str, locale: str = "en", *,
             stage: str | None = None) -> str:
    """The label of a stage, step, role, channel, segment or loss reason.

    Args:
        scenario: The scenario that names it (``None``: only built-in wording and fallback).
        kind: What ``name`` is.
        name: The identifier, as in the scenario and the machine outputs.
        locale: ``en`` or ``ru``: the wording of built-in loss reasons (the scenario's own
            labels are shown as written).
        stage: For a step, the stage it belongs to (step names are unique within a stage).
    """
    own = _own_label(scenario, kind, name, stage) if scenario is not None else None
    if own:
        return own
    if kind == "reason":
        built_in = BUILT_IN_REASON_LABELS.get(locale, BUILT_IN_REASON_LABELS["en"])
        if name in built_in:
            return built_in[name]
    return humanize(name)


def _own_label(scenario: Scenario, kind: Kind, name: str, stage: str | None) -> str | None:
    if kind == "stage":
        return next((s.label for s in scenario.stages if s.name == name), None)
    if kind == "step":
        return next((sp.label for st in scenario.stages if stage is None or st.name == stage
                     for sp in st.steps if sp.name == name), None)
    if kind == "role":
        return next((r.label for r in scenario.roles if r.name == name), None)
    if kind == "channel":
        return next((c.label for c in scenario.channels if c.name == name), None)
    if kind == "segment":
        return scenario.segment_labels.get(name)
    return scenario.loss_reason_labels.get(name)


@dataclass(frozen=True)
class Labels:
    """:func:`label_of` bound to one scenario and locale, for code that shows many names."""

    scenario: Scenario | None
    locale: str = "en"

    def stage(self, name: object) -> str:
        return label_of(self.scenario, "stage", str(name), self.locale)

    def step(self, name: object, stage: object = None) -> str:
        return label_of(self.scenario, "step", str(name), self.locale,
                        stage=None if stage is None else str(stage))

    def role(self, name: object) -> str:
        return label_of(self.scenario, "role", str(name), self.locale)

    def channel(self, name: object) -> str:
        return label_of(self.scenario, "channel", str(name), self.locale)

    def segment(self, name: object) -> str:
        return label_of(self.scenario, "segment", str(name), self.locale)

    def reason(self, name: object) -> str:
        return label_of(self.scenario, "reason", str(name), self.locale)
