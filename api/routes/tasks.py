"""Tasks within a case: list, give, assign, complete, close (engine.casework.tasks)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.tasks import CaseTasksOut, TaskAssignIn, TaskCloseIn, TaskIn, TaskNoteIn, TaskOut
from engine.casework import tasks
from engine.model import Task

router = APIRouter(tags=["tasks"], route_class=BoundedJsonRoute)

CaseId = Annotated[int, Path(ge=1, le=2**62, description="Case id")]
TaskId = Annotated[int, Path(ge=1, le=2**62, description="Task id")]
ERRORS = problem_responses(401, 403, 404, 409, 422)


def task_out(task: Task, current: bool, now: datetime) -> TaskOut:
    return TaskOut(
        id=task.id,
        case_id=task.case_id,
        unit=task.unit,
        title=task.title,
        assignee=task.assignee,
        due_at=task.due_at,
        overdue=task.overdue(now),
        status=task.status,
        current=current,
        note=task.note,
        reason=task.reason,
        created_at=task.created_at,
        created_by=task.created_by,
        finished_at=task.finished_at,
        finished_by=task.finished_by,
    )


@router.get("/cases/{case_id}/tasks", responses=ERRORS)
def list_tasks(case_id: CaseId, user: CurrentUser, ctx: ContextDep) -> CaseTasksOut:
    """The case's tasks you see: all of them when you lead the case, a co-handling unit its
    own; and whether you may give and close tasks now."""
    view = tasks.case_tasks(ctx, user, case_id)
    now = ctx.clock.now()
    return CaseTasksOut(
        case_id=case_id,
        may_add=view.may_add,
        may_close=view.may_close,
        tasks=[task_out(t, t.current(view.case), now) for t in view.tasks],
    )


@router.post("/cases/{case_id}/tasks", status_code=201, responses=ERRORS)
def add_task(case_id: CaseId, body: TaskIn, user: CurrentUser, ctx: ContextDep) -> TaskOut:
    """Give a unit a task (a meeting's decision) where the case's state takes tasks."""
    task = tasks.add_task(
        ctx, user, case_id, unit=body.unit, title=body.title, due=body.due, assignee=body.assignee
    )
    return task_out(task, True, ctx.clock.now())


@router.post("/cases/{case_id}/tasks/{task_id}/assignment", responses=ERRORS)
def assign_task(
    case_id: CaseId, task_id: TaskId, body: TaskAssignIn, user: CurrentUser, ctx: ContextDep
) -> TaskOut:
    """Give an open task to a person of its unit."""
    task = tasks.assign_task(ctx, user, case_id, task_id, body.assignee)
    return task_out(task, True, ctx.clock.now())


@router.post("/cases/{case_id}/tasks/{task_id}/completion", responses=ERRORS)
def complete_task(
    case_id: CaseId, task_id: TaskId, body: TaskNoteIn, user: CurrentUser, ctx: ContextDep
) -> TaskOut:
    """Report a task of your unit done, with a note; the last one moves the case on."""
    return task_out(
        tasks.complete_task(ctx, user, case_id, task_id, body.note), False, ctx.clock.now()
    )


@router.post("/cases/{case_id}/tasks/{task_id}/closure", responses=ERRORS)
def close_task(
    case_id: CaseId, task_id: TaskId, body: TaskCloseIn, user: CurrentUser, ctx: ContextDep
) -> TaskOut:
    """Close an open task with a reason (the lead)."""
    return task_out(
        tasks.close_task(ctx, user, case_id, task_id, body.reason), False, ctx.clock.now()
    )
