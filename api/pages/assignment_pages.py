"""Claiming (认领) and assigning a case from its page or the workroom queue: plain POST forms
with the version the user saw; a claim that came second answers the case page with a 409 and
says who holds the case."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.case_page import render_case
from api.pages.errors import PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from engine.casework import assignment
from engine.casework.cases import visible_case
from engine.casework.errors import (
    AlreadyAssignedError,
    CaseClosedError,
    UnknownMemberError,
    WrongMemberError,
)
from engine.errors import ConflictError

router = APIRouter(route_class=PageRoute)


def _expected(form: FormData) -> int | None:
    text = str(form.get("version", "")).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _back(form: FormData, case_id: int, done: str) -> str:
    """Back where the form was: the queue (a claim from it) or the case page."""
    if str(form.get("from", "")) == "queue":
        return f"/workroom?view=mine&claimed={case_id}"
    return f"/cases/{case_id}?assigned={done}"


@router.post("/cases/{case_id}/claim")
async def claim_form(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_claim, page, case_id, await page.form())


def _claim(page: Page, case_id: int, form: FormData) -> Response:
    try:
        assignment.claim(page.ctx, page.user, case_id, _expected(form))
    except (AlreadyAssignedError, ConflictError, CaseClosedError):
        return _refused(page, case_id)
    return RedirectResponse(_back(form, case_id, "claimed"), 303)


@router.post("/cases/{case_id}/assign")
async def assign_form(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_assign, page, case_id, await page.form())


def _assign(page: Page, case_id: int, form: FormData) -> Response:
    mediator = str(form.get("mediator", "")).strip()[:64]
    try:
        assignment.assign(page.ctx, page.user, case_id, mediator, _expected(form))
    except (ConflictError, CaseClosedError):
        return _refused(page, case_id)
    except (UnknownMemberError, WrongMemberError) as exc:
        case = visible_case(page.ctx, page.user, case_id)
        return render_case(page, case, errors={"_assign": str(exc)}, status_code=422)
    return RedirectResponse(_back(form, case_id, "assigned"), 303)


def _refused(page: Page, case_id: int) -> Response:
    """Someone else claimed or moved the case first: its page as it is now, saying so."""
    case = visible_case(page.ctx, page.user, case_id)
    if case.closed_at is not None:
        flash = page.t("assign.closed")
    elif case.assignee:
        flash = page.t("assign.taken", assignee=case.assignee)
    else:
        flash = page.t("assign.changed")
    return render_case(page, case, flash=flash, status_code=409)
