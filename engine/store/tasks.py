"""The tasks within cases (engine.tasks): read, assign, finish, and their deadlines dropped
once they are finished."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from engine.definition import TASK_TIMER_PREFIX
from engine.model import TASK_OPEN, Task
from engine.store.repository import SqlTransaction, case_tasks, task_from, timers


def tasks_of_case(tx: SqlTransaction, case_id: int) -> list[Task]:
    """Every task of the case, oldest first."""
    rows = tx.conn.execute(
        select(case_tasks).where(case_tasks.c.case_id == case_id).order_by(case_tasks.c.id)
    )
    return [task_from(r) for r in rows]


def get_task(tx: SqlTransaction, case_id: int, task_id: int) -> Task | None:
    row = tx.conn.execute(
        select(case_tasks).where(and_(case_tasks.c.case_id == case_id, case_tasks.c.id == task_id))
    ).first()
    return task_from(row) if row is not None else None


def set_assignee(tx: SqlTransaction, task: Task, assignee: str) -> bool:
    """Assign an open task; False if it was finished meanwhile."""
    done = tx.conn.execute(
        update(case_tasks)
        .where(and_(case_tasks.c.id == task.id, case_tasks.c.status == TASK_OPEN))
        .values(assignee=assignee)
    )
    return bool(done.rowcount == 1)


def finish(
    tx: SqlTransaction,
    task: Task,
    status: str,
    at: datetime,
    by: str,
    *,
    note: str | None = None,
    reason: str | None = None,
) -> bool:
    """Mark an open task done (with its note) or closed (with the reason) and drop its
    pending deadline and reminder; False if it was finished meanwhile."""
    done = tx.conn.execute(
        update(case_tasks)
        .where(and_(case_tasks.c.id == task.id, case_tasks.c.status == TASK_OPEN))
        .values(status=status, note=note, reason=reason, finished_at=at, finished_by=by[:64])
    )
    if done.rowcount != 1:
        return False
    tx.conn.execute(
        update(timers)
        .where(
            and_(
                timers.c.case_id == task.case_id,
                timers.c.name == f"{TASK_TIMER_PREFIX}{task.id}",
                timers.c.status == "pending",
            )
        )
        .values(status="cancelled", fired_at=at)
    )
    tx.touch((task.case_id,))
    return True
