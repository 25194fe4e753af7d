"""Tests of scenario.calendar: working intervals, work hours and the work clock."""

from __future__ import annotations

import datetime
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesim.simulator.scenario.calendar import MAX_SPAN_DAYS, WorkCalendar
from salesim.simulator.scenario.worktime import parse_hours, weekday_numbers
from tests.strategies import calendars

MONDAY = datetime.date(2024, 1, 1)  # a Monday: day 0 Mon, 4 Fri, 5 Sat, 6 Sun, 7 Mon, 8 Tue
EPS = 1e-9


def at(day: int, hour: float) -> float:
    """Simulation time of ``hour`` o'clock on day ``day``."""
    return day + hour / 24.0


@pytest.fixture
def office() -> WorkCalendar:
    """Monday-Friday 09:00-18:00 starting on a Monday, no holidays."""
    return WorkCalendar(MONDAY)


# ------------------------------------------------------------------ construction


def test_defaults(office: WorkCalendar) -> None:
    assert office.start_date == MONDAY
    assert office.weekdays == frozenset({0, 1, 2, 3, 4})
    assert office.day_start_hours == 9.0
    assert office.day_end_hours == 18.0
    assert office.hours_per_day == 9.0
    assert office.holidays == frozenset()


@pytest.mark.parametrize(
    ("start", "end"),
    [(18.0, 9.0), (9.0, 9.0), (-1.0, 9.0), (9.0, 24.5), (math.nan, 18.0), (0.0, math.inf)],
)
def test_bad_hours_raise(start: float, end: float) -> None:
    with pytest.raises(ValueError, match="day_start_hours"):
        WorkCalendar(MONDAY, day_start_hours=start, day_end_hours=end)


def test_bad_weekdays_raise() -> None:
    with pytest.raises(ValueError, match="at least one"):
        WorkCalendar(MONDAY, weekdays=frozenset())
    with pytest.raises(ValueError, match=r"0\.\.6"):
        WorkCalendar(MONDAY, weekdays=frozenset({0, 7}))
    with pytest.raises(ValueError, match=r"0\.\.6"):
        WorkCalendar(MONDAY, weekdays=frozenset({-1, 2}))


def test_bad_span_raises() -> None:
    with pytest.raises(ValueError, match="span_days"):
        WorkCalendar(MONDAY, span_days=0)


def test_full_day_hours_are_valid() -> None:
    calendar = WorkCalendar(MONDAY, day_start_hours=0.0, day_end_hours=24.0)
    assert calendar.hours_per_day == 24.0
    assert calendar.day_interval(0) == (0.0, 1.0)


# ------------------------------------------------------------------ days


def test_working_days(office: WorkCalendar) -> None:
    assert [office.is_working_day(d) for d in range(8)] == [True] * 5 + [False, False, True]
    assert office.working_day_indices(3, 7) == [3, 4, 7, 8, 9]
    assert office.working_day_indices(0, 0) == []
    assert office.is_working_day(-3) is False  # before start_date: outside the calendar
    with pytest.raises(ValueError, match="n_days"):
        office.working_day_indices(0, -1)


def test_day_interval(office: WorkCalendar) -> None:
    assert office.day_interval(0) == (0.375, 0.75)
    assert office.day_interval(4) == (at(4, 9), at(4, 18))
    assert office.day_interval(5) is None
    assert office.day_interval(6) is None


def test_holiday_is_not_working_day() -> None:
    calendar = WorkCalendar(MONDAY, holidays=frozenset({datetime.date(2024, 1, 8)}))
    assert calendar.is_working_day(7) is False
    assert calendar.day_interval(7) is None
    assert calendar.is_open(at(7, 12)) is False
    assert calendar.working_day_indices(0, 10) == [0, 1, 2, 3, 4, 8, 9]


# ------------------------------------------------------------------ is_open / next_open


