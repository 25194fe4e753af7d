"""Working time as a person writes it: weekday names and working hours (pure).

The one weekday parser of salesim: a scenario's calendar and the plan commands both read
weekdays through :func:`weekday_number`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["check_day_hours", "check_weekdays", "parse_hours", "weekday_number",
           "weekday_numbers"]

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_LOOKUP: dict[str, int] = {
    **{name: number for number, name in enumerate(_WEEKDAY_NAMES)},
    **{name[:3]: number for number, name in enumerate(_WEEKDAY_NAMES)},
}
_HOURS_PATTERN = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def weekday_number(word: str, *, lenient: bool = False) -> int | None:
    """The number of a weekday (0 = Monday), or None when ``word`` names no weekday.

    Args:
        word: A name such as ``"mon"`` or ``"Monday"`` (case-insensitive, surrounding spaces
            ignored).
        lenient: Also take a digit 0-6 and any abbreviation of at least three letters
            (``"thurs"``), as the plan commands do.
    """
    key = word.strip().lower()
    if lenient:
        if key.isdigit() and int(key) < 7:
            return int(key)
        if key[:3] in _WEEKDAY_LOOKUP and _WEEKDAY_NAMES[_WEEKDAY_LOOKUP[key[:3]]].startswith(key):
            return _WEEKDAY_LOOKUP[key[:3]]
        return None
    return _WEEKDAY_LOOKUP.get(key)


def weekday_numbers(names: Sequence[str]) -> frozenset[int]:
    """Turn weekday names into weekday numbers (0 = Monday).

    Args:
        names: Names such as ``"mon"`` or ``"Monday"`` (case-insensitive, surrounding spaces
            ignored). Duplicates are allowed.

    Returns:
        The weekday numbers; empty if ``names`` is empty.

    Raises:
        ValueError: If a name is not a weekday name (the message lists the allowed names), or
            if ``names`` is a single string instead of a sequence of names.
    """
    if isinstance(names, str):
        raise ValueError(
            f"expected a list of weekday names, got the single string {names!r}; "
            f"write e.g. [{names!r}]"
        )
    numbers: set[int] = set()
    for name in names:
        number = weekday_number(name) if isinstance(name, str) else None
        if number is None:
            allowed = ", ".join(name[:3] for name in _WEEKDAY_NAMES)
            raise ValueError(
                f"unknown weekday {name!r}: allowed are {allowed} or the full names "
                "(monday ... sunday), case-insensitive"
            )
        numbers.add(number)
    return frozenset(numbers)


def parse_hours(text: str) -> tuple[float, float]:
    """Parse working hours written as ``"HH:MM-HH:MM"``.

    Args:
        text: E.g. ``"09:00-18:00"`` or ``"00:00-24:00"``; spaces around the parts are allowed
            and the hour may have one digit (``"9:30-17:00"``).

    Returns:
        ``(day_start_hours, day_end_hours)``, e.g. ``(9.0, 18.0)``.

    Raises:
        ValueError: If the text is not of that form, a time is not a valid time of day
            (00:00 to 24:00, minutes 00-59), or the start is not before the end.
    """
    expected = "expected working hours as 'HH:MM-HH:MM', e.g. '09:00-18:00'"
    if not isinstance(text, str):
        raise ValueError(f"{expected}, got {text!r}")
    match = _HOURS_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(f"{expected}, got {text!r}")
    h0, m0, h1, m1 = (int(part) for part in match.groups())
    for hour, minute in ((h0, m0), (h1, m1)):
        if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
            raise ValueError(
                f"invalid time {hour:02d}:{minute:02d} in working hours {text!r}: "
                "times run from 00:00 to 24:00 with minutes 00-59"
            )
    start = h0 + m0 / 60.0
    end = h1 + m1 / 60.0
    if not start < end:
        raise ValueError(
            f"working hours {text!r} must start before they end (a day cannot wrap past midnight)"
        )
    return start, end


def check_day_hours(day_start_hours: float, day_end_hours: float) -> tuple[float, float]:
    """The opening and closing hours as floats, if ``0 <= start < end <= 24``.

    Raises:
        ValueError: If they do not satisfy ``0 <= day_start_hours < day_end_hours <= 24``.
    """
    start = float(day_start_hours)
    end = float(day_end_hours)
    if not 0.0 <= start < end <= 24.0:
        raise ValueError(
            "working hours must satisfy 0 <= day_start_hours < day_end_hours <= 24, "
            f"got day_start_hours={day_start_hours!r}, day_end_hours={day_end_hours!r}"
        )
    return start, end


def check_weekdays(weekdays: frozenset[int]) -> frozenset[int]:
    """The working weekdays, if there is one at least and each is an integer 0..6.

    Raises:
        ValueError: If ``weekdays`` is empty or holds values outside 0..6.
    """
    days = frozenset(weekdays)
    if not days:
        raise ValueError("weekdays must contain at least one working weekday (0 = Monday)")
    bad = sorted((day for day in days if isinstance(day, bool) or day not in range(7)), key=repr)
    if bad:
        raise ValueError(f"weekdays must be integers 0..6 (0 = Monday, 6 = Sunday), got {bad!r}")
    return days
