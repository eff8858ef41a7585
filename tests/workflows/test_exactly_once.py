"""At-least-once firing, exactly-once effect: whatever happens, a timer changes its case once."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import ManualClock
from engine.model import SYSTEM_ACTOR
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from tests.workflows.cases import mediation_in_follow_up


def test_a_timer_whose_effect_is_already_in_the_history_changes_nothing(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    """As after a crash between firing and marking: the firing's key is recorded, the timer
    still pending. Sweeping it marks it and leaves the case alone."""
    case = mediation_in_follow_up(service)
    [deadline] = [t for t in service.pending_timers(case.id) if t.kind == "deadline"]
    key = f"timer:{deadline.id}"
    service.fire(case.id, "visit_overdue", SYSTEM_ACTOR, idempotency_key=key)  # internal
    version = service.get_case(case.id).version
    clock.advance(timedelta(days=8))
    report = service.fire_due_timers()
    assert (report.fired, report.reminded, report.stale) == (0, 1, 1)
    assert service.get_case(case.id).version == version
    assert [e.action for e in service.history(case.id)].count("visit_overdue") == 1
    with store.transaction(write=False) as tx:
        [swept] = [t for t in tx.timers(case.id, pending_only=False) if t.id == deadline.id]
    assert (swept.status, swept.note) == ("fired", "already fired")


def test_sweeping_twice_fires_once(service: WorkflowService, clock: ManualClock) -> None:
    case = mediation_in_follow_up(service)
    clock.advance(timedelta(days=8))
    first, second = service.fire_due_timers(), service.fire_due_timers()
    assert (first.fired, first.reminded, second.claimed) == (1, 1, 0)
    assert [e.action for e in service.history(case.id)].count("visit_overdue") == 1
