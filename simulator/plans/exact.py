"""Exact money arithmetic of the plans: amounts in whole units of the rounding quantum.

All rounding is half away from zero, done once; splits are exact (they sum to the amount).
Formatting shows money with thousands separators and exact quotients with their digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal, localcontext
from fractions import Fraction

from salesim.simulator.plans.errors import PlanError

__all__ = ["Money", "apportion", "check_quantum", "cumulative_split", "fmt", "fmt_quotient",
           "frac_round", "money", "round_div", "units"]

Money = Decimal | int


def round_div(num: int, den: int) -> int:
    """``num / den`` rounded to the nearest integer, halves away from zero (``den`` > 0)."""
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + den) // (2 * den))


def frac_round(value: Fraction) -> int:
    """A fraction rounded to the nearest integer, halves away from zero."""
    return round_div(value.numerator, value.denominator)


def cumulative_split(units: int, count: int) -> list[int]:
    """Split ``units`` over ``count`` equal slots so that every running total is exact.

    The running total after slot *k* is ``units × k / count`` rounded once (half away from
    zero); slot *k* gets the difference of consecutive running totals. Every slot gets
    ``units // count`` or one more (for non-negative ``units``) and the slots sum to ``units``.

    Args:
        units: The amount, in whole quanta (may be negative).
        count: The number of slots, >= 1.

    Returns:
        ``count`` integers summing to ``units``.
    """
    if count < 1:
        raise PlanError("cannot split over zero days")
    totals = [round_div(units * k, count) for k in range(count + 1)]
    return [totals[k] - totals[k - 1] for k in range(1, count + 1)]


def apportion(
    units: int, weights: Sequence[Fraction], tie_rank: Sequence[int] | None = None
) -> list[int]:
    """Largest-remainder split of ``units`` in proportion to ``weights``.

    Every share is floored (toward zero), then the leftover units go one each to the shares
    with the largest remainders. Ties go to the lower ``tie_rank`` (default: the earlier
    position). The shares sum to ``units``.

    Args:
        units: The amount, in whole quanta (may be negative: the split is then mirrored).
        weights: Positive weights, at least one.
        tie_rank: Optional tie-break rank per weight (lower wins).

    Returns:
        One integer share per weight.
    """
    if not weights:
        raise PlanError("cannot split among zero managers")
    if units < 0:
        return [-share for share in apportion(-units, weights, tie_rank)]
    rank = list(tie_rank) if tie_rank is not None else list(range(len(weights)))
    total = sum(weights, Fraction(0))
    exact = [units * w / total for w in weights]
    shares = [int(x) for x in exact]  # floor: x >= 0
    leftover = units - sum(shares)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), rank[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares


def units(amount: Money, quantum: Decimal, what: str) -> int:
    """``amount`` as a whole number of quanta, or a :class:`PlanError`."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise PlanError(f"{what} must be a Decimal or an int, not {type(amount).__name__}")
    if isinstance(amount, Decimal) and not amount.is_finite():
        raise PlanError(f"{what} must be a finite number, not {amount}")
    ratio = Fraction(amount) / Fraction(quantum)
    if ratio.denominator != 1:
        raise PlanError(f"{what} {amount} is not a whole multiple of the quantum {quantum}")
    return ratio.numerator


def money(units: int, quantum: Decimal) -> Decimal:
    """Whole quanta back to money, exactly."""
    with localcontext() as ctx:
        ctx.prec = len(str(abs(units))) + len(quantum.as_tuple().digits) + 2
        return Decimal(units) * quantum


def check_quantum(quantum: Money) -> Decimal:
    if isinstance(quantum, bool) or not isinstance(quantum, Decimal | int):
        raise PlanError(f"quantum must be a Decimal, not {type(quantum).__name__}")
    q = Decimal(quantum)
    if not q.is_finite() or q <= 0:
        raise PlanError(f"rounding quantum must be > 0, not {quantum}")
    if not Decimal("0.000001") <= q <= Decimal(1_000_000):  # plans.limits' bounds
        raise PlanError(f"rounding quantum must be between 0.000001 and 1,000,000, not "
                        f"{quantum}")
    q = q.normalize()  # 0.010 → 0.01
    exponent = q.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        q = q.quantize(Decimal(1))  # 1E+2 → 100, so money prints in fixed point
    return q


def _decimals(quantum: Decimal) -> int:
    exponent = quantum.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def fmt(amount: Decimal, quantum: Decimal) -> str:
    """``45,454.55``: thousands separators, at least two decimals."""
    return f"{amount:,.{_decimals(quantum)}f}"


def fmt_quotient(value: Fraction, quantum: Decimal) -> str:
    """An exact quotient for explanations: ``45,454.5454…`` or ``50,000.00``."""
    places = _decimals(quantum)
    shown = places + 4
    with localcontext() as ctx:
        ctx.prec = 60
        num = Decimal(value.numerator) / Decimal(value.denominator)
        cut = num.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_DOWN)
    if Fraction(cut) == value:
        exponent = cut.normalize().as_tuple().exponent
        digits = max(places, -exponent) if isinstance(exponent, int) else places
        return f"{cut:,.{digits}f}"
    return f"{cut:,.{shown}f}…"
