"""How a pay scheme changes what people do (pure). A model, not a fact: see docs/motivation.md.

The engine asks ``drive`` for a person's speed and conversion factors whenever they start work or
a lead of theirs is decided; ``attainment`` is their credited revenue this month against their
personal plan to date.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesim.simulator.scenario.roles import Behaviour, PayScheme


@dataclass(frozen=True)
class Drive:
    """Multipliers on a person's speed and on the conversion of the leads they work."""

    speed: float = 1.0
    conversion: float = 1.0


def has_variable_pay(scheme: PayScheme | None) -> bool:
    return scheme is not None and bool(
        scheme.commission or scheme.plan_bonus or scheme.accelerator or scheme.team_bonus
        or scheme.best_result_prize or scheme.kpi_bonus)


def pay_at_risk(salary: float, scheme: PayScheme | None, personal_plan: float,
                team_size: int) -> float:
    """The share of a month's target pay that depends on results: variable ÷ (salary + variable).

    Variable pay at target: commission on the personal plan, the plan bonus, an equal share of
    the team bonus and of the best-result prize.
    """
    if not has_variable_pay(scheme):
        return 0.0
    assert scheme is not None
    people = max(team_size, 1)
    variable = (scheme.commission * personal_plan + scheme.plan_bonus
                + (scheme.team_bonus + scheme.best_result_prize) / people)
    return variable / (salary + variable) if salary + variable > 0 else 0.0


def drive(behaviour: Behaviour, scheme: PayScheme | None, attainment: float | None,
          at_risk: float) -> Drive:
    """A person's speed and conversion factors under a pay scheme.

    * Salary only: "average selling" (``salary_only_speed``, ``salary_only_conversion``).
    * Otherwise speed grows with the pay at risk: ``1 + pay_at_risk_gain × at_risk``;
    * near the plan bonus (attainment in [``push_from``, 1)) people push: × ``push_speed``;
    * once the bonus is safe (attainment ≥ 1), without an accelerator they relax:
      × ``relax_speed`` — unless a team bonus with ``team_sharing`` keeps them working for the
      team.
    """
    if not has_variable_pay(scheme):
        return Drive(behaviour.salary_only_speed, behaviour.salary_only_conversion)
    assert scheme is not None
    speed = 1.0 + behaviour.pay_at_risk_gain * at_risk
    if attainment is not None and scheme.plan_bonus > 0:
        if behaviour.push_from <= attainment < 1.0:
            speed *= behaviour.push_speed
        elif attainment >= 1.0 and not scheme.accelerator and not shares_work(behaviour, scheme):
            speed *= behaviour.relax_speed
    return Drive(speed=speed)


def shares_work(behaviour: Behaviour | None, scheme: PayScheme | None) -> bool:
    """A team bonus makes those ahead take on work for lagging colleagues."""
    return (behaviour is not None and behaviour.team_sharing and scheme is not None
            and scheme.team_bonus > 0)
