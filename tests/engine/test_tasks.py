"""Tasks in the core (engine.tasks): given on entering a state from a units field, by a
person's step and by a deadline the sweep fires (the bulk path); their deadlines fire the
state's overdue step and keep the others running; who sees which task."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from engine.clock import ManualClock
from engine.loader import parse_definition
from engine.model import Actor, Case, Task
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import tasks as stored
from engine.store.repository import SqlStore
from engine.tasks import CLOSED, DONE, OPEN, all_finished, leads, tasks_seen
from engine.timers import timer_def
from engine.visibility import Visibility
from engine.workcalendar import WorkCalendar

JOINT = """\
name: joint
version: 1
title: {zh: 协同处置, en: Joint handling}
initial: handling
owner_roles: [handler]
fields:
  lead_unit:
    type: string
    label: {zh: 牵头单位, en: Lead unit}
  co_handlers:
    type: list
    label: {zh: 协办单位, en: Co-handlers}
  escalation_count:
    type: int
    default: 0
    label: {zh: 督办次数, en: Overdue}
states:
  handling:
    label: {zh: 处置, en: Handling}
    roles: [handler]
    timers:
      - name: hand_out
        after: 1 hour
        action: share_out
  joint:
    label: {zh: 协同处置, en: Joint handling}
    roles: [handler]
    tasks:
      units: co_handlers
      title: {zh: 协办事项, en: Co-handling}
      after: 3 working days
      remind_at: 50%
      notify: [handler]
      overdue: task_overdue
      done: all_done
      add: [handler]
      close: [handler]
  done:
    label: {zh: 办结, en: Done}
    final: true
transitions:
  - action: joint_handling
    label: {zh: 协同处置, en: Joint handling}
    from: handling
    to: joint
    requires: [lead_unit, co_handlers]
  - action: share_out
    label: {zh: 自动分派, en: Share out}
    from: handling
    to: joint
    roles: [system]
  - action: task_overdue
    label: {zh: 任务逾期, en: Task overdue}
    from: joint
    to: joint
    internal: true
    roles: [system]
    set:
      escalation_count: "escalation_count + 1"
  - action: all_done
    label: {zh: 全部完成, en: All done}
    from: joint
    to: done
    roles: [system]