def test_is_open_boundaries(office: WorkCalendar) -> None:
    assert office.is_open(at(0, 9)) is True  # opening moment is inside
    assert office.is_open(at(0, 12)) is True
    assert office.is_open(at(0, 18)) is False  # closing moment is outside
    assert office.is_open(at(0, 8.99)) is False
    assert office.is_open(at(5, 12)) is False  # Saturday
    assert office.is_open(-0.5) is False
    assert office.is_open(-1e-12) is False


def test_next_open(office: WorkCalendar) -> None:
    assert office.next_open(at(0, 12)) == at(0, 12)
    assert office.next_open(at(0, 9)) == at(0, 9)
    assert office.next_open(0.0) == at(0, 9)
    assert office.next_open(-5.0) == at(0, 9)
    assert office.next_open(at(0, 18)) == at(1, 9)
    assert office.next_open(at(1, 20)) == at(2, 9)
    assert office.next_open(at(4, 18)) == at(7, 9)  # Friday evening -> Monday
    assert office.next_open(at(6, 23)) == at(7, 9)


def test_always_open_is_continuous() -> None:
    calendar = WorkCalendar.always_open(MONDAY)
    assert calendar.hours_per_day == 24.0
    for t in (0.0, 0.5, 1.0, 6.999, 7.0, 123.25):
        assert calendar.is_open(t) is True
        assert calendar.next_open(t) == t
    assert calendar.add_work_hours(0.0, 24.0) == 1.0
    assert calendar.add_work_hours(0.5, 36.0) == 2.0
    assert calendar.work_hours_between(0.25, 3.75) == pytest.approx(84.0, abs=EPS)


@given(
    t=st.floats(min_value=0.0, max_value=800.0),
    hours=st.floats(min_value=0.0, max_value=5000.0),
)
@settings(max_examples=100, deadline=None)
def test_always_open_adds_plain_time(t: float, hours: float) -> None:
    calendar = WorkCalendar.always_open(MONDAY, span_days=30)
    assert calendar.add_work_hours(t, hours) == pytest.approx(t + hours / 24.0, abs=EPS)


# ------------------------------------------------------------------ add_work_hours


def test_friday_evening_work_finishes_monday(office: WorkCalendar) -> None:
    # 1 hour on Friday 17:00-18:00, 1 hour on Monday 09:00-10:00.
    assert office.add_work_hours(at(4, 17), 2.0) == pytest.approx(at(7, 10), abs=EPS)


def test_friday_evening_work_skips_holiday_monday() -> None:
    calendar = WorkCalendar(MONDAY, holidays=frozenset({datetime.date(2024, 1, 8)}))
    assert calendar.add_work_hours(at(4, 17), 2.0) == pytest.approx(at(8, 10), abs=EPS)


def test_work_begun_at_night_starts_next_morning(office: WorkCalendar) -> None:
    assert office.add_work_hours(at(1, 20), 3.0) == pytest.approx(at(2, 12), abs=EPS)
    assert office.add_work_hours(at(2, 3), 3.0) == pytest.approx(at(2, 12), abs=EPS)
    assert office.add_work_hours(-2.0, 1.0) == pytest.approx(at(0, 10), abs=EPS)


def test_work_begun_at_weekend_starts_monday(office: WorkCalendar) -> None:
    assert office.add_work_hours(at(5, 11), 4.5) == pytest.approx(at(7, 13.5), abs=EPS)
    assert office.add_work_hours(at(6, 23.5), 0.25) == pytest.approx(at(7, 9.25), abs=EPS)


def test_multi_day_work(office: WorkCalendar) -> None:
    # 20 h = two full days (Mon, Tue) + 2 h on Wednesday.
    assert office.add_work_hours(at(0, 9), 20.0) == pytest.approx(at(2, 11), abs=EPS)
    # 45 h from Wednesday 13:00: 5 + 9 + 9 (Wed-Fri) + 9 + 9 (Mon-Tue) + 4 -> Wed 13:00 next week.
    assert office.add_work_hours(at(2, 13), 45.0) == pytest.approx(at(9, 13), abs=EPS)


