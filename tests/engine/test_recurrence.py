"""Recurring periods (`every:`): parsing, and when each occurrence falls due."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import pytest

from engine.durations import DurationError
from engine.recurrence import Every, parse_every
from engine.workcalendar import WorkCalendar

CAL = WorkCalendar()


def bj(text: str) -> datetime:
    """A Beijing local moment (ISO without offset), in UTC."""
    return datetime.fromisoformat(f"{text}+08:00").astimezone(UTC)


def local(moment: datetime) -> str:
    return CAL.local(moment).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("half month", Every(1, "half_months")),
        ("Half-Month", Every(1, "half_months")),
        ("month", Every(1, "months")),
        ("3 months", Every(3, "months")),
        ("7 days", Every(7, "days")),
        ("day", Every(1, "days")),
        ("2 weeks", Every(2, "weeks")),
        ("5 working days", Every(5, "working_days")),
    ],
)
def test_periods_are_read(text: str, every: Every) -> None:
    assert parse_every(text) == every


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("4 hours", "not hours"),
        ("30 minutes", "not minutes"),
        ("2 working hours", "not working hours"),
        ("fortnightly", "expected '<n> days'"),
        ("0 days", "expected '<n> days'"),
    ],
)
def test_periods_a_recurring_timer_cannot_count_are_refused(text: str, said: str) -> None:
    with pytest.raises(DurationError, match=said):
        parse_every(text)


def test_half_months_end_with_the_15th_and_the_month_end_after_the_start() -> None:
    every = parse_every("half month")
    start = bj("2027-01-20T23:59:59")  # the end of the start day: it is not counted
    got = [local(every.nth(start, k, CAL)) for k in range(1, 6)]
    assert got == [
        "2027-01-31 23:59:59",
        "2027-02-15 23:59:59",
        "2027-02-28 23:59:59",  # not a leap year
        "2027-03-15 23:59:59",
        "2027-03-31 23:59:59",
    ]
    # Started on a boundary day, the next boundary is the first occurrence.
    assert local(every.nth(bj("2028-02-15T23:59:59"), 2, CAL)) == "2028-03-15 23:59:59"
    assert local(every.nth(bj("2028-02-15T23:59:59"), 1, CAL)) == "2028-02-29 23:59:59"


def test_a_month_is_the_same_day_clamped_to_the_month_end_without_drifting() -> None:
    every = parse_every("month")
    start = bj("2027-01-31T10:00:00")
    got = [local(every.nth(start, k, CAL)) for k in range(1, 5)]
    assert got == [
        "2027-02-28 10:00:00",
        "2027-03-31 10:00:00",  # counted from the start: not the 28th again
        "2027-04-30 10:00:00",
        "2027-05-31 10:00:00",
    ]
    # Counting on from an occurrence agrees with counting from the start.
    second = every.after(every.nth(start, 1, CAL), start, 1, CAL)
    assert local(second) == "2027-03-31 10:00:00"


def test_working_days_skip_weekends_and_public_holidays() -> None:
    every = parse_every("2 working days")
    start = bj("2026-12-30T09:00:00")  # a Wednesday
    first = every.nth(start, 1, CAL)
    # Thursday 31 December, then New Year's Day (Friday) and the weekend are skipped.
    assert local(first) == "2027-01-04 09:00:00"
    second = every.after(first, start, 1, CAL)
    assert local(second) == "2027-01-06 09:00:00"
    assert every.nth(start, 2, CAL) == second
    for k in range(1, 40):
        assert CAL.is_working_day(every.nth(start, k, CAL))


def test_days_and_weeks_keep_the_local_time_of_day() -> None:
    start = bj("2026-11-23T09:00:00")
    assert local(parse_every("7 days").nth(start, 3, CAL)) == "2026-12-14 09:00:00"
    assert local(parse_every("2 weeks").nth(start, 2, CAL)) == "2026-12-21 09:00:00"
    weekly = parse_every("week")
    assert weekly.after(weekly.nth(start, 1, CAL), start, 1, CAL) == weekly.nth(start, 2, CAL)


def test_occurrences_count_from_one() -> None:
    with pytest.raises(ValueError, match="counted from 1"):
        parse_every("month").nth(bj("2027-01-01T00:00:00"), 0, CAL)


def test_the_kth_half_month_is_the_kth_boundary_after_any_start() -> None:
    boundaries = [
        datetime.combine(date(y, m, d), time(23, 59, 59), tzinfo=CAL.zone).astimezone(UTC)
        for y in (2026, 2027, 2028)
        for m in range(1, 13)
        for d in (15, calendar.monthrange(y, m)[1])
    ]
    every = parse_every("half month")
    starts = [bj("2026-01-01T00:00:00") + timedelta(minutes=97 * i) for i in range(0, 8000, 37)]
    for start in [*starts, *boundaries[:30]]:
        expected = [b for b in boundaries if b > start][:3]
        assert [every.nth(start, k, CAL) for k in (1, 2, 3)] == expected, start


def test_half_months_asked_again_give_the_same_moments_in_each_calendars_zone() -> None:
    # 16:30 UTC on 31 January is already 1 February in Beijing: the two calendars count
    # from different local days, and answers kept for one are not the other's.
    every = parse_every("half month")
    start = datetime(2027, 1, 31, 16, 30, tzinfo=UTC)
    utc = WorkCalendar("UTC")
    for _ in range(3):  # the second and third ask are answered from what was kept
        assert local(every.nth(start, 1, CAL)) == "2027-02-15 23:59:59"
        assert every.nth(start, 1, utc) == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
        assert every.nth(start, 3, utc) == datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)
        # The same moment written in another offset is the same start.
        assert every.nth(start.astimezone(CAL.zone), 2, CAL) == every.nth(start, 2, CAL)
        assert local(every.nth(start, 2, CAL)) == "2027-02-28 23:59:59"


def test_a_naive_start_is_refused_even_after_its_moment_was_counted() -> None:
    every = parse_every("half month")
    start = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    every.nth(start, 1, CAL)
    with pytest.raises(ValueError, match="timezone-aware"):
        every.nth(start.replace(tzinfo=None), 1, CAL)
