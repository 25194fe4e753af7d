"""Working calendar: turns staff hours of work into moments of simulation time.

Simulation time is a float in days since ``start_date`` 00:00 (``t = 0.0`` is midnight at the
start of ``start_date``; ``t = 1.5`` is noon of the next day). Staff work only inside working
intervals: each working day (a weekday in ``weekdays`` that is not a holiday) has one interval
``[day + day_start_hours / 24, day + day_end_hours / 24)``. Moments before ``t = 0`` are outside
the calendar and are never open.

The calendar keeps, for the working days of a span of days starting at day 0, sorted plain
lists of opening moments, closing moments and the working hours elapsed before and after each
interval. The *work clock* (working hours elapsed in ``[0, t]``) is then piecewise linear and
every scalar query is a ``bisect`` on those lists, O(log n). The span is extended transparently
(doubled) whenever a query reaches beyond it. The tables depend only on the day index, never on
the order in which they were extended, so results do not depend on ``span_days``.
"""

from __future__ import annotations

import datetime
import math
from bisect import bisect_left, bisect_right

import numpy as np
import numpy.typing as npt

from salesim.simulator.scenario.worktime import check_day_hours, check_weekdays

__all__ = ["WorkCalendar"]

MAX_IDLE_DAYS = 7305
"""Searches for working time fail rather than cross more than this many idle days (20 years)."""

MAX_SPAN_DAYS = 100_000
"""The tables never grow beyond this many days (about 273 years) after ``start_date``."""

_SNAP_RELATIVE = 2.0**-44
"""Relative float noise (256 ulps) within which work is taken to end exactly at closing time."""


