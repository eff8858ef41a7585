"""The in-memory sweep batch behaves like the transaction it stands for, then writes in bulk."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.batch import SweepBatch
from engine.clock import ManualClock
from engine.model import Actor, Event, Timer
from engine.ports import DuplicateKeyError
from engine.service import WorkflowService
from engine.store.repository import SqlStore

GRID = Actor("zhao.grid", "grid_member")


def reported(service: WorkflowService) -> int:
    case = service.open_case("grid_escalation", GRID, {}).case
    data = {
        "grid_unit": "g",
        "location": "l",
        "category": "other",
        "severity": "blue",
        "description": "d",
    }
    return service.fire(case.id, "report", GRID, data).case.id


def event(case_id: int, seq: int, clock: ManualClock, key: str | None = None) -> Event:
    return Event(case_id, seq, clock.now(), "system", "system", "x", "a", "a", idem_key=key)


def test_a_rolled_back_savepoint_leaves_nothing_behind(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    case_id = reported(service)
    with store.transaction() as tx:
        batch = SweepBatch(tx, tx.get_cases([case_id]), set())
        before = batch.cases[case_id]
        with pytest.raises(RuntimeError), batch.savepoint():
            changed = replace(before, version=before.version + 1, state="handling")
            assert batch.update_case(changed, before.version)
            batch.append_event(event(case_id, before.last_seq + 1, clock, "k1"))
            batch.cancel_timers(case_id, clock.now())
            batch.arm_timers([Timer(case_id, "t", "deadline", clock.now(), 9)])
            raise RuntimeError("guard failed after the writes")
        assert batch.cases[case_id] is before
        assert (batch.w.updated, batch.w.events, batch.w.cancelled, batch.w.armed) == (
            {},
            [],
            {},
            [],
        )
        batch.flush()
    assert service.get_case(case_id).version == before.version
    assert len(service.pending_timers(case_id)) == 2


def test_savepoints_nest_and_are_used_again_one_after_another(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    case_id = reported(service)
    with store.transaction() as tx:
        batch = SweepBatch(tx, tx.get_cases([case_id]), set())
        with batch.savepoint():
            batch.append_event(event(case_id, 10, clock, "outer"))
            with pytest.raises(RuntimeError), batch.savepoint():
                batch.append_event(event(case_id, 11, clock, "inner"))
                raise RuntimeError("the inner one fails")
            batch.append_event(event(case_id, 12, clock, "after"))
        assert [e.idem_key for e in batch.w.events] == ["outer", "after"]
        with pytest.raises(RuntimeError), batch.savepoint():
            batch.append_event(event(case_id, 13, clock, "next"))
            with batch.savepoint():  # kept by itself, undone with the one around it
                batch.append_event(event(case_id, 14, clock, "nested"))
            raise RuntimeError("the outer one fails")
        assert [e.idem_key for e in batch.w.events] == ["outer", "after"]
        assert batch.w.keys == {"outer", "after"}


def test_versions_and_keys_are_checked_in_memory(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    case_id = reported(service)
    with store.transaction() as tx:
        batch = SweepBatch(tx, tx.get_cases([case_id]), {"timer:1"})
        case = batch.cases[case_id]
        assert not batch.update_case(replace(case, version=9), case.version + 5)
        with pytest.raises(DuplicateKeyError):
            batch.append_event(event(case_id, 9, clock, "timer:1"))  # already in the history
        batch.append_event(event(case_id, 9, clock, "timer:2"))
        with pytest.raises(DuplicateKeyError):
            batch.append_event(event(case_id, 10, clock, "timer:2"))  # twice in one batch


def test_leaving_a_state_twice_in_a_batch_cancels_what_the_first_visit_armed(
    service: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    case_id = reported(service)
    later = clock.now() + timedelta(hours=1)
    with store.transaction() as tx:
        batch = SweepBatch(tx, tx.get_cases([case_id]), set())
        batch.cancel_timers(case_id, clock.now())
        batch.arm_timers([Timer(case_id, "first", "deadline", later, 5)])
        batch.cancel_timers(case_id, clock.now())
        batch.arm_timers([Timer(case_id, "second", "deadline", later, 6)])
        batch.flush()
    with store.transaction(write=False) as tx:
        timers = {t.name: t.status for t in tx.timers(case_id, pending_only=False)}
    assert timers == {
        "sign_for_deadline": "cancelled",
        "first": "cancelled",
        "second": "pending",
    }