def test_work_finishing_at_close_stays_at_close(office: WorkCalendar) -> None:
    assert office.add_work_hours(at(0, 9), 9.0) == at(0, 18)
    assert office.add_work_hours(at(0, 15), 3.0) == pytest.approx(at(0, 18), abs=EPS)
    assert office.add_work_hours(at(4, 9), 9.0) == at(4, 18)  # Friday: not Monday 09:00
    assert office.add_work_hours(at(0, 9), 18.0) == at(1, 18)
    assert office.add_work_hours(at(0, 9), 45.0) == at(4, 18)


def test_finishing_at_close_is_exact_with_awkward_hours() -> None:
    # 08:10-20:01 is not exact in binary floating point; work that fills the day must still
    # end exactly at closing time, not at the next opening.
    calendar = WorkCalendar(MONDAY, frozenset(range(7)), 8 + 10 / 60, 20 + 1 / 60)
    for day in (0, 1, 17, 364, 3000):
        opening, closing = calendar.day_interval(day) or (math.nan, math.nan)
        assert calendar.add_work_hours(opening, calendar.hours_per_day) == closing
        later = calendar.day_interval(day + 2)
        assert later is not None
        assert calendar.add_work_hours(opening, 3 * calendar.hours_per_day) == later[1]
        to_close = (closing - opening) * 24 - 1.0  # float noise in the hours, either sign
        assert calendar.add_work_hours(opening + 1 / 24, to_close) == closing


def test_zero_hours_returns_t(office: WorkCalendar) -> None:
    assert office.add_work_hours(at(5, 3), 0.0) == at(5, 3)  # even when closed
    assert office.add_work_hours(at(0, 10), 0.0) == at(0, 10)