"""
HANDLER = Actor("wang", "handler")


def _service(store: SqlStore, clock: ManualClock) -> WorkflowService:
    definition = parse_definition(JOINT, "joint.yaml")
    return WorkflowService(store, Registry([definition]), clock, WorkCalendar())


def test_entering_the_state_gives_each_co_handler_a_task(
    store: SqlStore, clock: ManualClock
) -> None:
    service = _service(store, clock)
    case = service.open_case("joint", HANDLER, org_unit="cm1").case
    moved = service.fire(
        case.id,
        "joint_handling",
        HANDLER,
        {"lead_unit": "cm1", "co_handlers": ["police", "housing", "police"]},
    ).case
    with store.transaction(write=False) as tx:
        given = stored.tasks_of_case(tx, case.id)
    assert [(t.unit, t.status, t.title) for t in given] == [
        ("police", OPEN, ""),
        ("housing", OPEN, ""),
    ]
    # Three working days from Monday 09:00 (Beijing): Thursday, within working hours.
    assert all(t.armed_seq == moved.entered_seq and t.state == "joint" for t in given)
    assert given[0].due_at.astimezone(UTC).weekday() == 3
    timers = {(t.name, t.kind) for t in service.pending_timers(case.id)}
    assert timers == {(f"task:{t.id}", k) for t in given for k in ("deadline", "reminder")}
    definition = service.definition_of(moved)
    tdef = timer_def(definition, "joint", f"task:{given[0].id}")
    assert tdef is not None and tdef.action == "task_overdue" and tdef.deadline


def test_a_deadline_entering_the_state_gives_tasks_in_the_bulk_sweep(
    store: SqlStore, clock: ManualClock
) -> None:
    service = _service(store, clock)
    case = service.open_case("joint", HANDLER, org_unit="cm1").case
    with store.transaction() as tx:  # the co-handlers were named before the deadline
        current = tx.get_case(case.id)
        assert current is not None
        data = {**current.data, "co_handlers": ["police"]}
        tx.update_case(replace(current, data=data, version=current.version + 1), 1)
    clock.advance(timedelta(hours=2))
    report = service.fire_due_timers()
    assert report.fired == 1 and not report.errors
    with store.transaction(write=False) as tx:
        [task] = stored.tasks_of_case(tx, case.id)
    assert task.unit == "police" and service.get_case(case.id).state == "joint"
    assert {t.name for t in service.pending_timers(case.id)} == {f"task:{task.id}"}


def test_an_overdue_task_fires_the_overdue_step_and_the_others_keep_running(
    store: SqlStore, clock: ManualClock
) -> None:
    service = _service(store, clock)
    case = service.open_case("joint", HANDLER, org_unit="cm1").case
    service.fire(
        case.id, "joint_handling", HANDLER, {"lead_unit": "cm1", "co_handlers": ["a", "b"]}
    )
    with store.transaction() as tx:
        first, _ = stored.tasks_of_case(tx, case.id)
        assert stored.finish(tx, first, DONE, clock.now(), "a_staff", note="ok") is True
        assert stored.finish(tx, first, CLOSED, clock.now(), "x", reason="again") is False
    # The first is done: its deadline and reminder were dropped; only the second's fire.
    clock.advance(timedelta(days=7))
    report = service.fire_due_timers()
    assert (report.claimed, report.fired, report.reminded) == (2, 1, 1)
    with store.transaction(write=False) as tx:
        every = tx.timers(case.id, pending_only=False)
    dropped = [t for t in every if t.name == f"task:{first.id}"]
    assert {t.status for t in dropped} == {"cancelled"}
    after = service.get_case(case.id)
    assert after.state == "joint" and after.data["escalation_count"] == 1
    assert after.entered_seq == case.entered_seq + 1  # the one entry: internal step since


def _task(unit: str, status: str = OPEN, seq: int = 2) -> Task:
    at = datetime(2026, 11, 23, tzinfo=UTC)
    return Task(1, "joint", seq, unit, "t", at, at, "wang", status=status)


def _case(data: dict[str, object]) -> Case:
    at = datetime(2026, 11, 23, tzinfo=UTC)
    return Case(1, "joint", 1, "joint", dict(data), 3, at, at, at, 2, 2, org_unit="cm1")


def test_the_lead_sees_every_task_a_co_handler_only_its_own() -> None:
    case = _case({"lead_unit": "street", "co_handlers": ["police", "housing"]})
    tasks = [_task("police"), _task("housing")]
    lead = Visibility(units=frozenset({"street"}))
    police = Visibility(units=frozenset({"police"}))
    owner = Visibility(units=frozenset({"cm1"}))
    assert leads(lead, case) and leads(owner, case) and not leads(police, case)
    assert tasks_seen(lead, case, tasks) == tasks
    assert [t.unit for t in tasks_seen(police, case, tasks)] == ["police"]
    # A unit that was handed the case for a task is no lead either; one handed it is.
    handed = Visibility(units=frozenset({"women"}))
    assert not leads(handed, case) and leads(handed, case, ["women"])


def test_all_finished_counts_the_present_stay_only() -> None:
    case = _case({})
    assert not all_finished([], case)
    assert not all_finished([_task("a", DONE), _task("b")], case)
    assert all_finished([_task("a", DONE), _task("b", CLOSED), _task("c", OPEN, seq=1)], case)


def test_a_migration_keeps_the_open_tasks_and_their_deadlines(
    store: SqlStore, clock: ManualClock
) -> None:
    v1 = parse_definition(JOINT, "joint.yaml")
    v2 = parse_definition(
        JOINT.replace("version: 1", "version: 2").replace("after: 3 working days", "after: 4 days"),
        "joint.yaml",
    )
    service = WorkflowService(store, Registry([v1, v2]), clock, WorkCalendar())
    case = service.open_case("joint", HANDLER, org_unit="cm1", version=1).case
    service.fire(
        case.id, "joint_handling", HANDLER, {"lead_unit": "cm1", "co_handlers": ["a", "b"]}
    )
    with store.transaction() as tx:
        first, second = stored.tasks_of_case(tx, case.id)
        stored.finish(tx, first, DONE, clock.now(), "a_staff", note="ok")
    clock.advance(timedelta(hours=1))
    moved = service.migrate_case(case.id, 2, Actor("sup", "supervisor")).case
    with store.transaction(write=False) as tx:
        done, carried = stored.tasks_of_case(tx, case.id)
    assert carried.armed_seq == moved.entered_seq and carried.current(moved)
    assert not done.current(moved) and done.status == DONE
    assert carried.due_at == second.due_at  # its own deadline, not the new version's period
    pending = {(t.name, t.kind, t.armed_seq) for t in service.pending_timers(case.id)}
    assert (f"task:{second.id}", "deadline", moved.entered_seq) in pending
    assert not any(name == f"task:{first.id}" for name, _, _ in pending)
