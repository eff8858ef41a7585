"""Grid escalation deadlines, on an injected clock: nothing sleeps, days pass in microseconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.clock import ManualClock
from engine.model import Actor, Event
from engine.service import WorkflowService
from engine.store import outbox
from engine.store.repository import SqlStore
from tests.workflows.cases import HANDLER, grid_in_handling, grid_reported

TIERS = ["grid", "community", "street", "district", "city"]


def escalations(service: WorkflowService, case_id: int) -> list[Event]:
    return [e for e in service.history(case_id) if e.action.endswith("deadline_missed")]


def test_a_grid_case_left_alone_climbs_tier_by_tier_to_the_district(
    service: WorkflowService, clock: ManualClock, store: SqlStore
) -> None:
    case = grid_reported(service, "yellow")  # the community is called: tier 1, 30 min to sign
    assert case.data["tier"] == 1
    for tier in (2, 3):
        clock.advance(timedelta(minutes=24))  # 80 %: the handler is reminded
        assert service.fire_due_timers().reminded == 1
        assert service.get_case(case.id).data["tier"] == tier - 1
        clock.advance(timedelta(minutes=6))  # the deadline: one tier up, deadline re-armed
        assert service.fire_due_timers().fired == 1
        assert service.get_case(case.id).data["tier"] == tier
    case = service.get_case(case.id)
    assert TIERS[case.data["tier"]] == "district"
    assert case.state == "community_call" and case.data["escalation_count"] == 2
    missed = escalations(service, case.id)
    assert [e.changes["tier"] for e in missed] == [2, 3]
    for e in missed:
        assert e.actor == "system" and e.changes["escalation_reason"] == "deadline missed"
        assert e.note is not None and e.note.startswith("deadline missed: sign_for_deadline")
    with store.transaction(write=False) as tx:
        kinds = [(n.kind, n.role) for n in outbox.of_case(tx, case.id)]
    assert kinds.count(("reminder", "handler")) == 2
    assert kinds.count(("transition", "org_admin")) == 2  # each escalation tells the admin


def test_the_top_tier_is_not_escalated_further_and_the_supervisor_is_told(
    service: WorkflowService, clock: ManualClock, store: SqlStore
) -> None:
    case = grid_reported(service, "red")  # 10 minutes to sign for, at every tier
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        service.fire_due_timers()
    assert service.get_case(case.id).data["tier"] == 4  # the city
    clock.advance(timedelta(minutes=10))
    report = service.fire_due_timers()
    assert (report.fired, report.skipped) == (0, 1)
    assert service.get_case(case.id).data["tier"] == 4
    with store.transaction(write=False) as tx:
        told = [(n.kind, n.role) for n in outbox.of_case(tx, case.id)]
    assert ("deadline", "supervisor") in told
    assert service.pending_timers(case.id) == []  # nothing left to fire again and again


@pytest.mark.parametrize(
    ("severity", "period"),
    [
        pytest.param("red", timedelta(hours=2), id="red-2h"),
        pytest.param("yellow", timedelta(hours=24), id="yellow-24h"),
        pytest.param("blue", timedelta(hours=72), id="blue-72h"),
    ],
)
def test_handling_deadlines_follow_the_severity(
    service: WorkflowService, clock: ManualClock, severity: str, period: timedelta
) -> None:
    case = grid_in_handling(service, severity)
    clock.advance(period - timedelta(seconds=1))
    assert service.fire_due_timers().fired == 0
    clock.advance(timedelta(seconds=1))
    assert service.fire_due_timers().fired == 1
    case = service.get_case(case.id)
    assert case.state == "handling" and case.data["tier"] == 2
    assert escalations(service, case.id)[0].changes["escalation_reason"] == "deadline missed"


def test_a_case_that_moves_on_before_its_deadline_is_never_escalated(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = grid_reported(service, "yellow")
    clock.advance(timedelta(minutes=20))
    service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm-1"})  # in time
    clock.advance(timedelta(hours=2))  # well past the sign-for deadline
    report = service.fire_due_timers()
    assert report.fired == 0 and report.claimed == 0  # the stale timers were cancelled
    service.fire(case.id, "resolve", HANDLER, {"resolution": "已清运"})
    clock.advance(timedelta(days=30))
    service.fire_due_timers()
    assert escalations(service, case.id) == []
    assert service.get_case(case.id).data["tier"] == 1


def test_an_approved_extension_moves_the_handling_deadline(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = grid_in_handling(service, "red")
    service.fire(case.id, "request_extension", HANDLER, {"extension_reason": "需协调物业"})
    until = clock.now() + timedelta(days=2)
    assert service.get_case(case.id).state == "extension_requested"
    admin = Actor("wang.admin", "org_admin")
    service.fire(case.id, "approve_extension", admin, {"extension_until": until.isoformat()})
    clock.advance(timedelta(days=1))
    assert service.fire_due_timers().fired == 0  # the 2-hour red deadline no longer applies
    clock.advance(timedelta(days=1))
    assert service.fire_due_timers().fired == 1
    assert escalations(service, case.id)[0].action == "handling_deadline_missed"
