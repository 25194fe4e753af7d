"""The one number formatter of the CLI and the reports, in both locales, to the character."""

from __future__ import annotations

import math

import pytest

from salesim.simulator.numbers import MISSING, number_format

NBSP = "\u00a0"
EN, RU = number_format("en", "RUB"), number_format("ru", "RUB")


def test_thousands_and_decimals() -> None:
    assert EN.number(1234567.891, 2) == "1,234,567.89"
    assert RU.number(1234567.891, 2) == f"1{NBSP}234{NBSP}567,89"
    assert EN.number(1234567.8, 1) == "1,234,567.8" and RU.number(999.96, 1) == "1\u00a0000,0"
    assert EN.integer(9422) == "9,422" and RU.integer(9422) == f"9{NBSP}422"
    assert EN.number(12.0) == "12" and RU.number(0.05, 1) == "0,1"


def test_negative_numbers_have_a_true_minus_and_no_minus_zero() -> None:
    assert EN.number(-1234.5, 1) == "−1,234.5" and RU.number(-1234.5, 1) == f"−1{NBSP}234,5"
    assert EN.number(-0.0004, 2) == "0.00" and RU.number(-0.4) == "0"
    assert EN.signed(1234) == "+1,234" and EN.signed(-2) == "−2" and EN.signed(0.2) == "0"


def test_percentages() -> None:
    assert EN.pct(0.7195) == "72%" and EN.pct(0.7195, 1) == "72.0%"
    assert RU.pct(0.7195) == f"72{NBSP}%" and RU.pct(0.0123, 1) == f"1,2{NBSP}%"
    assert EN.pct(-0.05) == "−5%"


def test_money_with_the_currency_in_the_locale() -> None:
    assert EN.money(1234567.4) == f"1,234,567{NBSP}₽" and RU.money(1234567.4) == \
        f"1{NBSP}234{NBSP}567{NBSP}₽"
    usd_en, usd_ru = number_format("en", "USD"), number_format("ru", "USD")
    assert usd_en.money(-1234.5, 2) == "−$1,234.50"
    assert usd_ru.money(-1234.5, 2) == f"−1{NBSP}234,50{NBSP}$"
    assert number_format("en", "XYZ").money(5) == f"5{NBSP}XYZ"
    assert RU.money_short(125_443_445) == f"125{NBSP}million{NBSP}₽"
    assert RU.estimate(1_312_345, 3_456_789, "money", signed=True) == \
        f"+1{NBSP}300{NBSP}000 ± 3{NBSP}500{NBSP}000{NBSP}₽"
    assert EN.estimate(2.345, 0.567, "days") == f"2.35 ± 0.57{NBSP}days"


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf])
def test_missing_values_are_a_dash(missing: float | None) -> None:
    for fmt in (EN, RU):
        assert fmt.number(missing, 2) == MISSING == "—"
        assert fmt.pct(missing) == fmt.money(missing) == fmt.days(missing) == "—"
        assert fmt.signed(missing) == fmt.money_short(missing) == "—"


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="en, ru"):
        number_format("de", "EUR")
