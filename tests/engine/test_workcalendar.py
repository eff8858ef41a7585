"""Tests for the working-day / working-hour calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.workcalendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def sh(text: str) -> datetime:
    """A Shanghai wall-clock moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param("2026-09-29", True, id="ordinary-tuesday"),
        pytest.param("2026-09-26", False, id="ordinary-saturday"),
        pytest.param("2026-09-20", True, id="adjusted-working-sunday"),
        pytest.param("2026-10-10", True, id="adjusted-working-saturday"),
        pytest.param("2026-10-11", False, id="sunday-after-national-day"),
        pytest.param("2026-10-01", False, id="national-day"),
        pytest.param("2026-10-07", False, id="national-day-substituted"),
        pytest.param("2026-10-08", True, id="back-to-work"),
        pytest.param("2026-09-25", False, id="mid-autumn"),
        pytest.param("2026-02-17", False, id="spring-festival"),
        pytest.param("2026-02-28", True, id="adjusted-saturday-after-spring-festival"),
        pytest.param("2026-01-01", False, id="new-year"),
        pytest.param("2026-01-04", True, id="adjusted-sunday-new-year"),
        pytest.param("2024-02-29", True, id="leap-day"),
        pytest.param("2026-12-31", True, id="last-day-of-year"),
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_is_working_day_takes_local_date_of_aware_datetime() -> None:
    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Shanghai: a holiday
    assert CAL.is_working_day(datetime(2026, 9, 30, 17, tzinfo=UTC)) is False
    assert CAL.is_working_day(datetime(2026, 9, 30, 15, tzinfo=UTC)) is True


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2026-09-29", "2026-09-30", id="weekday"),
        pytest.param("2026-09-30", "2026-10-08", id="over-national-day"),
        pytest.param("2026-10-08", "2026-10-09", id="thursday-to-friday"),
        pytest.param("2026-10-09", "2026-10-10", id="to-adjusted-saturday"),
        pytest.param("2026-10-10", "2026-10-12", id="saturday-to-monday"),
        pytest.param("2026-09-19", "2026-09-20", id="saturday-to-adjusted-sunday"),
        pytest.param("2026-12-31", "2027-01-04", id="over-year-end"),
    ],
)
def test_next_working_day(day: str, expected: str) -> None:
    assert CAL.next_working_day(date.fromisoformat(day)) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param("2026-09-29 10:00", "2026-09-29 10:00", id="working-day-unchanged"),
        pytest.param("2026-09-29 23:00", "2026-09-29 23:00", id="evening-unchanged"),
        pytest.param("2026-10-01 10:00", "2026-10-08 10:00", id="holiday-to-next-working-day"),
        pytest.param("2026-10-03 20:15", "2026-10-08 20:15", id="keeps-time-of-day"),
        pytest.param("2026-09-26 09:00", "2026-09-28 09:00", id="weekend"),
        pytest.param("2026-09-20 09:00", "2026-09-20 09:00", id="adjusted-sunday-unchanged"),
    ],
)
def test_roll_forward(start: str, expected: str) -> None:
    result = CAL.roll_forward(sh(start))
    assert result == sh(expected)
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2026-09-30 10:00", 1, "2026-10-08 10:00", id="holiday-timer-national-day"),
        pytest.param("2026-09-29 10:00", 2, "2026-10-08 10:00", id="two-days-over-holiday"),
        pytest.param("2026-09-30 10:00", 3, "2026-10-10 10:00", id="adjusted-saturday-counts"),
        pytest.param("2026-09-18 15:00", 1, "2026-09-20 15:00", id="adjusted-sunday-counts"),
        pytest.param("2026-09-28 09:00", 5, "2026-10-10 09:00", id="five-over-holiday"),
        pytest.param("2026-10-03 10:00", 1, "2026-10-08 10:00", id="start-on-holiday"),
        pytest.param("2026-09-26 10:00", 1, "2026-09-28 10:00", id="start-on-saturday"),
        pytest.param("2026-09-29 22:30", 1, "2026-09-30 22:30", id="keeps-evening-time"),
        pytest.param("2026-09-29 10:00", 0, "2026-09-29 10:00", id="zero"),
        pytest.param("2026-12-30 10:00", 2, "2027-01-04 10:00", id="over-new-year"),
        pytest.param("2026-09-01 10:00", 15, "2026-09-21 10:00", id="fifteen-days"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    result = CAL.add_working_days(sh(start), n)
    assert result == sh(expected)
    assert result.tzinfo is UTC


def test_add_working_days_uses_local_date_of_utc_input() -> None:
    # 2026-09-29 20:00 UTC is already Wednesday 2026-09-30 04:00 in Shanghai
    start = datetime(2026, 9, 29, 20, tzinfo=UTC)
    assert CAL.add_working_days(start, 1) == sh("2026-10-08 04:00")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2026-09-29 09:00", 1, "2026-09-29 10:00", id="inside-morning"),
        pytest.param("2026-09-29 11:00", 1, "2026-09-29 12:00", id="ends-at-lunch"),
        pytest.param("2026-09-29 11:30", 1, "2026-09-29 14:00", id="across-lunch"),
        pytest.param("2026-09-29 12:00", 1, "2026-09-29 14:30", id="start-at-lunch"),
        pytest.param("2026-09-29 12:45", 2, "2026-09-29 15:30", id="start-during-lunch"),
        pytest.param("2026-09-29 17:00", 1, "2026-09-30 09:30", id="overnight"),
        pytest.param("2026-09-29 17:30", 1, "2026-09-30 10:00", id="start-at-close"),
        pytest.param("2026-09-29 20:00", 2, "2026-09-30 11:00", id="start-in-evening"),
        pytest.param("2026-09-29 07:00", 1, "2026-09-29 10:00", id="start-before-opening"),
        pytest.param("2026-09-29 09:00", 7, "2026-09-29 17:30", id="whole-day"),
        pytest.param("2026-09-29 09:00", 8, "2026-09-30 10:00", id="day-and-an-hour"),
        pytest.param("2026-09-29 10:15", 14, "2026-10-08 10:15", id="two-days-over-holiday"),
        pytest.param("2026-09-30 17:00", 1, "2026-10-08 09:30", id="overnight-into-holiday"),
        pytest.param("2026-10-01 10:00", 2, "2026-10-08 11:00", id="start-on-holiday"),
        pytest.param("2026-10-09 16:30", 2, "2026-10-10 10:00", id="into-adjusted-saturday"),
        pytest.param("2026-09-19 10:00", 4, "2026-09-20 14:30", id="on-adjusted-sunday"),
        pytest.param("2026-09-29 10:00", 0, "2026-09-29 10:00", id="zero"),
        pytest.param("2026-09-29 10:20", 3, "2026-09-29 14:50", id="odd-minutes"),
    ],
)
def test_add_working_hours(start: str, n: int, expected: str) -> None:
    result = CAL.add_working_hours(sh(start), n)
    assert result == sh(expected)
    assert result.tzinfo is UTC


