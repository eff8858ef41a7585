"""A timer whose firing fails is set aside: the rest of its batch fires, it is retried with
backoff and then given up, and the admins are told. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.model import Timer
from engine.service import WorkflowService
from engine.store import outbox
from engine.store.repository import SqlStore
from engine.sweep import BACKOFF, MAX_ATTEMPTS
from tests.workflows.cases import HANDLER, grid_reported, mediation_in_mediation, poison
from workflows.sweeping import drain


def lose_definition(store: SqlStore, case_id: int) -> None:
    """Point a case at a version of its workflow that is not loaded: firing it raises."""
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET workflow_version = 99 WHERE id = :id"), {"id": case_id})


# How a case is broken, and the (fired, reminded, retrying) of a sweep of the 12 timers: a
# deadline whose case the database refuses to store fails alone; a case whose workflow cannot
# be found fails its reminder too.
POISONS: dict[str, tuple[Callable[[SqlStore, int], None], tuple[int, int, int]]] = {
    "unstorable_row": (poison, (5, 6, 1)),
    "unknown_version": (lose_definition, (5, 5, 2)),
}


def deadline_of(store: SqlStore, case_id: int) -> Timer:
    with store.transaction(write=False) as tx:
        found = [t for t in tx.timers(case_id, pending_only=False) if t.kind == "deadline"]
    return found[0]


def alerts(store: SqlStore, case_id: int) -> list[str]:
    with store.transaction(write=False) as tx:
        return [n.subject for n in outbox.of_case(tx, case_id) if n.kind == "timer_failed"]


@pytest.mark.parametrize("poisoned_by", list(POISONS))
def test_one_failing_timer_does_not_stop_the_eleven_others(
    service: WorkflowService, store: SqlStore, clock: ManualClock, poisoned_by: str
) -> None:
    grid = [grid_reported(service) for _ in range(5)]
    mediation = mediation_in_mediation(service)
    bad = grid[2]
    break_case, outcome = POISONS[poisoned_by]
    break_case(store, bad.id)
    clock.advance(timedelta(days=32))  # every sign-for and the mediation period: 12 timers

    report = service.fire_due_timers()

    assert report.claimed == 12
    assert (report.fired, report.reminded, report.retrying, report.failed) == (*outcome, 0)
    for case in grid:
        if case.id != bad.id:
            assert service.get_case(case.id).data["tier"] == 2
    assert service.get_case(mediation.id).version > mediation.version
    timer = deadline_of(store, bad.id)
    assert timer.retrying and timer.status == "pending" and timer.attempts == 1
    assert timer.last_error is not None
    assert timer.next_attempt_at == clock.now() + BACKOFF[0]
    assert "timer_retrying:sign_for_deadline" in alerts(store, bad.id)
    with store.transaction(write=False) as tx:
        notes = [n for n in outbox.of_case(tx, bad.id) if n.kind == "timer_failed"]
    assert {n.role for n in notes} == {"admin"} and len(notes) == outcome[2]
    assert any(f"timer {timer.id}" in e and timer.last_error in e for e in report.errors)
    # The failure does not come back before its time. The four good grid cases missed their
    # next tier's deadline too in those 32 days (each counted from the one before): they
    # are what the next sweep claims.
    again = service.fire_due_timers()
    assert again.claimed == again.fired == 4
    assert deadline_of(store, bad.id).attempts == 1


def test_a_timer_that_keeps_failing_is_retried_with_backoff_then_given_up(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    bad = grid_reported(service)
    poison(store, bad.id)
    clock.advance(timedelta(minutes=31))
    assert service.fire_due_timers().retrying == 1
    for attempt, wait in enumerate(BACKOFF, start=2):
        clock.advance(wait - timedelta(seconds=1))
        assert service.fire_due_timers().claimed == 0  # not before its backoff has passed
        clock.advance(timedelta(seconds=1))
        report = service.fire_due_timers()
        timer = deadline_of(store, bad.id)
        assert (report.claimed, timer.attempts) == (1, attempt)
        if attempt < MAX_ATTEMPTS:
            assert (report.retrying, timer.status) == (1, "pending")
    assert (report.failed, timer.status, timer.next_attempt_at) == (1, "failed", None)
    assert timer.last_error is not None and "cannot be stored" in timer.last_error
    assert alerts(store, bad.id) == [
        "timer_retrying:sign_for_deadline",
        "timer_failed:sign_for_deadline",
    ]
    assert service.get_case(bad.id).data["tier"] == 1  # the case is where it was
    clock.advance(timedelta(days=1))
    assert service.fire_due_timers().claimed == 0  # given up for good

    # An unrelated deadline later on fires as ever, in bulk, without a word of error.
    other = grid_reported(service)
    clock.advance(timedelta(minutes=31))
    report = service.fire_due_timers()
    assert (report.claimed, report.fired, report.reminded, report.errors) == (2, 1, 1, [])
    assert service.get_case(other.id).data["tier"] == 2


def test_a_retrying_deadline_is_cancelled_when_the_case_moves_on(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    bad = grid_reported(service)
    poison(store, bad.id)
    clock.advance(timedelta(minutes=31))
    assert service.fire_due_timers().retrying == 1
    # Someone takes the case on by hand: the sign-for deadline is no longer running.
    service.fire(bad.id, "sign_for", HANDLER, {"handling_unit": "cm-1"})
    assert deadline_of(store, bad.id).status == "cancelled"
    clock.advance(BACKOFF[0])
    assert service.fire_due_timers().retrying == 0


def test_draining_goes_on_past_a_batch_whose_timers_all_failed(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    bad = grid_reported(service)
    good = grid_reported(service)
    poison(store, bad.id)
    clock.advance(timedelta(minutes=31))
    # Batches of one: the poisoned case's deadline is a batch of its own, and fails.
    total = drain(lambda: service.fire_due_timers(limit=1))
    assert (total.claimed, total.fired, total.reminded, total.retrying) == (4, 1, 2, 1)
    assert service.get_case(good.id).data["tier"] == 2
