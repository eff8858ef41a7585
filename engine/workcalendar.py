"""Working-day and working-hour arithmetic on the Chinese public-holiday calendar.

Holidays and adjusted working days (调休) come from the ``holidays`` package. All results are
timezone-aware datetimes in UTC; naive inputs are rejected.
"""

from __future__ import annotations

import calendar
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import holidays

__all__ = ["DEFAULT_PERIODS", "WorkCalendar"]

DEFAULT_PERIODS: Final[tuple[tuple[time, time], ...]] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
_ONE_DAY: Final = timedelta(days=1)
_MAX_SEARCH_DAYS: Final = 3 * 366


_US: Final = 1_000_000


def _micros(t: time) -> int:
    return (t.hour * 3600 + t.minute * 60 + t.second) * _US + t.microsecond


def _require_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")


class WorkCalendar:
    """Working days (mainland China public holidays, adjusted working weekends) and hours.

    ``periods`` are the daily working periods as local (start, end) times, in order and not
    overlapping; the default is 09:00-12:00 and 13:30-17:30.
    """

    def __init__(
        self,
        tz: str = "Asia/Shanghai",
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
    ) -> None:
        self.tz = tz
        self.zone = ZoneInfo(tz)
        self.periods: tuple[tuple[time, time], ...] = tuple(periods)
        if not self.periods:
            raise ValueError("at least one working period is needed")
        previous_end = -1
        for start, end in self.periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working periods are local times without tzinfo")
            if not _micros(start) < _micros(end):
                raise ValueError(f"working period {start}-{end} does not end after it starts")
            if _micros(start) < previous_end:
                raise ValueError("working periods must be in order and must not overlap")
            previous_end = _micros(end)
        self._spans: tuple[tuple[int, int], ...] = tuple(
            (_micros(s), _micros(e)) for s, e in self.periods
        )
        self._per_day = sum(e - s for s, e in self._spans)
        self.seconds_per_day: float = self._per_day / _US
        self._years: dict[int, tuple[int, bytes]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WorkCalendar(tz={self.tz!r})"

    # ------------------------------------------------------------------ days

    def _year_table(self, year: int) -> tuple[int, bytes]:
        """(ordinal of 1 January, one byte per day of the year: 1 = working day)."""
        entry = self._years.get(year)
        if entry is None:
            with self._lock:
                entry = self._years.get(year)
                if entry is None:
                    cn = holidays.country_holidays("CN", years=year)  # holidays.China
                    first = date(year, 1, 1)
                    count = 366 if calendar.isleap(year) else 365
                    table = bytes(
                        1 if cn.is_working_day(first + timedelta(days=i)) else 0
                        for i in range(count)
                    )
                    entry = (first.toordinal(), table)
                    self._years[year] = entry
        return entry

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (an aware datetime is taken at its local date)."""
        if isinstance(d, datetime):
            _require_aware(d, "moment")
            d = d.astimezone(self.zone).date()
        first, table = self._year_table(d.year)
        return table[d.toordinal() - first] == 1

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        if isinstance(d, datetime):
            _require_aware(d, "moment")
            d = d.astimezone(self.zone).date()
        for _ in range(_MAX_SEARCH_DAYS):
            d += _ONE_DAY
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {d}")

    # ------------------------------------------------------------------ moments

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's time zone (naive input is rejected)."""
        _require_aware(moment, "moment")
        return moment.astimezone(self.zone)

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.zone).astimezone(UTC)

    def roll_forward(self, moment: datetime) -> datetime:
        """If ``moment`` falls on a non-working local day, the same local time on the next
        working day; otherwise the same instant. Returned in UTC."""
        local = self.local(moment)
        if self.is_working_day(local.date()):
            return moment.astimezone(UTC)
        return self._at(self.next_working_day(local.date()), local.time())

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same local time of day on the ``n``-th working day after start's local date.

        Days are counted strictly after the start date whether or not it is a working day,
        so Saturday + 1 working day = Monday (the first working day after it). The time of day
        is kept as is, even outside working hours. ``n == 0`` returns ``start``. In UTC.
        """
        local = self.local(start)
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        if n == 0:
            return start.astimezone(UTC)
        d = local.date()
        for _ in range(n):
            d = self.next_working_day(d)
        return self._at(d, local.time())

    def add_working_hours(self, start: datetime, n: int) -> datetime:
        """The moment when ``n`` hours of working time (inside working periods on working days)
        have passed since ``start``. A period's end counts as inside it: 1 working hour from
        11:00 is 12:00, not 13:30. ``n == 0`` returns ``start``. In UTC."""
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        return self._add_working(start, n * 3600 * _US)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when ``seconds`` of working time have passed since ``start`` (to the
        microsecond), as `add_working_hours` counts them. In UTC."""
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        return self._add_working(start, round(seconds * _US))

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """How much working time lies between ``start`` and ``end`` (0 if ``end`` is not
        after ``start``)."""
        a, b = self.local(start), self.local(end)
        if b <= a:
            return 0.0
        total = 0
        d = a.date()
        last = b.date()
        while d <= last:
            if self.is_working_day(d):
                lo = _micros(a.time()) if d == a.date() else 0
                hi = _micros(b.time()) if d == last else 24 * 3600 * _US
                total += sum(max(0, min(e, hi) - max(s, lo)) for s, e in self._spans)
            d += _ONE_DAY
        return total / _US

    def _add_working(self, start: datetime, remaining: int) -> datetime:
        local = self.local(start)
        if remaining == 0:
            return start.astimezone(UTC)
        d = local.date()
        cursor = _micros(local.time())
        if not self.is_working_day(d):
            d, cursor = self.next_working_day(d), 0
        while True:
            for begin, end in self._spans:
                if cursor >= end:
                    continue
                offset = max(cursor, begin)
                available = end - offset
                if remaining <= available:
                    wall = datetime.combine(d, time(0)) + timedelta(microseconds=offset + remaining)
                    return wall.replace(tzinfo=self.zone).astimezone(UTC)
                remaining -= available
            d, cursor = self.next_working_day(d), 0
            while remaining > self._per_day:  # whole working days
                d = self.next_working_day(d)
                remaining -= self._per_day
