"""Tests of scenario.worktime: the one weekday parser and the checks on working hours."""

from __future__ import annotations

import pytest

from salesim.simulator.scenario.worktime import (
    check_day_hours,
    check_weekdays,
    weekday_number,
    weekday_numbers,
)


@pytest.mark.parametrize(("word", "number"), [("mon", 0), (" Sunday ", 6), ("WED", 2),
                                              ("thurs", None), ("3", None), ("", None)])
def test_weekday_number_takes_names_and_three_letter_abbreviations(word: str,
                                                                   number: int | None) -> None:
    assert weekday_number(word) == number


@pytest.mark.parametrize(("word", "number"), [("thurs", 3), ("0", 0), ("6", 6), ("7", None),
                                              ("mo", None), ("mondays", None), ("Fri", 4)])
def test_lenient_weekday_number_also_takes_digits_and_longer_abbreviations(
        word: str, number: int | None) -> None:
    assert weekday_number(word, lenient=True) == number


def test_weekday_numbers_of_names() -> None:
    assert weekday_numbers(["fri", "Monday", "mon"]) == frozenset({0, 4})


def test_check_day_hours() -> None:
    assert check_day_hours(9, 18) == (9.0, 18.0)
    with pytest.raises(ValueError, match="0 <= day_start_hours < day_end_hours <= 24"):
        check_day_hours(18, 9)


def test_check_weekdays() -> None:
    assert check_weekdays(frozenset({0, 6})) == frozenset({0, 6})
    with pytest.raises(ValueError, match="at least one working weekday"):
        check_weekdays(frozenset())
    with pytest.raises(ValueError, match=r"got \[7\]"):
        check_weekdays(frozenset({1, 7}))
