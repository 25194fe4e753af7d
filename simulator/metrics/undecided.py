"""Why a run decided no lead: nobody staffed, no working time, no lead, or too short (pure).

A scenario in which nothing happens is valid (a role of headcount 0, a calendar of holidays, a
horizon of minutes); its run has no bottleneck to name, and its verdict says why instead
(:func:`metrics.verdict.bottleneck_text`, kind ``none`` with this evidence).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from salesim.simulator.scenario.schema import Scenario

__all__ = ["NoDecisions", "nothing_decided", "why_undecided"]


@dataclass(frozen=True)
class NoDecisions:
    """The evidence of a run that decided no lead: what stopped every lead.

    ``unstaffed_roles`` and ``closed_roles`` are role names joined by ``", "`` (empty: none),
    so that ``summary.json`` keeps them as plain strings.
    """

    leads_arrived: int  # in the measured window
    window_days: float
    unstaffed_roles: str  # a step needs them, nobody of them works in the window
    closed_roles: str  # their calendar has no working time in the window

    def figures(self) -> dict[str, Any]:
        """The evidence as ``summary.json`` holds it (``no_decisions`` marks this kind)."""
        return {"no_decisions": True, **asdict(self)}


def nothing_decided(stages: pd.DataFrame) -> bool:
    """Whether no stage converted or lost a lead in the window (``stages``: the stage table)."""
    if stages.empty:
        return True
    return float((stages["converted"] + stages["lost"]).sum()) == 0.0


def why_undecided(stages: pd.DataFrame, staff: pd.DataFrame | None, scenario: Scenario,
                  window: tuple[float, float]) -> NoDecisions:
    """The evidence of a run that decided no lead (see :func:`nothing_decided`)."""
    first = stages.iloc[0] if len(stages) else None
    arrived = 0 if first is None else int(first["entered"])
    needed = list(dict.fromkeys(sp.role for st in scenario.stages for sp in st.steps
                                if sp.role is not None))
    unstaffed = [r for r in needed if not _present(staff, scenario, r, window)]
    closed = [r for r in needed if r not in unstaffed and not _open(scenario, r, window)]
    return NoDecisions(leads_arrived=arrived, window_days=window[1] - window[0],
                       unstaffed_roles=", ".join(unstaffed), closed_roles=", ".join(closed))


def _present(staff: pd.DataFrame | None, scenario: Scenario, role: str,
             window: tuple[float, float]) -> bool:
    """Whether anybody of ``role`` is on the staff at some moment of the window."""
    if staff is None:
        return scenario.role(role).headcount > 0
    mine = staff[staff["role"] == role]
    if mine.empty:
        return False
    left = mine["left_at"].fillna(math.inf)
    return bool(((mine["hired_at"] < window[1]) & (left > window[0])).any())


def _open(scenario: Scenario, role: str, window: tuple[float, float]) -> bool:
    """Whether the role's calendar has any working time in the window."""
    try:
        return scenario.work_calendar(role).work_hours_between(*window) > 0
    except ValueError:  # a window the calendar cannot measure: say nothing about it
        return True
