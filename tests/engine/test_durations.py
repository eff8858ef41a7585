"""Tests for timer durations."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.durations import UNITS, Duration, DurationError, parse_duration
from engine.workcalendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        pytest.param("30 minutes", 30, "minutes", id="minutes"),
        pytest.param("1 minute", 1, "minutes", id="minute"),
        pytest.param("2 hours", 2, "hours", id="hours"),
        pytest.param("1 hour", 1, "hours", id="hour"),
        pytest.param("7 days", 7, "days", id="days"),
        pytest.param("1 day", 1, "days", id="day"),
        pytest.param("1 week", 1, "weeks", id="week"),
        pytest.param("3 weeks", 3, "weeks", id="weeks"),
        pytest.param("1 month", 1, "months", id="month"),
        pytest.param("3 months", 3, "months", id="months"),
        pytest.param("15 working days", 15, "working_days", id="working-days"),
        pytest.param("1 working day", 1, "working_days", id="working-day"),
        pytest.param("4 working hours", 4, "working_hours", id="working-hours"),
        pytest.param("1 working hour", 1, "working_hours", id="working-hour"),
        pytest.param("30m", 30, "minutes", id="short-m"),
        pytest.param("2h", 2, "hours", id="short-h"),
        pytest.param("7d", 7, "days", id="short-d"),
        pytest.param("2w", 2, "weeks", id="short-w"),
        pytest.param("2 H", 2, "hours", id="short-upper"),
        pytest.param("  15   Working   Days ", 15, "working_days", id="spaces-and-case"),
        pytest.param("7DAYS", 7, "days", id="no-space"),
        pytest.param("15 working_days", 15, "working_days", id="underscore"),
        pytest.param("15 working-days", 15, "working_days", id="hyphen"),
        pytest.param("072 hours", 72, "hours", id="leading-zero"),
        pytest.param("1 days", 1, "days", id="plural-with-one"),
    ],
)
def test_parse(text: str, amount: int, unit: str) -> None:
    assert parse_duration(text) == Duration(amount, unit)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("", "expected '<n> <unit>'", id="empty"),
        pytest.param("days", "expected '<n> <unit>'", id="no-amount"),
        pytest.param("7", "expected '<n> <unit>'", id="no-unit"),
        pytest.param("0 days", "positive whole number", id="zero"),
        pytest.param("-1 days", "positive whole number", id="negative"),
        pytest.param("1.5 hours", "positive whole number", id="fraction"),
        pytest.param("7 dyas", "did you mean '7 days'?", id="misspelt-days"),
        pytest.param("15 workng days", "did you mean '15 working days'?", id="misspelt-working"),
        pytest.param("3 mounths", "did you mean '3 months'?", id="misspelt-months"),
        pytest.param("2 fortnights", "unknown unit 'fortnights'", id="unknown-unit"),
        pytest.param("7 days 2 hours", "expected '<n> <unit>'", id="compound"),
        pytest.param("1 year", "unknown unit 'year'", id="year"),
        pytest.param("200 years", "unknown unit", id="years"),
        pytest.param("6000 weeks", "too long", id="too-long"),
        pytest.param("9" * 5000 + " days", "too long", id="absurd-amount"),
        pytest.param("1e3 days", "expected '<n> <unit>'", id="exponent"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert fragment in str(info.value)


def test_error_lists_accepted_forms() -> None:
    with pytest.raises(DurationError) as info:
        parse_duration("soon")
    message = str(info.value)
    for form in ("minute(s)", "hour(s)", "day(s)", "week(s)", "month(s)", "working day(s)"):
        assert form in message
    for short in ("30m", "2h", "7d", "2w"):
        assert short in message


def test_duration_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        parse_duration("never")


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        pytest.param(Duration(7, "days"), "7 days", id="days"),
        pytest.param(Duration(1, "days"), "1 day", id="day"),
        pytest.param(Duration(15, "working_days"), "15 working days", id="working-days"),
        pytest.param(Duration(1, "working_days"), "1 working day", id="working-day"),
        pytest.param(Duration(4, "working_hours"), "4 working hours", id="working-hours"),
        pytest.param(Duration(30, "minutes"), "30 minutes", id="minutes"),
        pytest.param(Duration(1, "months"), "1 month", id="month"),
        pytest.param(Duration(2, "weeks"), "2 weeks", id="weeks"),
    ],
)
def test_str_is_canonical_and_round_trips(duration: Duration, text: str) -> None:
    assert str(duration) == text
    assert parse_duration(text) == duration


@pytest.mark.parametrize("unit", [pytest.param(u, id=u) for u in UNITS])
def test_every_unit_round_trips(unit: str) -> None:
    for amount in (1, 2, 12):
        d = Duration(amount, unit)
        assert parse_duration(str(d)) == d


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        pytest.param(0, "days", id="zero"),
        pytest.param(-3, "days", id="negative"),
        pytest.param(True, "days", id="bool"),
        pytest.param(1, "years", id="bad-unit"),
        pytest.param(1, "day", id="singular-unit"),
    ],
)
def test_bad_duration_construction(amount: int, unit: str) -> None:
    with pytest.raises(DurationError):
        Duration(amount, unit)


def test_ordering_by_estimate() -> None:
    texts = ["1 month", "4 working hours", "30m", "15 working days", "2h", "1 week", "1 day"]
    ordered = sorted(texts, key=lambda t: parse_duration(t).seconds_estimate())
    assert ordered == [
        "30m",
        "2h",
        "4 working hours",
        "1 day",
        "1 week",
        "15 working days",
        "1 month",
    ]
    assert parse_duration("2 hours").seconds_estimate() == 7200
    assert parse_duration("1 working day").seconds_estimate() > 86400


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        pytest.param("30 minutes", "2026-09-30 23:45", "2026-10-01 00:15", id="minutes"),
        pytest.param("2 hours", "2026-09-30 10:00", "2026-09-30 12:00", id="hours"),
        pytest.param("7 days", "2026-09-30 10:00", "2026-10-07 10:00", id="days-ignore-holidays"),
        pytest.param("2w", "2026-09-30 10:00", "2026-10-14 10:00", id="weeks"),
        pytest.param("1 month", "2026-01-15 10:00", "2026-02-15 10:00", id="month"),
        pytest.param("1 month", "2026-01-31 10:00", "2026-02-28 10:00", id="month-clamped"),
        pytest.param("1 month", "2028-01-31 10:00", "2028-02-29 10:00", id="month-leap"),
        pytest.param("3 months", "2026-11-30 08:00", "2027-02-28 08:00", id="months-over-year"),
        pytest.param("12 months", "2026-03-31 08:00", "2027-03-31 08:00", id="twelve-months"),
        pytest.param("1 working day", "2026-09-30 10:00", "2026-10-08 10:00", id="national-day"),
        pytest.param("1 working day", "2026-09-18 15:00", "2026-09-20 15:00", id="working-sunday"),
        pytest.param("4 working hours", "2026-09-29 16:00", "2026-09-30 11:30", id="overnight"),
        pytest.param("2 working hours", "2026-09-29 11:00", "2026-09-29 14:30", id="lunch"),
        pytest.param("1 working hour", "2026-09-30 17:00", "2026-10-08 09:30", id="holiday"),
    ],
)
def test_add(text: str, start: str, expected: str) -> None:
    result = parse_duration(text).add(sh(start), CAL)
    assert result == sh(expected)
    assert result.tzinfo is UTC


def test_month_uses_calendar_local_date() -> None:
    # 2026-01-31 16:30 UTC is already 2026-02-01 00:30 in Shanghai
    start = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)
    assert parse_duration("1 month").add(start, CAL) == sh("2026-03-01 00:30")


def test_add_rejects_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_duration("1 day").add(datetime(2026, 9, 30, 10), CAL)


def test_add_out_of_range() -> None:
    with pytest.raises(DurationError, match="out of range"):
        parse_duration("2 months").add(datetime(9999, 12, 1, tzinfo=UTC), CAL)


def test_duration_is_hashable_and_frozen() -> None:
    d = parse_duration("7d")
    assert {d: 1}[Duration(7, "days")] == 1
    with pytest.raises(AttributeError):
        d.amount = 3  # type: ignore[misc]
