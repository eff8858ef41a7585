"""Case-level timers (the workflow's `timers:`) and recurring timers (`every:`), with the
injected clock: armed when the case opens or a field is set, running through every state,
cancelled when the case closes; each occurrence fired once, with its own lateness, also
after an outage of the sweeper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import ManualClock
from engine.loader import parse_definition
from engine.model import Actor, Event
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.store.timer_health import timer_health
from engine.workcalendar import WorkCalendar

SOURCE = """
name: inspection
version: 1
title: {zh: 巡查, en: Inspection}
initial: open
owner_roles: [mediator]
opening:
  accepts: [received_at, end_on]
fields:
  received_at: {type: datetime, label: {zh: 收到时间, en: Received}}
  end_on: {type: date, label: {zh: 截止日期, en: End}}
  rounds: {type: int, min: 0, default: 0, label: {zh: 巡查次数, en: Rounds}}
  ticks: {type: int, min: 0, default: 0, label: {zh: 周检次数, en: Ticks}}
timers:
  - name: answer_due
    after: 15 days
    from_field: received_at
    deadline: true
    action: late
  - name: weekly_check
    every: 7 days
    count: 3
    action: tick
  - name: daily_notice
    every: 1 working day
    until_state: [paused]
    notify: [mediator]
states:
  open:
    label: {zh: 办理中, en: Open}
    roles: [mediator]
    timers:
      - name: round
        every: 2 working days
        until: end_on
        action: round
  paused:
    label: {zh: 暂停, en: Paused}
    roles: [mediator]
  closed:
    label: {zh: 结案, en: Closed}
    final: true
transitions:
  - {action: receive, label: {zh: 收件, en: Receive}, from: [open, paused], to: open,
     requires: [received_at]}
  - {action: late, label: {zh: 超期, en: Late}, from: open, to: open, internal: true,
     roles: [system]}
  - {action: late, label: {zh: 超期, en: Late}, from: paused, to: paused, internal: true,
     roles: [system]}
  - {action: tick, label: {zh: 周检, en: Tick}, from: open, to: open, internal: true,
     roles: [system], set: {ticks: "ticks + 1"}}
  - {action: tick, label: {zh: 周检, en: Tick}, from: paused, to: paused, internal: true,
     roles: [system], set: {ticks: "ticks + 1"}}
  - {action: round, label: {zh: 巡查, en: Round}, from: open, to: open, internal: true,
     roles: [system], set: {rounds: "rounds + 1"}}
  - {action: pause, label: {zh: 暂停, en: Pause}, from: open, to: paused}
  - {action: close, label: {zh: 结案, en: Close}, from: [open, paused], to: closed}
