"""Arming timers: when they fall due, the reminder before them, and how lateness reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from engine.definition import Definition, TimerAfter, TimerDef
from engine.durations import parse_duration
from engine.model import Case, Timer
from engine.timers import (
    _find_timer_def,
    arm,
    as_moment,
    due_at,
    human,
    period_start,
    timer_def,
    timer_key,
)
from engine.workcalendar import WorkCalendar

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


class Armed:
    """The one Transaction method arming uses."""

    def __init__(self) -> None:
        self.timers: list[Timer] = []

    def arm_timers(self, timers: Sequence[Timer]) -> None:
        self.timers.extend(timers)


def _case(data: dict[str, Any]) -> Case:
    return Case(1, "w", 1, "s", data, 3, START, START, START, 3, 3)


def test_a_timer_with_a_reminder_arms_both_for_the_entry_it_belongs_to() -> None:
    tdef = TimerDef(
        "visit",
        "s",
        TimerAfter(parse_duration("10 days")),
        action="overdue",
        remind_at=0.8,
        notify=("mediator",),
    )
    tx = Armed()
    arm(tx, [tdef], _case({}), START, START, WorkCalendar())  # type: ignore[arg-type]
    deadline, reminder = tx.timers
    assert (deadline.kind, deadline.fire_at, deadline.action) == (
        "deadline",
        START + timedelta(days=10),
        "overdue",
    )
    assert (reminder.kind, reminder.fire_at) == ("reminder", START + timedelta(days=8))
    assert {deadline.armed_seq, reminder.armed_seq} == {3}


def test_a_field_can_name_the_moment_and_a_missing_duration_arms_nothing() -> None:
    cal = WorkCalendar()
    tdef = TimerDef("visit", "s", TimerAfter(parse_duration("7 days")), at_field="visit_date")
    planned = due_at(tdef, {"visit_date": "2026-12-01"}, START, cal)
    assert planned == datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing
    assert due_at(tdef, {}, START, cal) == START + timedelta(days=7)
    by_field = TimerDef("t", "s", TimerAfter(by="severity", table={}))
    tx = Armed()
    arm(tx, [by_field], _case({"severity": "red"}), START, START, cal)  # type: ignore[arg-type]
    assert tx.timers == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)),
        (date(2026, 12, 1), datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)),
        ("2026-12-01T10:00:00+00:00", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
        (5, None),
    ],
)
def test_moments_from_field_values(value: object, expected: datetime | None) -> None:
    assert as_moment(value, "Asia/Shanghai") == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30 s"), (420, "7 min"), (3900, "1 h 5 min"), (2 * 86400 + 3 * 3600, "2 d 3 h")],
)
def test_lateness_in_words(seconds: float, text: str) -> None:
    assert human(seconds) == text


def test_a_timer_fires_under_its_own_key() -> None:
    assert timer_key(Timer(1, "t", "deadline", START, 1, id=42)) == "timer:42"


def test_the_reminder_of_a_working_time_timer_falls_at_80_percent_of_the_working_time() -> None:
    """1 working day from Wednesday 30 September 2026 16:00 is Thursday 8 October 16:00 (the
    National Day holiday between): 7 working hours. The reminder falls after 5.6 of them, at
    14:36 on 8 October, not at 80 % of the elapsed week (01:36 on 7 October, a holiday)."""
    cal = WorkCalendar()
    start = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Beijing
    tdef = TimerDef(
        "accept",
        "s",
        TimerAfter(parse_duration("1 working day")),
        action="overdue",
        remind_at=0.8,
        notify=("mediator",),
    )
    tx = Armed()
    arm(tx, [tdef], _case({}), start, start, cal)  # type: ignore[arg-type]
    deadline, reminder = tx.timers
    assert deadline.fire_at == datetime(2026, 10, 8, 8, 0, tzinfo=UTC)
    assert reminder.fire_at == datetime(2026, 10, 8, 6, 36, tzinfo=UTC)  # 14:36 in Beijing
    assert cal.is_working_day(reminder.fire_at)


def test_a_planned_date_means_the_end_of_that_day() -> None:
    cal = WorkCalendar()
    tdef = TimerDef("visit", "s", TimerAfter(parse_duration("7 days")), at_field="visit_date")
    end_of_day = datetime(2026, 12, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing
    assert due_at(tdef, {"visit_date": "2026-12-01"}, START, cal) == end_of_day
    # A visit made at 17:00 on the planned day is in time.
    assert datetime(2026, 12, 1, 9, 0, tzinfo=UTC) < end_of_day


def test_timer_lookups_kept_per_version_answer_as_a_fresh_search_does(
    shipped: list[Definition],
) -> None:
    # Every state against every timer name any version holds: its own, the case's, one
    # kept running through it from another state (grid_escalation's keep_through), none.
    for definition in shipped:
        names = {t.name for st in definition.states.values() for t in st.timers}
        names |= {t.name for t in definition.timers} | {"no_such_timer"}
        for state in definition.states:
            for name in sorted(names):
                first = timer_def(definition, state, name)
                # Equal, not the same object: another load of the same version (the same
                # content) may have filled what is kept.
                assert first == _find_timer_def(definition, state, name)
                assert timer_def(definition, state, name) is first  # asked again: kept
        assert timer_def(definition, "no_such_state", "any") is None
    grid = next(d for d in shipped if d.name == "grid_escalation")
    kept = timer_def(grid, "extension_requested", "handling_deadline")
    assert kept is not None and "extension_requested" in kept.keep_through


def test_timer_lookups_of_a_changed_version_are_not_those_of_the_one_before(
    shipped: list[Definition],
) -> None:
    definition = next(d for d in shipped if d.timers)
    name = definition.timers[0].name
    state = next(iter(definition.states))
    assert timer_def(definition, state, name) == definition.timers[0]
    edited = replace(definition, timers=(), content_hash=definition.content_hash + "-edited")
    assert timer_def(edited, state, name) == _find_timer_def(edited, state, name)
    assert timer_def(definition, state, name) == definition.timers[0]


def test_a_period_of_days_from_a_field_begins_at_the_end_of_its_local_day_each_time() -> None:
    tdef = TimerDef("visit", "s", TimerAfter(parse_duration("3 days")), from_field="met_at")
    met = datetime(2027, 1, 31, 16, 30, tzinfo=UTC)  # already 1 February in Beijing
    case = _case({"met_at": met.isoformat()})
    beijing, utc = WorkCalendar(), WorkCalendar("UTC")
    for _ in range(2):  # asked again: the same answer for each calendar's own day
        assert period_start(tdef, case, START, beijing) == datetime(
            2027, 2, 1, 23, 59, 59, tzinfo=beijing.zone
        )
        assert period_start(tdef, case, START, utc) == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
