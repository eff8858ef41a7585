"""Timer durations such as ``30 minutes``, ``1 month`` or ``15 working days``."""

from __future__ import annotations

import calendar as _calendar
import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from engine.workcalendar import WorkCalendar

__all__ = ["UNITS", "Duration", "DurationError", "parse_duration"]

#: Canonical unit names.
UNITS: Final = (
    "minutes",
    "hours",
    "days",
    "weeks",
    "months",
    "working_days",
    "working_hours",
)

# words (after lower-casing and collapsing spaces, "_" and "-") -> canonical unit
_UNIT_WORDS: Final[dict[str, str]] = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "working day": "working_days",
    "working days": "working_days",
    "working hour": "working_hours",
    "working hours": "working_hours",
}
# spelled-out words offered by "did you mean"
_SUGGESTABLE: Final = [w for w in _UNIT_WORDS if len(w) > 3]

# calendar-time equivalent of one unit, in seconds (working time: 5 of 7 days, 7 h a day)
_SECONDS: Final[dict[str, float]] = {
    "minutes": 60.0,
    "hours": 3600.0,
    "days": 86400.0,
    "weeks": 7 * 86400.0,
    "months": 365.2425 / 12 * 86400.0,
    "working_days": 7 / 5 * 86400.0,
    "working_hours": 7 / 5 * 86400.0 / 7,
}
_MAX_SECONDS: Final = 100 * 365.2425 * 86400.0  # one hundred years

_JOINER: Final = re.compile(r"(?<=[a-z])[-_](?=[a-z])")  # working_days, working-days
_PATTERN: Final = re.compile(r"(?P<amount>[+-]?\d+(?:\.\d*)?)\s*(?P<unit>[a-z][a-z ]*)")

ACCEPTED: Final = (
    "'<n> <unit>' with n a positive whole number and unit one of minute(s), hour(s), day(s), "
    "week(s), month(s), working day(s), working hour(s) (e.g. '30 minutes', '2 hours', "
    "'7 days', '1 month', '15 working days', '4 working hours'), or a short form "
    "30m, 2h, 7d, 2w"
)


class DurationError(ValueError):
    """A duration text that cannot be parsed, or a duration that cannot be applied."""


@dataclass(frozen=True)
class Duration:
    """A positive amount of one unit; calendar units are counted in the calendar's time zone."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise DurationError(f"unknown duration unit {self.unit!r}; expected one of {UNITS}")
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount < 1:
            raise DurationError(f"duration amount must be a positive whole number: {self.amount!r}")

    def __str__(self) -> str:
        word = self.unit.replace("_", " ")
        return f"{self.amount} {word[:-1] if self.amount == 1 else word}"

    def seconds_estimate(self) -> float:
        """Rough length in seconds of calendar time, for ordering and shares of a period.

        Months count 30.44 days; a working day counts 1.4 calendar days (5 in 7) and a working
        hour a seventh of that (7 working hours a day). Holidays are ignored.
        """
        return self.amount * _SECONDS[self.unit]

    def add(self, start: datetime, calendar: WorkCalendar) -> datetime:
        """The moment this duration after ``start`` (aware), as an aware datetime in UTC.

        Minutes and hours are elapsed time; days and weeks keep the local time of day;
        a month is the same day of the month (clamped to the month's end) at the same local
        time; working units follow ``calendar``.
        """
        local = calendar.local(start)
        n = self.amount
        try:
            if self.unit == "minutes":
                return start.astimezone(UTC) + timedelta(minutes=n)
            if self.unit == "hours":
                return start.astimezone(UTC) + timedelta(hours=n)
            if self.unit in ("days", "weeks"):
                days = n * 7 if self.unit == "weeks" else n
                wall = local.replace(tzinfo=None) + timedelta(days=days)
                return wall.replace(tzinfo=calendar.zone).astimezone(UTC)
            if self.unit == "months":
                index = local.year * 12 + (local.month - 1) + n
                year, month = divmod(index, 12)
                month += 1
                day = min(local.day, _calendar.monthrange(year, month)[1])
                moved = datetime.combine(date(year, month, day), local.timetz())
                return moved.astimezone(UTC)
            if self.unit == "working_days":
                return calendar.add_working_days(start, n)
            return calendar.add_working_hours(start, n)
        except (OverflowError, ValueError) as exc:
            raise DurationError(f"{self} after {start.isoformat()} is out of range") from exc


def parse_duration(text: str) -> Duration:
    """Parse a duration such as ``7 days``, ``1 month``, ``15 working days`` or ``2h``."""
    if not isinstance(text, str):
        raise DurationError(f"bad duration {text!r}: expected {ACCEPTED}")
    normal = " ".join(_JOINER.sub(" ", text.lower()).split())
    match = _PATTERN.fullmatch(normal)
    if match is None:
        raise DurationError(f"bad duration {text!r}: expected {ACCEPTED}")
    raw_amount, word = match["amount"], match["unit"].strip()
    unit = _UNIT_WORDS.get(word)
    if unit is None:
        close = difflib.get_close_matches(word, _SUGGESTABLE, n=1, cutoff=0.6)
        hint = f" (did you mean '{raw_amount} {close[0]}'?)" if close else ""
        raise DurationError(
            f"bad duration {text!r}: unknown unit {word!r}{hint}; expected {ACCEPTED}"
        )
    digits = raw_amount.lstrip("0") if raw_amount.isdigit() else ""
    if not digits:
        raise DurationError(
            f"bad duration {text!r}: the amount must be a positive whole number;"
            f" expected {ACCEPTED}"
        )
    amount = int(digits) if len(digits) <= 30 else 10**30
    if amount * _SECONDS[unit] > _MAX_SECONDS:
        raise DurationError(f"bad duration {text!r}: too long (at most about 100 years)")
    return Duration(amount, unit)
