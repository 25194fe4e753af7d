"""Exact arithmetic of the plans, the working days of a month, and the roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from salesim.simulator.plans.decompose import decompose
from salesim.simulator.plans.errors import PlanError
from salesim.simulator.plans.exact import (
    apportion,
    check_quantum,
    cumulative_split,
    fmt,
    fmt_quotient,
    money,
    round_div,
    units,
)
from salesim.simulator.plans.rollup import rollup
from salesim.simulator.plans.workdays import month_days, parse_weekdays

KOPECK = Decimal("0.01")


def test_halves_round_away_from_zero() -> None:
    assert [round_div(n, 2) for n in (1, 3, -1, -3)] == [1, 2, -1, -2]
    assert round_div(7, 3) == 2


def test_a_million_over_22_days_in_kopecks() -> None:
    split = cumulative_split(100_000_000, 22)
    assert sum(split) == 100_000_000
    assert set(split) == {4_545_454, 4_545_455}
    assert split[0] + split[1] == 9_090_909  # 90,909.09: 2 × 1,000,000 / 22 rounded once


def test_apportion_gives_the_leftover_to_the_largest_remainders() -> None:
    assert apportion(10, [Fraction(1)] * 3) == [4, 3, 3]
    assert apportion(10, [Fraction(1)] * 3, tie_rank=[2, 0, 1]) == [3, 4, 3]
    assert apportion(-10, [Fraction(1)] * 3) == [-4, -3, -3]
    with pytest.raises(PlanError):
        apportion(1, [])


def test_money_in_units_of_the_quantum() -> None:
    assert units(Decimal("12.34"), KOPECK, "plan") == 1234
    assert money(1234, KOPECK) == Decimal("12.34")
    with pytest.raises(PlanError, match="not a whole multiple"):
        units(Decimal("0.001"), KOPECK, "plan")
    assert check_quantum(Decimal("0.010")) == KOPECK
    assert fmt(Decimal("45454.55"), KOPECK) == "45,454.55"
    assert fmt_quotient(Fraction(1_000_000, 22), KOPECK) == "45,454.545454…"
    assert fmt_quotient(Fraction(50_000), KOPECK) == "50,000.00"


def test_weekdays_and_the_working_days_of_december_2026() -> None:
    assert parse_weekdays("Mon, tuesday,4") == (0, 1, 4)
    days = month_days("2026-12", holidays=[dt.date(2026, 12, 31)])
    assert (len(days), days[0], days[-1]) == (22, dt.date(2026, 12, 1), dt.date(2026, 12, 30))
    with pytest.raises(PlanError, match="not in 2026-12"):
        month_days("2026-12", holidays=[dt.date(2027, 1, 1)])


def test_rollup_sums_the_weeks_exactly() -> None:
    d = decompose(Decimal(1000), 7, 1, actuals=[Decimal(100)])
    weeks = rollup(d.department(), "week")
    assert [(w.period, w.days, w.plan) for w in weeks] == [
        ("W1", 5, Decimal("714.29")), ("W2", 2, Decimal("285.71"))]
    assert weeks[0].actual == Decimal(100)
    assert sum(w.plan for w in weeks) == Decimal(1000)
