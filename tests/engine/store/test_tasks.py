"""The tasks' rows (engine.store.tasks): inserted in order, assigned while open, finished
once, their deadline dropped with them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import ManualClock
from engine.model import Case, Task, Timer
from engine.store import tasks as stored
from engine.store.repository import SqlStore
from engine.tasks import CLOSED, DONE, OPEN


def _case(store: SqlStore, clock: ManualClock) -> int:
    now = clock.now()
    case = Case(0, "joint_meeting", 1, "follow_up", {}, 1, now, now, now, 1, 1, org_unit="d1")
    with store.transaction() as tx:
        return tx.insert_case(case)


def test_tasks_are_kept_assigned_and_finished_once(store: SqlStore, clock: ManualClock) -> None:
    case_id = _case(store, clock)
    now = clock.now()
    due = now + timedelta(days=3)
    with store.transaction() as tx:
        ids = tx.open_tasks(
            [
                Task(case_id, "follow_up", 1, unit, f"t{unit}", due, now, "sup")
                for unit in ("union", "women")
            ]
        )
        tx.arm_timers([Timer(case_id, f"task:{i}", "deadline", due, 1) for i in ids])
    assert ids == sorted(ids) and len(set(ids)) == 2
    with store.transaction() as tx:
        union, women = stored.tasks_of_case(tx, case_id)
        assert (union.unit, union.status, union.due_at) == ("union", OPEN, due)
        assert stored.set_assignee(tx, union, "zhang") is True
        assert stored.finish(tx, union, DONE, now, "zhang", note="办好了") is True
        assert stored.finish(tx, union, CLOSED, now, "sup", reason="重复") is False
        assert stored.set_assignee(tx, union, "li") is False
        assert stored.finish(tx, women, CLOSED, now, "sup", reason="不再需要") is True
    with store.transaction(write=False) as tx:
        union, women = stored.tasks_of_case(tx, case_id)
        assert (union.status, union.assignee, union.note, union.finished_by) == (
            DONE,
            "zhang",
            "办好了",
            "zhang",
        )
        assert (women.status, women.reason, women.note) == (CLOSED, "不再需要", None)
        assert stored.get_task(tx, case_id, women.id) == women
        assert stored.get_task(tx, case_id + 1, women.id) is None
        assert {t.status for t in tx.timers(case_id, pending_only=False)} == {"cancelled"}
