"""Working days: the weekdays a user names, and the working dates of a month."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from salesim.simulator.plans.errors import PlanError
from salesim.simulator.scenario.worktime import weekday_number

__all__ = ["month_days", "parse_weekdays"]


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Parse ``"mon,tue,wed"`` (names, 3-letter abbreviations or 0–6 with 0 = Monday).

    Args:
        text: Comma-separated weekdays.

    Returns:
        Sorted distinct weekday numbers (0 = Monday).

    Raises:
        PlanError: On an unknown weekday or an empty list.
    """
    result: set[int] = set()
    for raw in text.split(","):
        word = raw.strip().lower()
        if not word:
            continue
        number = weekday_number(word, lenient=True)
        if number is None:
            raise PlanError(f"unknown weekday {raw.strip()!r} (use mon,tue,wed,thu,fri,sat,sun)")
        result.add(number)
    if not result:
        raise PlanError("no weekdays given")
    return tuple(sorted(result))


def month_days(
    month: str,
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    holidays: Iterable[dt.date] = (),
) -> list[dt.date]:
    """The working days of a month.

    Args:
        month: ``"YYYY-MM"``.
        weekdays: Working weekdays, 0 = Monday (default Monday to Friday).
        holidays: Dates of the month that are not worked.

    Returns:
        The working dates in order (possibly empty).

    Raises:
        PlanError: On a malformed month, a weekday outside 0–6 or a holiday outside the month.
    """
    try:
        year_text, month_text = month.strip().split("-")
        year, number = int(year_text), int(month_text)
        first = dt.date(year, number, 1)
    except ValueError:
        raise PlanError(f"month must look like 2026-12, not {month!r}") from None
    if not 1900 <= year <= 2200:
        raise PlanError(f"month must be in the years 1900 to 2200 (as a scenario's calendar), "
                        f"not {month!r}")
    week = set(weekdays)
    bad = sorted(d for d in week if not 0 <= d <= 6)
    if bad:
        raise PlanError(f"weekday numbers must be 0 (Monday) to 6, not {bad[0]}")
    off = set(holidays)
    for holiday in sorted(off):
        if (holiday.year, holiday.month) != (year, number):
            raise PlanError(f"holiday {holiday.isoformat()} is not in {first:%Y-%m}")
    last = calendar.monthrange(year, number)[1]
    dates = (dt.date(year, number, d) for d in range(1, last + 1))
    return [d for d in dates if d.weekday() in week and d not in off]