class WorkCalendar:
    """Working days and hours of a team, with conversions between staff hours and moments.

    Attributes:
        start_date: The date of day index 0 (simulation time 0.0 is its midnight).
        weekdays: Working weekdays, 0 = Monday ... 6 = Sunday.
        day_start_hours: Opening time of a working day, in hours after midnight.
        day_end_hours: Closing time of a working day, in hours after midnight (at most 24).
        holidays: Dates that are never working days.
        hours_per_day: Working hours in one working day (``day_end_hours - day_start_hours``).

    The object holds plain attributes only, so it can be pickled and sent to other processes.
    Queries beyond the precomputed span extend the tables in place; this is invisible to callers
    (results are identical whatever the span), but one instance should not be shared between
    threads.
    """

    def __init__(
        self,
        start_date: datetime.date,
        weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4}),
        day_start_hours: float = 9.0,
        day_end_hours: float = 18.0,
        holidays: frozenset[datetime.date] = frozenset(),
        span_days: int = 366,
    ) -> None:
        """Create a calendar and precompute its working intervals.

        Args:
            start_date: The date of day index 0.
            weekdays: Working weekdays, 0 = Monday ... 6 = Sunday; must not be empty.
            day_start_hours: Opening time in hours after midnight.
            day_end_hours: Closing time in hours after midnight.
            holidays: Dates that are not working days even on a working weekday.
            span_days: Number of days, from day 0, to precompute (the tables grow on demand).

        Raises:
            ValueError: If ``0 <= day_start_hours < day_end_hours <= 24`` does not hold, if
                ``weekdays`` is empty or holds values outside 0..6, or if ``span_days < 1``.
        """
        start, end = check_day_hours(day_start_hours, day_end_hours)
        days = check_weekdays(weekdays)
        if span_days < 1:
            raise ValueError(f"span_days must be at least 1, got {span_days!r}")

        self.start_date: datetime.date = start_date
        self.weekdays: frozenset[int] = days
        self.day_start_hours: float = start
        self.day_end_hours: float = end
        self.holidays: frozenset[datetime.date] = frozenset(holidays)
        self.hours_per_day: float = end - start
        self._holiday_days = frozenset((day - start_date).days for day in self.holidays)

        # Working intervals of the days [0, self._span), in order. Entry i is the i-th working
        # day: it opens at _opens[i], closes at _closes[i]; the work clock reads _cum_before[i]
        # hours when it opens and _cum_after[i] (== _cum_before[i + 1]) hours when it closes.
        self._span = 0
        self._last_working_day = -1
        self._opens: list[float] = []
        self._closes: list[float] = []
        self._cum_before: list[float] = []
        self._cum_after: list[float] = []
        # Indices k of intervals preceded by more than MAX_IDLE_DAYS days without work.
        self._long_gaps: list[int] = []
        self._fill(min(int(span_days), MAX_SPAN_DAYS))

    @classmethod
    def always_open(cls, start_date: datetime.date, span_days: int = 366) -> WorkCalendar:
        """Create a 24/7 calendar: every day, 00:00-24:00, no holidays.

        Consecutive intervals touch, so the calendar behaves as continuous time:
        ``add_work_hours(t, h) == t + h / 24`` up to float rounding.

        Args:
            start_date: The date of day index 0.
            span_days: Number of days to precompute (the tables grow on demand).

        Returns:
            The calendar.
        """
        return cls(start_date, frozenset(range(7)), 0.0, 24.0, frozenset(), span_days)

    def __repr__(self) -> str:
        """Return a constructor-like description."""
        return (
            f"WorkCalendar(start_date={self.start_date!r}, weekdays={sorted(self.weekdays)!r}, "
            f"day_start_hours={self.day_start_hours!r}, day_end_hours={self.day_end_hours!r}, "
            f"holidays={len(self.holidays)} dates)"
        )

    # ------------------------------------------------------------------ days

    def is_working_day(self, day_index: int) -> bool:
        """Tell whether a day has a working interval.

        Args:
            day_index: Days after ``start_date`` (0 = ``start_date``). Days before
                ``start_date`` (negative indices) are outside the calendar and never working.

        Returns:
            True if the day's weekday is a working weekday and its date is not a holiday.
        """
        if day_index < 0:
            return False
        weekday = (self.start_date.weekday() + day_index) % 7
        return weekday in self.weekdays and day_index not in self._holiday_days

    def working_day_indices(self, first_day: int, n_days: int) -> list[int]:
        """List the working days among ``n_days`` consecutive days.

        Args:
            first_day: Index of the first day to consider.
            n_days: Number of days to consider (0 gives an empty list).

        Returns:
            The working day indices in ``[first_day, first_day + n_days)``, ascending.

        Raises:
            ValueError: If ``n_days`` is negative.
        """
        if n_days < 0:
            raise ValueError(f"n_days must not be negative, got {n_days!r}")
        return [day for day in range(first_day, first_day + n_days) if self.is_working_day(day)]

    def day_interval(self, day_index: int) -> tuple[float, float] | None:
        """Return a day's working interval.

        Args:
            day_index: Days after ``start_date``.

        Returns:
            ``(open, close)`` in simulation days (the interval is ``[open, close)``), or None if
            the day is not a working day.
        """
        if not self.is_working_day(day_index):
            return None
        return day_index + self.day_start_hours / 24.0, day_index + self.day_end_hours / 24.0

    # --------------------------------------------------------------- moments

    def is_open(self, t: float) -> bool:
        """Tell whether staff work at moment ``t``.

        Args:
            t: Simulation time in days.

        Returns:
            True if ``t`` lies inside a working interval ``[open, close)``.

        Raises:
            ValueError: If ``t`` is not finite.
        """
        _check_time(t)
        if t >= self._span:
            self._cover(t)
        i = bisect_right(self._opens, t) - 1
        return i >= 0 and t < self._closes[i]

    def next_open(self, t: float) -> float:
        """Return the first working moment at or after ``t``.

        Args:
            t: Simulation time in days.

        Returns:
            ``t`` itself if ``is_open(t)``, else the opening moment of the next interval.

        Raises:
            ValueError: If ``t`` is not finite, or no working day follows within
                ``MAX_IDLE_DAYS`` days (20 years).
        """
        _check_time(t)
        return self._next_open(t)

    def add_work_hours(self, t: float, hours: float) -> float:
        """Return the moment at which work begun at ``t`` is finished.

        Work proceeds only inside working intervals. Work that ends exactly at closing time
        finishes at closing time, not at the next opening (the earliest moment at which the work
        clock reaches the required value). Example on a Monday-Friday 09:00-18:00 calendar:
        2 hours begun on Friday 17:00 finish on Monday 10:00.

        Args:
            t: Simulation time in days at which the work begins (it may be outside working
                hours; the work then starts at the next opening).
            hours: Staff hours of work, finite and non-negative.

        Returns:
            The finishing moment in simulation days; ``t`` itself when ``hours == 0``.

        Raises:
            ValueError: If ``hours`` is negative or not finite, if ``t`` is not finite, if the
                work would have to wait more than ``MAX_IDLE_DAYS`` days (20 years) for a working
                day, or if the result lies beyond ``MAX_SPAN_DAYS``.
        """
        if not 0.0 <= hours < math.inf:
            raise ValueError(f"hours must be finite and non-negative, got {hours!r}")
        _check_time(t)
        if hours == 0:
            return t
        begin = self._next_open(t)
        target = self._clock(begin) + hours
        cum_after = self._cum_after
        while not cum_after or cum_after[-1] < target:
            self._grow_for_work(self._last_working_day)
        # The earliest interval whose closing clock value reaches the target. A target within
        # float noise of an interval's closing value finishes exactly at that closing moment,
        # never at the next opening. The noise allowance is fixed per interval, so the map
        # target -> moment stays monotone.
        j = bisect_left(cum_after, target)
        if j > 0 and target - cum_after[j - 1] <= self._slack(j - 1):
            j -= 1
            end = self._closes[j]
        elif cum_after[j] - target <= self._slack(j):
            end = self._closes[j]
        else:
            end = self._opens[j] + (target - self._cum_before[j]) / 24.0
            if end > self._closes[j]:
                end = self._closes[j]
        if self._long_gaps:
            first = bisect_right(self._opens, begin) - 1
            k = bisect_right(self._long_gaps, first)
            if k < len(self._long_gaps) and self._long_gaps[k] <= j:
                raise self._idle_error(self._closes[self._long_gaps[k] - 1])
        return end if end > begin else begin

    def work_hours_between(self, t0: float, t1: float) -> float:
        """Return the working hours inside ``[t0, t1]``.

        Args:
            t0: Start of the stretch, in simulation days.
            t1: End of the stretch, in simulation days.

        Returns:
            ``work_clock(t1) - work_clock(t0)``, or 0.0 if ``t1 <= t0``.

        Raises:
            ValueError: If ``t0`` or ``t1`` is not finite.
        """
        _check_time(t0)
        _check_time(t1)
        if t1 <= t0:
            return 0.0
        return self._clock(t1) - self._clock(t0)

    def work_clock(self, t: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Return the working hours elapsed in ``[0, t]`` for each moment, vectorised.

        Args:
            t: Moments in simulation days (any shape; negative moments give 0).

        Returns:
            A float array of the same shape: working hours from time 0 to each moment.
            NaN gives NaN, ``-inf`` gives 0 and ``+inf`` gives ``+inf``.

        Raises:
            ValueError: If a finite moment lies beyond the supported horizon.
        """
        times = np.asarray(t, dtype=np.float64)
        finite = times[np.isfinite(times)]
        if finite.size:
            latest = float(finite.max())
            if latest >= self._span:
                self._cover(latest)
        if not self._opens:
            return np.where(np.isnan(times), np.nan, 0.0)
        opens = np.asarray(self._opens, dtype=np.float64)
        cum_before = np.asarray(self._cum_before, dtype=np.float64)
        cum_after = np.asarray(self._cum_after, dtype=np.float64)
        index = np.searchsorted(opens, times, side="right") - 1
        safe = np.maximum(index, 0)
        clock = np.minimum(cum_before[safe] + (times - opens[safe]) * 24.0, cum_after[safe])
        clock = np.where(index >= 0, clock, 0.0)
        clock = np.where(np.isposinf(times), np.inf, clock)
        return np.asarray(clock, dtype=np.float64)

    # -------------------------------------------------------------- internals

    def _next_open(self, t: float) -> float:
        """Return ``next_open(t)`` for a finite ``t``."""
        if t >= self._span:
            self._cover(t)
        i = bisect_right(self._opens, t)
        if i > 0 and t < self._closes[i - 1]:
            return t
        while i == len(self._opens):
            self._grow_for_work(max(math.floor(t), self._last_working_day))
        opening = self._opens[i]
        if opening - max(t, 0.0) > MAX_IDLE_DAYS:
            raise self._idle_error(t)
        return opening

    def _clock(self, t: float) -> float:
        """Return the working hours elapsed in ``[0, t]`` for a finite ``t``."""
        if t >= self._span:
            self._cover(t)
        i = bisect_right(self._opens, t) - 1
        if i < 0:
            return 0.0
        return min(self._cum_before[i] + (t - self._opens[i]) * 24.0, self._cum_after[i])

    def _slack(self, i: int) -> float:
        """Float noise, in work hours, allowed around the closing clock value of interval i."""
        return (24.0 * self._closes[i] + self._cum_after[i]) * _SNAP_RELATIVE

    def _cover(self, t: float) -> None:
        """Extend the tables so that they hold every day up to the day of moment ``t``."""
        day = math.floor(t)
        if day >= MAX_SPAN_DAYS:
            raise ValueError(f"moment {t!r} days lies beyond the calendar's horizon of "
                             f"{MAX_SPAN_DAYS} days")
        self._fill(min(max(2 * self._span, day + 1), MAX_SPAN_DAYS))

    def _grow_for_work(self, idle_since_day: int) -> None:
        """Extend the tables because a query needs working time beyond them.

        Args:
            idle_since_day: The query found no working time after this day; it fails once the
                tables reach more than ``MAX_IDLE_DAYS`` days further without a working day.
        """
        if self._span >= MAX_SPAN_DAYS:
            raise ValueError(f"no working time left within the calendar's horizon of "
                             f"{MAX_SPAN_DAYS} days")
        self._fill(min(2 * self._span, MAX_SPAN_DAYS))
        idle_since_day = max(idle_since_day, self._last_working_day)
        if self._span - 1 - idle_since_day > MAX_IDLE_DAYS:
            raise self._idle_error(float(max(idle_since_day, 0)))

    def _idle_error(self, t: float) -> ValueError:
        """Build the error for a search that finds no working day for too long after ``t``."""
        date = self.start_date + datetime.timedelta(days=max(math.floor(t), 0))
        return ValueError(
            f"no working day in the {MAX_IDLE_DAYS} days (20 years) after {date.isoformat()} "
            f"(day {t:g}): check the weekdays and holidays of the calendar"
        )

    def _fill(self, new_span: int) -> None:
        """Append the working intervals of the days ``[self._span, new_span)``."""
        start = self.day_start_hours / 24.0
        end = self.day_end_hours / 24.0
        per_day = self.hours_per_day
        first_weekday = self.start_date.weekday()
        weekdays = self.weekdays
        holidays = self._holiday_days
        for day in range(self._span, new_span):  # same test as is_working_day, inlined
            if (first_weekday + day) % 7 in weekdays and day not in holidays:
                n = len(self._opens)
                if n and day + start - self._closes[-1] > MAX_IDLE_DAYS:
                    self._long_gaps.append(n)
                self._opens.append(day + start)
                self._closes.append(day + end)
                self._cum_before.append(n * per_day)
                self._cum_after.append((n + 1) * per_day)
                self._last_working_day = day
        self._span = max(self._span, new_span)


def _check_time(t: float) -> None:
    """Raise ValueError unless ``t`` is a finite number."""
    if not math.isfinite(t):
        raise ValueError(f"time must be a finite number of days, got {t!r}")
