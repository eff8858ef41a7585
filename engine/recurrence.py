"""Recurring timers' periods (`every:`) and when each occurrence falls due.

A period is written ``N days``, ``N weeks``, ``N working days``, ``half month`` or
``N months`` (``month`` for one). The k-th occurrence (k = 1, 2, …) is counted from the
timer's start (entering its state, the case's opening, or the moment its `from_field`
names), in the working calendar's time zone:

- ``N days`` / ``N weeks``: k·N days (k·7·N) later, at the same local time of day;
- ``N working days``: the k·N-th working day after the start's date, at the same local time
  (engine.workcalendar: weekends and public holidays skipped, adjusted weekends worked);
- ``N months``: the same day k·N months later, clamped to the month's end (a start on
  31 January falls due on 28/29 February, 31 March, 30 April …: never drifting);
- ``half month`` (每半月): at the end of the 15th and at the end of the last day of each
  month (23:59:59 local time), the k-th such moment after the start. A report due "every
  half month" thus covers the 1st–15th and the 16th–end of each month, whatever day the
  case started.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import Final

from engine.durations import Duration, DurationError, parse_duration
from engine.workcalendar import WorkCalendar

__all__ = ["EVERY_ACCEPTED", "MAX_OCCURRENCES", "Every", "parse_every"]

#: The units a period may be counted in.
EVERY_UNITS: Final = ("days", "weeks", "working_days", "months", "half_months")
#: At most this many occurrences for one timer (`count:`), and as the index of one.
MAX_OCCURRENCES: Final = 10_000
EVERY_ACCEPTED: Final = (
    "'<n> days', '<n> weeks', '<n> working days', 'half month' or '<n> months'"
    " ('month' for one), e.g. 'every: 7 days', 'every: half month', 'every: month'"
)
_HALF: Final = re.compile(r"(?:1\s+)?half[\s_-]+month|semi[\s_-]?monthly")
_END_OF_DAY: Final = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class Every:
    """A recurring timer's period."""

    amount: int
    unit: str  # one of EVERY_UNITS

    def __str__(self) -> str:
        if self.unit == "half_months":
            return "half month"
        word = self.unit.replace("_", " ")
        return f"{self.amount} {word[:-1] if self.amount == 1 else word}"

    def nth(self, start: datetime, k: int, calendar: WorkCalendar) -> datetime:
        """The moment of the k-th occurrence (k >= 1) counted from `start` (aware), in UTC."""
        if k < 1:
            raise ValueError(f"occurrences are counted from 1, got {k}")
        if self.unit == "half_months":
            return _half_month(start, k, calendar)
        if self.unit == "weeks":
            return Duration(self.amount * 7 * k, "days").add(start, calendar)
        return Duration(self.amount * k, self.unit).add(start, calendar)

    def after(self, previous: datetime, start: datetime, k: int, cal: WorkCalendar) -> datetime:
        """The (k+1)-th occurrence, knowing the k-th (`previous`): counted on from it where
        that is the same (days, weeks, working days: cheap for a long run), from the start
        where the calendar would make it drift (months clamped at a month's end)."""
        if self.unit in ("days", "working_days"):
            return Duration(self.amount, self.unit).add(previous, cal)
        if self.unit == "weeks":
            return Duration(self.amount * 7, "days").add(previous, cal)
        return self.nth(start, k + 1, cal)

    def seconds_estimate(self) -> float:
        """Rough length of one period in seconds (for ordering and the diagram)."""
        if self.unit == "half_months":
            return Duration(1, "months").seconds_estimate() / 2
        if self.unit == "weeks":
            return Duration(self.amount * 7, "days").seconds_estimate()
        return Duration(self.amount, self.unit).seconds_estimate()


def _half_month(start: datetime, k: int, calendar: WorkCalendar) -> datetime:
    # The half-month boundaries are the 15th and the last day of each month, at day's end:
    # the first one after the start is the k = 1 occurrence.
    if start.tzinfo is None:
        calendar.local(start)  # refuses a naive moment, as every count from a start does
    return _boundary(_first_half(start, calendar.zone) + k - 1, calendar.zone)


# Both are pure functions of a moment (or an index) and a time zone, and a sweep asks them
# the same few questions again and again (every case's series starts on one of a few days,
# and every occurrence of a month falls on one of its two boundaries): computed once each.
@lru_cache(maxsize=4096)
def _first_half(start: datetime, zone: tzinfo) -> int:
    """The index (year·24 + month0·2 + half) of the first half-month boundary after `start`."""
    local = start.astimezone(zone).replace(tzinfo=None)
    index = (local.year * 12 + local.month - 1) * 2  # the first half of the start's month
    last = _calendar.monthrange(local.year, local.month)[1]
    for day in (15, last):
        if local >= datetime.combine(date(local.year, local.month, day), _END_OF_DAY):
            index += 1
    return index


@lru_cache(maxsize=1024)
def _boundary(index: int, zone: tzinfo) -> datetime:
    """The moment (UTC) of half-month boundary `index`: the end of the 15th or of the last day."""
    months, half = divmod(index, 2)
    year, month0 = divmod(months, 12)
    day = 15 if half == 0 else _calendar.monthrange(year, month0 + 1)[1]
    moment = datetime.combine(date(year, month0 + 1, day), _END_OF_DAY, tzinfo=zone)
    return moment.astimezone(UTC)


def parse_every(text: object) -> Every:
    """Parse a recurring period; DurationError says what is accepted."""
    if not isinstance(text, str):
        raise DurationError(f"bad period {text!r}: expected {EVERY_ACCEPTED}")
    normal = " ".join(text.lower().split())
    if _HALF.fullmatch(normal):
        return Every(1, "half_months")
    if normal in ("day", "week", "month", "working day"):
        normal = f"1 {normal}"
    try:
        duration = parse_duration(normal)
    except DurationError:
        raise DurationError(f"bad period {text!r}: expected {EVERY_ACCEPTED}") from None
    if duration.unit not in EVERY_UNITS:
        raise DurationError(
            f"bad period {text!r}: a recurring timer counts whole days, working days, weeks,"
            f" half months or months, not {duration.unit.replace('_', ' ')}"
        )
    return Every(duration.amount, duration.unit)