"""
MEDIATOR = Actor("li", "mediator")
CAL = WorkCalendar()


def bj(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+08:00").astimezone(UTC)


@pytest.fixture
def svc(store: SqlStore, clock: ManualClock) -> WorkflowService:
    definition = parse_definition(SOURCE, file="inspection.yaml")
    return WorkflowService(store, Registry([definition]), clock, CAL)


def sweep(svc: WorkflowService, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    while svc.fire_due_timers().claimed:
        pass


def events(svc: WorkflowService, case_id: int, action: str) -> list[Event]:
    return [e for e in svc.history(case_id) if e.action == action]


def pending(svc: WorkflowService, case_id: int, name: str) -> list[tuple[str, int | None]]:
    return [
        (CAL.local(t.fire_at).strftime("%Y-%m-%d %H:%M"), t.occurrence)
        for t in svc.pending_timers(case_id)
        if t.name == name and t.kind == "deadline"
    ]


def test_a_case_timer_is_armed_when_its_field_is_set_and_again_when_it_changes(
    svc: WorkflowService, clock: ManualClock
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {}).case
    assert pending(svc, case.id, "answer_due") == []  # no start yet
    svc.fire(case.id, "receive", MEDIATOR, {"received_at": "2026-11-20T15:00:00+08:00"})
    # 15 days counted from the day after receipt: the end of 5 December.
    assert pending(svc, case.id, "answer_due") == [("2026-12-05 23:59", None)]
    svc.fire(case.id, "pause", MEDIATOR)
    svc.fire(case.id, "receive", MEDIATOR, {"received_at": "2026-11-22T10:00:00+08:00"})
    assert pending(svc, case.id, "answer_due") == [("2026-12-07 23:59", None)]


def test_a_case_timer_runs_through_every_state_and_fires_late_with_its_lateness(
    svc: WorkflowService, clock: ManualClock
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {"received_at": "2026-11-20T15:00:00+08:00"}).case
    svc.fire(case.id, "pause", MEDIATOR)  # leaving `open` leaves the case's timers running
    assert pending(svc, case.id, "answer_due") == [("2026-12-05 23:59", None)]
    sweep(svc, clock, bj("2026-12-07T09:00:00"))
    [late] = events(svc, case.id, "late")
    assert late.from_state == "paused"
    assert late.note == "deadline missed: answer_due; fired 1 d 9 h late"
    assert (
        late.lateness_s == (bj("2026-12-07T09:00:00") - bj("2026-12-05T23:59:59")).total_seconds()
    )


def test_closing_the_case_cancels_its_timers(svc: WorkflowService, clock: ManualClock) -> None:
    case = svc.open_case("inspection", MEDIATOR, {"received_at": "2026-11-20T15:00:00+08:00"}).case
    svc.fire(case.id, "close", MEDIATOR)
    assert svc.pending_timers(case.id) == []
    sweep(svc, clock, bj("2027-03-01T09:00:00"))
    assert [e.action for e in svc.history(case.id)] == ["open", "close"]


def test_a_count_ends_the_series_and_an_outage_records_each_occurrence_once(
    svc: WorkflowService, clock: ManualClock
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {}).case  # Monday 23 November, 09:00
    assert pending(svc, case.id, "weekly_check") == [("2026-11-30 09:00", 1)]
    # The sweeper is down for five weeks: the three occurrences are fired when it is back,
    # each with its own lateness, and no fourth one.
    back = bj("2026-12-28T09:00:00")
    sweep(svc, clock, back)
    ticks = events(svc, case.id, "tick")
    due = [bj(d) for d in ("2026-11-30T09:00:00", "2026-12-07T09:00:00", "2026-12-14T09:00:00")]
    assert [e.lateness_s for e in ticks] == [(back - d).total_seconds() for d in due]
    assert svc.get_case(case.id).data["ticks"] == 3
    assert pending(svc, case.id, "weekly_check") == []
    sweep(svc, clock, back + timedelta(days=30))
    assert len(events(svc, case.id, "tick")) == 3


def test_a_notice_only_recurring_timer_stops_at_its_until_state(
    svc: WorkflowService, clock: ManualClock
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {}).case
    assert pending(svc, case.id, "daily_notice") == [("2026-11-24 09:00", 1)]
    sweep(svc, clock, bj("2026-11-25T12:00:00"))
    assert pending(svc, case.id, "daily_notice") == [("2026-11-26 09:00", 3)]
    svc.fire(case.id, "pause", MEDIATOR)
    assert pending(svc, case.id, "daily_notice") == []
    # Coming back from the until_state does not restart it: the case's series has ended.
    svc.fire(case.id, "receive", MEDIATOR, {"received_at": "2026-11-25T12:00:00+08:00"})
    assert pending(svc, case.id, "daily_notice") == []


def test_a_states_recurring_timer_counts_working_days_and_stops_at_its_until_date(
    svc: WorkflowService, clock: ManualClock
) -> None:
    clock.set(bj("2026-12-29T09:00:00"))  # a Tuesday
    case = svc.open_case("inspection", MEDIATOR, {"end_on": "2027-01-08"}).case
    sweep(svc, clock, bj("2027-01-20T09:00:00"))
    rounds = events(svc, case.id, "round")
    # Every 2 working days: 31 December, then New Year's Day and the weekend skipped
    # (5 January), 7 January; the next (11 January) is past the end date.
    assert [
        CAL.local(e.at - timedelta(seconds=e.lateness_s or 0)).date().isoformat() for e in rounds
    ] == [
        "2026-12-31",
        "2027-01-05",
        "2027-01-07",
    ]
    assert pending(svc, case.id, "round") == []


def test_leaving_the_state_ends_its_recurring_timer_and_coming_back_starts_it_afresh(
    svc: WorkflowService, clock: ManualClock
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {}).case
    sweep(svc, clock, bj("2026-11-26T09:30:00"))
    assert pending(svc, case.id, "round") == [("2026-11-27 09:00", 2)]
    svc.fire(case.id, "pause", MEDIATOR)
    assert pending(svc, case.id, "round") == []
    svc.fire(case.id, "receive", MEDIATOR, {"received_at": "2026-11-26T09:30:00+08:00"})
    assert pending(svc, case.id, "round") == [("2026-11-30 09:30", 1)]


def test_a_case_level_timer_given_up_counts_in_the_health_while_the_case_is_open(
    svc: WorkflowService, clock: ManualClock, store: SqlStore
) -> None:
    case = svc.open_case("inspection", MEDIATOR, {}).case
    [weekly] = [t for t in svc.pending_timers(case.id) if t.name == "weekly_check"]
    weekly.status, weekly.attempts, weekly.fired_at = "failed", 5, clock.now()
    with store.transaction() as tx:
        tx.finish_timers([weekly])
    with store.transaction(write=False) as tx:
        assert timer_health(tx, clock.now()).failed == 1
    svc.fire(case.id, "close", MEDIATOR)
    with store.transaction(write=False) as tx:
        assert timer_health(tx, clock.now()).failed == 0
