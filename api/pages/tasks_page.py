"""The case page's task forms: give a task, assign it, report it done, close it
(engine.casework.tasks, as the API's routes call them)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.case_page import render_case
from api.pages.errors import PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from engine.casework import tasks
from engine.casework.cases import visible_case
from engine.casework.errors import (
    InvalidTaskError,
    NoTasksHereError,
    TaskFinishedError,
    UnknownTaskError,
    UnknownUnitError,
)
from engine.errors import RoleNotAllowedError

router = APIRouter(route_class=PageRoute)

TEXT_MAX = 2000
# The inputs a refusal names (engine.casework.tasks), each with its own text.
INVALID = ("title", "due", "note", "reason", "assignee", "linked_cases", "case")


@router.post("/cases/{case_id}/tasks")
async def add_task_form(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_add, page, case_id, await page.form())


@router.post("/cases/{case_id}/tasks/{task_id}/{step}")
async def task_step_form(page: PageDep, case_id: CaseIdPath, task_id: int, step: str) -> Response:
    return await off_loop(_step, page, case_id, task_id, step, await page.form())


def _add(page: Page, case_id: int, form: FormData) -> Response:
    def run() -> None:
        tasks.add_task(
            page.ctx,
            page.user,
            case_id,
            unit=_text(form, "unit", 64),
            title=_text(form, "title", 500),
            due=_text(form, "due", 64) or None,
            assignee=None,
        )

    return _answer(page, case_id, run, "added")


def _step(page: Page, case_id: int, task_id: int, step: str, form: FormData) -> Response:
    steps: dict[str, Callable[[], object]] = {
        "complete": lambda: tasks.complete_task(
            page.ctx, page.user, case_id, task_id, _text(form, "note", TEXT_MAX)
        ),
        "close": lambda: tasks.close_task(
            page.ctx, page.user, case_id, task_id, _text(form, "reason", TEXT_MAX)
        ),
        "assign": lambda: tasks.assign_task(
            page.ctx, page.user, case_id, task_id, _text(form, "assignee", 64)
        ),
    }
    run = steps.get(step)
    if run is None:
        raise UnknownTaskError(case_id, task_id)
    return _answer(page, case_id, run, step)


def _answer(page: Page, case_id: int, run: Callable[[], object], done: str) -> Response:
    try:
        run()
    except (InvalidTaskError, TaskFinishedError, UnknownUnitError, RoleNotAllowedError) as exc:
        case = visible_case(page.ctx, page.user, case_id)
        status, key = 422, "task.invalid.unit"
        if isinstance(exc, NoTasksHereError):
            status, key = 409, "task.invalid.case"
        elif isinstance(exc, InvalidTaskError):
            key = f"task.invalid.{exc.field}" if exc.field in INVALID else "task.invalid.case"
        elif isinstance(exc, TaskFinishedError):
            status, key = 409, "task.finished"
        elif isinstance(exc, RoleNotAllowedError):
            status, key = 403, "task.not_allowed"
        return render_case(page, case, errors={"_tasks": page.t(key)}, status_code=status)
    return RedirectResponse(f"/cases/{case_id}?task={done}#tasks", status_code=303)


def _text(form: FormData, name: str, limit: int) -> str:
    return str(form.get(name, "")).strip()[:limit]