def test_bad_hours_argument_raises(office: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        office.add_work_hours(0.0, -1.0)
    with pytest.raises(ValueError, match="non-negative"):
        office.add_work_hours(0.0, math.nan)
    with pytest.raises(ValueError, match="non-negative"):
        office.add_work_hours(0.0, math.inf)
    with pytest.raises(ValueError, match="finite"):
        office.add_work_hours(math.nan, 1.0)
    with pytest.raises(ValueError, match="finite"):
        office.next_open(math.inf)


def test_additivity_examples(office: WorkCalendar) -> None:
    t = at(3, 16.5)
    for a, b in [(1.5, 2.0), (9.0, 9.0), (1.5, 7.5), (0.25, 30.0)]:
        assert office.add_work_hours(office.add_work_hours(t, a), b) == pytest.approx(
            office.add_work_hours(t, a + b), abs=EPS
        )


# ------------------------------------------------------------------ clock


def test_work_hours_between(office: WorkCalendar) -> None:
    assert office.work_hours_between(at(0, 9), at(0, 18)) == pytest.approx(9.0, abs=EPS)
    assert office.work_hours_between(0.0, 7.0) == pytest.approx(45.0, abs=EPS)
    assert office.work_hours_between(at(4, 17), at(7, 10)) == pytest.approx(2.0, abs=EPS)
    assert office.work_hours_between(at(5, 0), at(7, 0)) == 0.0  # weekend
    assert office.work_hours_between(at(1, 12), at(1, 10)) == 0.0  # reversed
    assert office.work_hours_between(-3.0, at(0, 10)) == pytest.approx(1.0, abs=EPS)


def test_work_clock_values(office: WorkCalendar) -> None:
    times = np.array([-1.0, 0.0, at(0, 9), at(0, 12), at(0, 18), at(0, 23), at(1, 10), 7.0])
    expected = [0.0, 0.0, 0.0, 3.0, 9.0, 9.0, 10.0, 45.0]
    assert office.work_clock(times).tolist() == pytest.approx(expected, abs=EPS)
    grid = np.array([[0.5, 1.5], [2.5, 3.5]])
    assert office.work_clock(grid).shape == (2, 2)
    special = office.work_clock(np.array([math.nan, -math.inf, math.inf]))
    assert math.isnan(special[0])
    assert special[1] == 0.0
    assert special[2] == math.inf


def test_work_clock_agrees_with_scalar_queries(office: WorkCalendar) -> None:
    times = np.linspace(-1.0, 40.0, 997)
    clock = office.work_clock(times)
    assert np.all(np.diff(clock) >= 0.0)
    for t0, c0 in zip(times[::37], clock[::37], strict=True):
        assert office.work_hours_between(-1.0, float(t0)) == pytest.approx(float(c0), abs=EPS)
    for t, h in [(at(4, 17), 2.0), (at(1, 20), 13.5), (at(0, 9), 9.0), (3.3, 100.0)]:
        end = office.add_work_hours(t, h)
        before, after = office.work_clock(np.array([t, end]))
        assert after - before == pytest.approx(h, abs=EPS)


def test_work_clock_on_calendar_without_intervals_yet() -> None:
    # Starts on a Saturday with a 1-day span: no working interval precomputed at first.
    calendar = WorkCalendar(datetime.date(2024, 1, 6), span_days=1)
    assert calendar.work_clock(np.array([0.5, math.nan])).tolist()[0] == 0.0
    assert calendar.work_clock(np.array([3.0])).tolist() == pytest.approx([9.0], abs=EPS)
    assert calendar.next_open(0.0) == at(2, 9)


# ------------------------------------------------------------------ far future


def test_far_future_extends_transparently() -> None:
    short = WorkCalendar(MONDAY, span_days=3)
    long = WorkCalendar(MONDAY, span_days=3000)
    # 2030-01-07 is a Monday, day 2198 after 2024-01-01.
    monday_2030 = (datetime.date(2030, 1, 7) - MONDAY).days
    assert short.next_open(monday_2030 - 1.5) == at(monday_2030, 9)
    assert short.add_work_hours(at(monday_2030 - 3, 17), 2.0) == pytest.approx(
        at(monday_2030, 10), abs=EPS
    )
    assert short.is_open(at(monday_2030 + 400, 12)) == long.is_open(at(monday_2030 + 400, 12))
    # Work spanning far beyond the table: 9 h/day * 5 days * 200 weeks.
    assert short.add_work_hours(at(0, 9), 9000.0) == at(7 * 199 + 4, 18)
    times = np.linspace(0.0, 2900.0, 301)
    fresh = WorkCalendar(MONDAY, span_days=2)
    assert fresh.work_clock(times).tolist() == long.work_clock(times).tolist()
    assert fresh.work_hours_between(0.0, 2800.0) == long.work_hours_between(0.0, 2800.0)


@pytest.mark.parametrize("span_days", [10, 9000])
def test_no_working_day_for_decades_raises(span_days: int) -> None:
    # Mondays only; day 0 works, then every day of days 7..7692 (21 years) is a holiday.
    block = range(7, 7 + 21 * 366)
    holidays = frozenset(MONDAY + datetime.timedelta(days=d) for d in block)
    calendar = WorkCalendar(MONDAY, weekdays=frozenset({0}), holidays=holidays, span_days=span_days)
    first_after = next(d for d in range(block.stop, block.stop + 7) if d % 7 == 0)
    assert calendar.is_open(at(0, 12)) is True
    assert calendar.is_open(at(14, 12)) is False
    assert calendar.add_work_hours(at(0, 9), 9.0) == at(0, 18)
    with pytest.raises(ValueError, match="no working day in the 7305 days"):
        calendar.next_open(1.0)
    with pytest.raises(ValueError, match="no working day"):
        calendar.add_work_hours(at(0, 9), 10.0)  # would cross the 21-year gap
    with pytest.raises(ValueError, match="no working day"):
        calendar.add_work_hours(5.0, 1.0)
    # Searching from within the gap, less than 20 years before its end, succeeds.
    assert calendar.next_open(5000.0) == at(first_after, 9)
    assert calendar.add_work_hours(5000.0, 2.0) == pytest.approx(at(first_after, 11), abs=EPS)
    assert calendar.work_hours_between(0.0, first_after + 1.0) == pytest.approx(18.0, abs=EPS)


def test_beyond_max_horizon_raises(office: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="horizon"):
        office.is_open(MAX_SPAN_DAYS + 1.0)


# ------------------------------------------------------------------ pickling


def test_pickle_round_trip(office: WorkCalendar) -> None:
    office.add_work_hours(500.0, 10.0)  # extends the tables first
    copy = pickle.loads(pickle.dumps(office))
    for t, h in [(at(4, 17), 2.0), (123.4, 56.7), (900.0, 3.0)]:
        assert copy.add_work_hours(t, h) == office.add_work_hours(t, h)
    assert copy.holidays == office.holidays
    assert copy.weekdays == office.weekdays


# ------------------------------------------------------------------ helpers


def test_weekday_numbers() -> None:
    assert weekday_numbers(["mon", "Tue", "WEDNESDAY", " fri "]) == frozenset({0, 1, 2, 4})
    assert weekday_numbers(["sat", "sunday", "sun"]) == frozenset({5, 6})
    assert weekday_numbers([]) == frozenset()


def test_weekday_numbers_errors() -> None:
    with pytest.raises(ValueError, match=r"'funday'.*mon, tue, wed, thu, fri, sat, sun"):
        weekday_numbers(["mon", "funday"])
    with pytest.raises(ValueError, match="single string"):
        weekday_numbers("mon")
    with pytest.raises(ValueError, match="unknown weekday 1"):
        weekday_numbers([1])  # type: ignore[list-item]


def test_parse_hours() -> None:
    assert parse_hours("09:00-18:00") == (9.0, 18.0)
    assert parse_hours("00:00-24:00") == (0.0, 24.0)
    assert parse_hours(" 8:30 - 17:15 ") == (8.5, 17.25)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-18", "HH:MM-HH:MM"),
        ("09:00", "HH:MM-HH:MM"),
        ("09:00-18:00-20:00", "HH:MM-HH:MM"),
        ("", "HH:MM-HH:MM"),
        ("09:60-18:00", "invalid time 09:60"),
        ("09:00-25:00", "invalid time 25:00"),
        ("09:00-24:30", "invalid time 24:30"),
        ("18:00-09:00", "start before"),
        ("09:00-09:00", "start before"),
    ],
)
def test_parse_hours_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(text)


