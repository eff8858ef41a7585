"""Tasks within a case (engine.casework.tasks): given, assigned, completed, closed by the
lead; the case moves on once none is open; an overdue task escalates through the sweep;
each unit sees its own task; every change is recorded in one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.casework.cases import case_view, fire, open_case
from engine.casework.context import Casework
from engine.casework.errors import InvalidTaskError, TaskFinishedError, UnknownTaskError
from engine.casework.tasks import (
    LINKED_DECISION,
    TASK_ADDED,
    TASK_ASSIGNED,
    TASK_DONE,
    add_task,
    assign_task,
    case_tasks,
    close_task,
    complete_task,
)
from engine.clock import ManualClock
from engine.errors import CaseNotFoundError, GuardFailedError, RoleNotAllowedError
from engine.model import Case
from engine.store import audit
from engine.tasks import CLOSED, DONE, OPEN
from tests.engine.casework.conftest import person
from tests.engine.casework.unit_people import add_user


def follow_up_meeting(cw: Casework, linked: list[str] | None = None) -> Case:
    """A joint meeting convened by the supervisor (district d1), in follow-up."""
    sup = person("supervisor")
    data: dict[str, object] = {"topic": "小区停车难", "meeting_date": "2026-11-24T09:00:00+08:00"}
    if linked is not None:
        data["linked_cases"] = linked
    opened = open_case(cw, sup, "joint_meeting", data)
    case = opened.case
    convened = fire(
        cw,
        sup,
        case.id,
        "convene",
        {"chair_unit": "women", "co_handlers": ["union", "women"]},
        expected_version=case.version,
    )
    done = fire(
        cw,
        sup,
        case.id,
        "record_minutes",
        {"minutes": "议定：工会、社区各负其责。"},
        expected_version=convened.case.version,
    )
    assert done.case.state == "follow_up"
    return done.case


def test_decisions_done_move_the_meeting_on(cw: Casework, clock: ManualClock) -> None:
    case = follow_up_meeting(cw)
    sup = person("supervisor")
    union_task = add_task(
        cw, sup, case.id, unit="union", title="职工停车位协调", due="5 working days"
    )
    cm_task = add_task(cw, sup, case.id, unit="cm1", title="社区划定停车区", due="2026-12-10")
    assert union_task.status == OPEN and union_task.due_at > clock.now()
    assert cm_task.due_at.date().isoformat() == "2026-12-10"
    # The community (cm1) was given access with its task: it sees the meeting.
    handler = person("handler")
    view = case_tasks(cw, handler, case.id)
    assert [t.id for t in view.tasks] == [cm_task.id]  # its own task only
    add_user(cw, "cm1_staff", "handler", "cm1")
    assigned = assign_task(cw, handler, case.id, cm_task.id, "cm1_staff")
    assert assigned.assignee == "cm1_staff"
    done = complete_task(cw, handler, case.id, cm_task.id, "已划线 40 个车位")
    assert done.status == DONE and done.note == "已划线 40 个车位"
    assert cw.service.get_case(case.id).state == "follow_up"
    complete_task(cw, person("org_admin"), case.id, union_task.id, "已协调企业开放车位")
    after = cw.service.get_case(case.id)
    assert after.state == "concluded" and after.closed_at is not None
    actions = [e.action for e in cw.service.history(case.id)]
    assert actions[-6:] == [
        TASK_ADDED,
        TASK_ADDED,
        TASK_ASSIGNED,
        TASK_DONE,
        TASK_DONE,
        "all_carried_out",
    ]
    # The notes stay in the tasks: the history names the task and its unit only.
    notes = " ".join(e.note or "" for e in cw.service.history(case.id))
    assert "40 个" not in notes and "开放车位" not in notes
    with cw.store.transaction(write=False) as tx:
        entries = [e.action for e in audit.entries(tx, case_ids=[case.id])]
    assert entries.count(TASK_DONE) == 2 and TASK_ASSIGNED in entries


def test_the_lead_closes_a_task_with_a_reason(cw: Casework) -> None:
    case = follow_up_meeting(cw)
    sup = person("supervisor")
    task = add_task(cw, sup, case.id, unit="union", title="走访企业")
    with pytest.raises(RoleNotAllowedError):  # the task's unit is not the lead
        close_task(cw, person("org_admin"), case.id, task.id, "不再需要")
    with pytest.raises(InvalidTaskError):
        close_task(cw, sup, case.id, task.id, "  ")
    closed = close_task(cw, sup, case.id, task.id, "企业已自行整改")
    assert closed.status == CLOSED and closed.reason == "企业已自行整改"
    assert cw.service.get_case(case.id).state == "concluded"
    with pytest.raises(TaskFinishedError):
        complete_task(cw, person("org_admin"), case.id, task.id, "晚了")


def test_an_overdue_task_escalates_through_the_sweep(cw: Casework, clock: ManualClock) -> None:
    case = follow_up_meeting(cw)
    sup = person("supervisor")
    late = add_task(cw, sup, case.id, unit="union", title="提交方案", due="2 days")
    kept = add_task(cw, sup, case.id, unit="women", title="妇女议题调研", due="10 days")
    clock.advance(timedelta(days=3))
    report = cw.service.fire_due_timers()
    assert report.fired == 1 and not report.errors
    now = cw.service.get_case(case.id)
    assert now.state == "follow_up" and now.data["escalation_count"] == 1
    last = cw.service.history(case.id)[-1]
    assert last.action == "decision_overdue" and last.role == "system"
    assert f"task:{late.id}" in (last.note or "") and last.lateness_s
    # The other task's deadline keeps running (an internal step), and fires on its own day.
    pending = {t.name for t in cw.service.pending_timers(case.id)}
    assert f"task:{kept.id}" in pending and f"task:{late.id}" not in pending
    view = case_tasks(cw, sup, case.id)
    assert [t.overdue(clock.now()) for t in view.tasks] == [True, False]
    # Done late, its unit still reports it; then the other finishes the meeting.
    complete_task(cw, person("org_admin"), case.id, late.id, "已补交")
    clock.advance(timedelta(days=8))
    cw.service.fire_due_timers()
    assert cw.service.get_case(case.id).data["escalation_count"] == 2
    # The meeting is on the overdue board until it moves on (a deadline fired in this stay).
    assert case_view(cw, sup, case.id).overdue


def test_decisions_are_written_into_the_linked_cases(cw: Casework) -> None:
    org = person("org_admin")
    linked = open_case(
        cw,
        org,
        "mediation",
        {"category": "family", "source": "walk_in", "description": "纠纷", "notice_given": True},
    ).case
    case = follow_up_meeting(cw, linked=[str(linked.id)])
    add_task(cw, person("supervisor"), case.id, unit="union", title="协调车位")
    last = cw.service.history(linked.id)[-1]
    assert last.action == LINKED_DECISION and "协调车位" in (last.note or "")
    assert cw.service.get_case(linked.id).state == linked.state
    nobody = follow_up_meeting(cw, linked=["999999"])
    with pytest.raises(InvalidTaskError):
        add_task(cw, person("supervisor"), nobody.id, unit="union", title="无")
    assert case_tasks(cw, person("supervisor"), nobody.id).tasks == []  # nothing written


def test_who_may_give_and_see_tasks(cw: Casework) -> None:
    case = follow_up_meeting(cw)
    sup = person("supervisor")
    task = add_task(cw, sup, case.id, unit="union", title="工会任务")
    with pytest.raises(RoleNotAllowedError):  # an attending unit does not give tasks
        add_task(cw, person("org_admin"), case.id, unit="women", title="妇联任务")
    with pytest.raises(InvalidTaskError):
        add_task(cw, sup, case.id, unit="union", title="过去", due="2020-01-01")
    with pytest.raises(InvalidTaskError):
        add_task(cw, sup, case.id, unit="union", title="x", due="soon")
    with pytest.raises(InvalidTaskError):  # the assignee must be of the task's unit
        assign_task(cw, sup, case.id, task.id, "nobody")
    # The grid member sees neither the meeting nor its tasks.
    with pytest.raises(CaseNotFoundError):
        case_tasks(cw, person("grid_member"), case.id)
    # A co-handling unit without a task of its own sees none of the others'.
    women = add_task(cw, sup, case.id, unit="women", title="妇联任务")
    union_view = case_tasks(cw, person("org_admin"), case.id)
    assert [t.id for t in union_view.tasks] == [task.id]
    with pytest.raises(UnknownTaskError):
        complete_task(cw, person("org_admin"), case.id, women.id, "不是我的")
    lead_view = case_tasks(cw, sup, case.id)
    assert {t.id for t in lead_view.tasks} == {task.id, women.id}
    assert lead_view.may_add and lead_view.may_close


def test_a_state_without_tasks_takes_none(cw: Casework) -> None:
    sup = person("supervisor")
    case = open_case(cw, sup, "joint_meeting", {"topic": "议题"}).case
    with pytest.raises(InvalidTaskError):
        add_task(cw, sup, case.id, unit="union", title="太早")


def test_a_meeting_called_off_or_without_decisions(cw: Casework) -> None:
    sup = person("supervisor")
    called_off = open_case(cw, sup, "joint_meeting", {"topic": "议题"}).case
    done = fire(
        cw, sup, called_off.id, "cancel", {"cancel_reason": "改期"}, expected_version=1
    ).case
    assert done.state == "cancelled"
    lone = open_case(cw, sup, "joint_meeting", {"topic": "议题"}).case
    with pytest.raises(GuardFailedError):  # a joint meeting joins at least two units
        fire(
            cw,
            sup,
            lone.id,
            "convene",
            {
                "meeting_date": "2026-12-01T09:00:00+08:00",
                "chair_unit": "union",
                "co_handlers": ["union"],
            },
            expected_version=1,
        )
    case = follow_up_meeting(cw)
    assert case.data["chair_unit"] == "women"  # the rotating chair, recorded
    quiet = open_case(cw, sup, "joint_meeting", {"topic": "通报"}).case
    quiet = fire(
        cw,
        sup,
        quiet.id,
        "convene",
        {
            "meeting_date": "2026-12-01T09:00:00+08:00",
            "chair_unit": "youth",
            "co_handlers": ["union", "women"],
        },
        expected_version=1,
    ).case
    ended = fire(
        cw,
        sup,
        quiet.id,
        "record_minutes_only",
        {"minutes": "通报情况"},
        expected_version=quiet.version,
    ).case
    assert ended.state == "concluded"
