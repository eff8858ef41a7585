"""Follow-up visits, mediation periods and the judicial-confirmation window, as the YAML says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import ManualClock
from engine.service import WorkflowService
from engine.store import outbox
from engine.store.repository import SqlStore
from tests.workflows.cases import (
    MEDIATOR,
    labour_in_mediation,
    mediation_in_follow_up,
    mediation_in_mediation,
    mediation_with_agreement,
)


def notices(store: SqlStore, case_id: int) -> list[tuple[str, str, str]]:
    with store.transaction(write=False) as tx:
        return [(n.kind, n.role, n.subject) for n in outbox.of_case(tx, case_id)]


def test_the_follow_up_visit_reminds_the_mediator_then_escalates_to_the_admin(
    service: WorkflowService, clock: ManualClock, store: SqlStore
) -> None:
    case = mediation_in_follow_up(service)
    [deadline] = [t for t in service.pending_timers(case.id) if t.kind == "deadline"]
    assert deadline.fire_at == clock.now() + timedelta(days=7)  # the definition's default
    clock.advance(timedelta(days=5, hours=15))  # past 80 % of 7 days (5.6 days)
    assert service.fire_due_timers().reminded == 1
    assert ("reminder", "mediator", "reminder:follow_up_visit") in notices(store, case.id)
    assert not service.get_case(case.id).data.get("visit_escalated")
    clock.advance(timedelta(days=1, hours=9))
    assert service.fire_due_timers().fired == 1
    case = service.get_case(case.id)
    assert case.state == "follow_up" and case.data["visit_escalated"] is True
    assert ("transition", "org_admin", "visit_overdue") in notices(store, case.id)


def test_a_planned_visit_date_replaces_the_default(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = mediation_in_follow_up(service)
    service.fire(case.id, "schedule_visit", MEDIATOR, {"visit_date": "2026-12-10"})
    [deadline] = [t for t in service.pending_timers(case.id) if t.kind == "deadline"]
    # The end of the planned day, 23:59:59 in Beijing: a visit any time that day is in time.
    assert deadline.fire_at == datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC)


def test_after_downtime_overdue_timers_fire_on_catch_up_with_their_lateness(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = mediation_in_follow_up(service)
    clock.advance(timedelta(days=10))  # three days after the visit was due, nothing ran
    report = service.fire_due_timers()
    assert (report.fired, report.reminded) == (1, 1)
    assert report.max_lateness_s == pytest.approx(3 * 86400)
    [event] = [e for e in service.history(case.id) if e.action == "visit_overdue"]
    assert event.lateness_s == pytest.approx(3 * 86400)
    assert event.note is not None and "fired 3 d 0 h late" in event.note


@pytest.mark.parametrize(
    ("start", "lead", "period", "expired"),
    [
        pytest.param(
            mediation_in_mediation, timedelta(0), timedelta(days=30), "mediation", id="one-month"
        ),
        # LDMAL art. 14: 15 days from the receipt of the application (the day the case was
        # opened, Monday 09:00), that day not counted: they begin at its end, 23:59:59.
        pytest.param(
            labour_in_mediation,
            timedelta(hours=14, minutes=59, seconds=59),
            timedelta(days=15),
            "arbitration_advised",
            id="labour",
        ),
    ],
)
def test_the_mediation_period_reminds_then_expires(
    service: WorkflowService,
    clock: ManualClock,
    store: SqlStore,
    start: object,
    lead: timedelta,
    period: timedelta,
    expired: str,
) -> None:
    assert callable(start)
    case = start(service)
    clock.advance(lead + period * 0.8)
    assert service.fire_due_timers().reminded == 1
    assert ("reminder", "mediator", "reminder:mediation_period") in notices(store, case.id)
    clock.advance(period * 0.2)
    assert service.fire_due_timers().fired == 1
    case = service.get_case(case.id)
    assert case.state == expired
    assert ("transition", "org_admin", "period_expired") in notices(store, case.id)


def test_the_judicial_confirmation_window_closes_after_30_days(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = mediation_with_agreement(service)
    clock.advance(timedelta(days=30))
    service.fire_due_timers()
    case = service.get_case(case.id)
    assert case.state == "follow_up"
    assert case.data["judicial_confirmation"] == "window_missed"