def test_parse_hours_rejects_non_text() -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_hours(540)  # type: ignore[arg-type]


# ------------------------------------------------------------------ properties


times = st.floats(min_value=-2.0, max_value=90.0)
work = st.floats(min_value=0.0, max_value=200.0)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def reference_add_work_hours(calendar: WorkCalendar, t: float, hours: float) -> float:
    """Slow, obviously correct add_work_hours: walk the days one by one."""
    if hours == 0:
        return t
    remaining = hours
    day = max(math.floor(t), 0)
    while True:
        date = calendar.start_date + datetime.timedelta(days=day)
        if date.weekday() in calendar.weekdays and date not in calendar.holidays:
            opening = day + calendar.day_start_hours / 24
            closing = day + calendar.day_end_hours / 24
            begin = max(opening, t)
            if begin < closing:
                available = (closing - begin) * 24
                if remaining <= available:
                    return begin + remaining / 24
                remaining -= available
        day += 1


def same_moment_of_work(calendar: WorkCalendar, a: float, b: float) -> bool:
    """True if a and b are equal up to float noise, or separated by idle time only.

    Rounding may put one of two equivalent results at a closing moment and the other at the
    next opening moment; the work clock is the same at both.
    """
    if a == pytest.approx(b, abs=EPS):
        return True
    lo, hi = sorted((a, b))
    idle = calendar.work_hours_between(lo, hi) == pytest.approx(0.0, abs=EPS)
    return idle and calendar.next_open(lo + EPS) == pytest.approx(hi, abs=EPS)


