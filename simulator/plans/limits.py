"""The bounds of a plan decomposition: amounts, periods, teams and the table they make (pure).

The same bounds as the scenario fields that mean the same thing (:mod:`scenario.bounds`): an
amount is at most a trillion, a period at most ten years of days, a team at most a role's
10,000 people. A decomposition's table has a row per day and a column per manager; past
:data:`MAX_CELLS` it takes minutes to compute and print, so it is refused up front.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from salesim.simulator.plans.errors import PlanError
from salesim.simulator.scenario.bounds import MAX_DAYS, MAX_MONEY

__all__ = ["MAX_CELLS", "MAX_MANAGERS", "MAX_PLAN_DAYS", "MAX_QUANTUM", "MAX_WEIGHT",
           "MIN_QUANTUM", "check_amount", "check_size", "check_weight"]

MAX_PLAN_DAYS = int(MAX_DAYS)
MAX_MANAGERS = 10_000
MAX_CELLS = 20_000  # working days × managers
MIN_QUANTUM = Decimal("0.000001")
MAX_QUANTUM = Decimal(1_000_000)
MAX_WEIGHT = Decimal(1_000_000)
_MAX_AMOUNT = Decimal(int(MAX_MONEY))
T = TypeVar("T")


def check_amount(value: T, what: str) -> T:
    """An amount (a plan, an actual) at most a trillion either way; other types pass on to
    the checks of :mod:`plans.exact`."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool) \
            and Decimal(value).is_finite() and abs(Decimal(value)) > _MAX_AMOUNT:
        raise PlanError(f"{what} must be at most 1,000,000,000,000 (a trillion), not {value}: "
                        f"amounts are exact to the kopeck up to a trillion")
    return value


def check_weight(value: Decimal, who: str) -> None:
    if value > MAX_WEIGHT:
        raise PlanError(f"weight of {who!r} must be at most {MAX_WEIGHT:,}, not {value}")


def check_size(days: int, managers: int) -> None:
    """The period and the team fit: days and managers each bounded, and their table."""
    if days > MAX_PLAN_DAYS:
        raise PlanError(f"at most {MAX_PLAN_DAYS:,} working days (ten years), not {days:,}")
    if managers > MAX_MANAGERS:
        raise PlanError(f"at most {MAX_MANAGERS:,} managers, not {managers:,}")
    if days * managers > MAX_CELLS:
        raise PlanError(f"{days:,} working days × {managers:,} managers make a table of "
                        f"{days * managers:,} daily targets; at most {MAX_CELLS:,}: split the "
                        f"period (e.g. one --month at a time) or the team")
