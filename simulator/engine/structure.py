"""The org structure as the engine applies it: which roles exist and who does which step (pure).

The same department can be run as a conveyor, in full cycle or in pods: same leads, same random
numbers. :func:`organised` rewrites the scenario once, before the run, into the one structure it
names.
"""

from __future__ import annotations

from typing import Any

from salesim.simulator.scenario.organise import headcount_of_split_roles
from salesim.simulator.scenario.schema import FullCycle, Scenario


def organised(scenario: Scenario) -> Scenario:
    """The scenario as the engine runs it under its org structure.

    ``full_cycle``: the replaced roles' steps (and clients, plan, pay) go to the full-cycle role,
    whose stages become owned; the replaced roles are gone. ``conveyor``: as written, without the
    full-cycle role (its people exist only in the other structure). ``pods``: a split role's
    headcount is its pods' total, and the full-cycle role is left out.
    """
    cycle = scenario.org.full_cycle
    if scenario.org.structure == "pods":
        split = headcount_of_split_roles(scenario)
        return scenario.model_copy(update={"roles": tuple(
            r.model_copy(update={"headcount": split[r.name]}) if r.name in split else r
            for r in scenario.roles if cycle is None or r.name != cycle.role)})
    if cycle is None:
        return scenario
    if scenario.org.structure == "conveyor":  # the full-cycle managers are not hired
        used = {st.role for stage in scenario.stages for st in stage.steps}
        if cycle.role in used:
            return scenario
        return scenario.model_copy(update={
            "roles": tuple(r for r in scenario.roles if r.name != cycle.role)})
    return _in_full_cycle(scenario, cycle)


def _in_full_cycle(scenario: Scenario, cycle: FullCycle) -> Scenario:
    gone = set(cycle.replaces)

    def swap(role: str | None) -> str | None:
        return cycle.role if role in gone else role

    stages = []
    for stage in scenario.stages:
        steps = tuple(st.model_copy(update={"role": swap(st.role)}) for st in stage.steps)
        owned = any(st.role == cycle.role for st in steps)
        stages.append(stage.model_copy(update={
            "steps": steps, "assignment": "owned" if owned else stage.assignment}))
    update: dict[str, Any] = {
        "stages": tuple(stages),
        "roles": tuple(r for r in scenario.roles if r.name not in gone),
    }
    if scenario.clients is not None:
        update["clients"] = scenario.clients.model_copy(
            update={"owner_role": swap(scenario.clients.owner_role)})
    if scenario.plan is not None:
        update["plan"] = scenario.plan.model_copy(update={"role": swap(scenario.plan.role)})
    return scenario.model_copy(update=update)