def check_work_done(calendar: WorkCalendar, t: float, h: float, end: float) -> None:
    """Assert that ``end == add_work_hours(t, h)`` is a valid finishing moment."""
    assert end >= t
    assert calendar.work_hours_between(t, end) == pytest.approx(h, abs=EPS)
    clock_t, clock_end = calendar.work_clock(np.array([t, end]))
    assert clock_end - clock_t == pytest.approx(h, abs=EPS)
    if h > 0:
        # The work starts at the first working moment and finishes inside an interval or
        # exactly at a closing moment.
        assert end >= calendar.next_open(t)
        interval = calendar.day_interval(math.ceil(end) - 1)
        assert calendar.is_open(end) or (interval is not None and end == interval[1])
    assert same_moment_of_work(calendar, end, reference_add_work_hours(calendar, t, h))


@given(calendar=calendars(), t1=times, t2=times, h1=work, h2=work)
@PROPERTY_SETTINGS
def test_add_work_hours_properties(
    calendar: WorkCalendar, t1: float, t2: float, h1: float, h2: float
) -> None:
    (t_lo, t_hi), (h_lo, h_hi) = sorted((t1, t2)), sorted((h1, h2))
    end = calendar.add_work_hours(t_lo, h_lo)
    check_work_done(calendar, t_lo, h_lo, end)
    # Monotone (exactly, not only up to float noise) in the start and in the hours.
    assert end <= calendar.add_work_hours(t_hi, h_lo)
    assert end <= calendar.add_work_hours(t_lo, h_hi)
    assert calendar.add_work_hours(t_hi, h_lo) <= calendar.add_work_hours(t_hi, h_hi)
    assert calendar.add_work_hours(t_lo, h_hi) <= calendar.add_work_hours(t_hi, h_hi)


@given(calendar=calendars(), t=times, a=work, b=work)
@PROPERTY_SETTINGS
def test_add_work_hours_is_additive(calendar: WorkCalendar, t: float, a: float, b: float) -> None:
    stepwise = calendar.add_work_hours(calendar.add_work_hours(t, a), b)
    at_once = calendar.add_work_hours(t, a + b)
    assert same_moment_of_work(calendar, stepwise, at_once)


@given(calendar=calendars(), t=times)
@PROPERTY_SETTINGS
def test_next_open_and_is_open(calendar: WorkCalendar, t: float) -> None:
    nxt = calendar.next_open(t)
    assert nxt >= t
    assert calendar.is_open(nxt)
    if calendar.is_open(t):
        assert nxt == t
    else:
        assert calendar.work_hours_between(t, nxt) == 0.0
    # Open only on working days, inside the day's interval.
    day = math.floor(t)
    date = calendar.start_date + datetime.timedelta(days=day)
    if calendar.is_open(t):
        assert day >= 0
        assert date.weekday() in calendar.weekdays
        assert date not in calendar.holidays
        assert calendar.is_working_day(day)
        interval = calendar.day_interval(day)
        assert interval is not None
        assert interval[0] <= t < interval[1]
    if date in calendar.holidays or date.weekday() not in calendar.weekdays:
        assert not calendar.is_open(t)
        assert not calendar.is_working_day(day)


@given(calendar=calendars(), t=times, h=work)
@PROPERTY_SETTINGS
def test_results_do_not_depend_on_span(calendar: WorkCalendar, t: float, h: float) -> None:
    wide = WorkCalendar(
        calendar.start_date,
        calendar.weekdays,
        calendar.day_start_hours,
        calendar.day_end_hours,
        calendar.holidays,
        span_days=400,
    )
    assert calendar.add_work_hours(t, h) == wide.add_work_hours(t, h)
    assert calendar.next_open(t) == wide.next_open(t)
    assert calendar.is_open(t) == wide.is_open(t)
    assert calendar.work_clock(np.array([t])).tolist() == wide.work_clock(np.array([t])).tolist()
