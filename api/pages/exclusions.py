"""Reviewed exclusions from the rates, for supervisors: the list with each reason, a form to
exclude an unreasonable or out-of-scope request, and a button to count one again."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from api.access import visible_case
from api.exclusions import READERS, REASON_MAX, REVIEWERS, exclude_case, include_case
from api.pages.definitions_pages import require
from api.pages.errors import PageError, PageRoute
from api.pages.formatting import local
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from engine.errors import CaseNotFoundError
from engine.store import rates as rate_store

router = APIRouter(route_class=PageRoute)

PATH = "/supervisor/rates/exclusions"


@dataclass(frozen=True, slots=True)
class ExclusionLine:
    case_id: int
    reason: str
    reviewer: str
    at: str


def _render(
    page: Page, status: int = 200, error: str = "", case_id: str = "", reason: str = ""
) -> Response:
    lines = [
        ExclusionLine(e.case_id, e.reason, e.reviewer, local(e.at, page.tz))
        for e in rate_store.exclusions(page.ctx.store, page.user.scope)
    ]
    return page.render(
        "supervisor/exclusions.html",
        {
            "lines": lines,
            "may_review": page.user.role in REVIEWERS,
            "error": error,
            "case_id": case_id,
            "reason": reason,
            "reason_max": REASON_MAX,
        },
        status_code=status,
        active_nav="/supervisor/rates",
    )


@router.get(PATH, name="exclusions")
def exclusions_page(page: PageDep) -> Response:
    require(page, READERS)
    return _render(page)


@router.post(PATH)
async def exclude_form(page: PageDep) -> Response:
    form = await page.form()
    require(page, REVIEWERS)
    case_text = str(form.get("case_id", "")).strip()
    reason = str(form.get("reason", "")).strip()[:REASON_MAX]
    case_id = int(case_text) if case_text.isdigit() and len(case_text) < 19 else 0
    if case_id < 1:
        return _render(page, 422, page.t("excl.bad_case"), case_text, reason)
    if len(reason) < 2:
        return _render(page, 422, page.t("excl.need_reason"), case_text, reason)
    try:
        created = exclude_case(page.ctx, page.user, case_id, reason)
    except CaseNotFoundError:
        return _render(page, 404, page.t("excl.no_case", id=case_id), case_text, reason)
    return RedirectResponse(f"{PATH}?{'done' if created else 'already'}={case_id}", 303)


@router.post(PATH + "/{case_id}/include")
async def include_form(page: PageDep, case_id: CaseIdPath) -> Response:
    await page.form()
    require(page, REVIEWERS)
    visible_case(page.ctx, page.user, case_id)
    if not include_case(page.ctx, page.user, case_id):
        raise PageError(404, "error.not_found")
    return RedirectResponse(f"{PATH}?included={case_id}", 303)