def test_add_working_hours_keeps_seconds_and_microseconds() -> None:
    start = sh("2026-09-29 11:59").replace(second=30, microsecond=250)
    assert CAL.add_working_hours(start, 1) == sh("2026-09-29 14:29").replace(
        second=30, microsecond=250
    )


def test_add_working_hours_from_utc_input() -> None:
    start = datetime(2026, 9, 29, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert CAL.add_working_hours(start, 4) == sh("2026-09-29 14:30")


def test_add_working_hours_many_matches_day_by_day() -> None:
    start = sh("2026-09-01 10:00")
    assert CAL.add_working_hours(start, 7 * 15) == CAL.add_working_days(start, 15)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m: CAL.roll_forward(m), id="roll_forward"),
        pytest.param(lambda m: CAL.add_working_days(m, 1), id="add_working_days"),
        pytest.param(lambda m: CAL.add_working_hours(m, 1), id="add_working_hours"),
        pytest.param(lambda m: CAL.local(m), id="local"),
        pytest.param(lambda m: CAL.is_working_day(m), id="is_working_day"),
    ],
)
def test_naive_datetimes_rejected(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 9, 29, 10, 0))


@pytest.mark.parametrize(
    "n",
    [pytest.param(-1, id="minus-one")],
)
def test_negative_counts_rejected(n: int) -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(sh("2026-09-29 10:00"), n)
    with pytest.raises(ValueError):
        CAL.add_working_hours(sh("2026-09-29 10:00"), n)


def test_custom_periods_and_zone() -> None:
    cal = WorkCalendar(tz="Asia/Shanghai", periods=((time(8, 0), time(16, 0)),))
    assert cal.seconds_per_day == 8 * 3600
    assert cal.add_working_hours(sh("2026-09-29 15:00"), 2) == sh("2026-09-30 09:00")
    assert cal.tz == "Asia/Shanghai"


@pytest.mark.parametrize(
    "periods",
    [
        pytest.param((), id="empty"),
        pytest.param(((time(12), time(9)),), id="reversed"),
        pytest.param(((time(9), time(12)), (time(11), time(13))), id="overlapping"),
        pytest.param(((time(9, tzinfo=UTC), time(12)),), id="aware-times"),
    ],
)
def test_bad_periods_rejected(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(periods=periods)


def test_results_are_utc_and_consistent_across_zones() -> None:
    start = sh("2026-09-29 11:30").astimezone(ZoneInfo("America/New_York"))
    result = CAL.add_working_hours(start, 1)
    assert result.utcoffset() == timedelta(0)
    assert result == sh("2026-09-29 14:00")


def test_holiday_tables_are_cached_per_year() -> None:
    cal = WorkCalendar()
    cal.is_working_day(date(2026, 5, 1))
    cal.is_working_day(date(2026, 6, 1))
    cal.is_working_day(date(2027, 1, 1))
    assert sorted(cal._years) == [2026, 2027]


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        pytest.param("2026-09-30 16:00", "2026-10-08 16:00", 7.0, id="across-national-day"),
        pytest.param("2026-09-29 08:00", "2026-09-29 20:00", 7.0, id="one-whole-day"),
        pytest.param("2026-09-29 11:00", "2026-09-29 14:00", 1.5, id="over-lunch"),
        pytest.param("2026-10-03 10:00", "2026-10-04 10:00", 0.0, id="holiday-only"),
        pytest.param("2026-09-29 15:00", "2026-09-29 10:00", 0.0, id="end-before-start"),
    ],
)
def test_working_seconds_between(start: str, end: str, hours: float) -> None:
    assert CAL.working_seconds_between(sh(start), sh(end)) == hours * 3600


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param("2026-09-30 16:00", 5.6, "2026-10-08 14:36", id="after-national-day"),
        pytest.param("2026-09-29 11:00", 1.0, "2026-09-29 12:00", id="a-period-end-is-inside"),
        pytest.param("2026-10-03 10:00", 0.5, "2026-10-08 09:30", id="from-a-holiday"),
    ],
)
def test_add_working_seconds(start: str, hours: float, expected: str) -> None:
    assert CAL.add_working_seconds(sh(start), hours * 3600) == sh(expected)
