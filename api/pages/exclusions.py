"""Reviewed exclusions from the rates, for supervisors: the list with each reason, a form to
exclude an unreasonable or out-of-scope request, and a button to count one again."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageError, PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from engine.casework.exclusions import REASON_MAX, exclude_case, exclusions, include_case
from engine.casework.permissions import Permission
from engine.errors import CaseNotFoundError

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
        ExclusionLine(e.case_id, e.reason, e.reviewer, local(e.at, page.tz, lang=page.lang))
        for e in exclusions(page.ctx, page.user)
    ]
    return page.render(
        "supervisor/exclusions.html",
        {
            "lines": lines,
            "may_review": page.may(Permission.REVIEW_EXCLUSIONS),
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
    page.require(Permission.READ_RATES)
    return _render(page)


@router.post(PATH)
async def exclude_form(page: PageDep) -> Response:
    return await off_loop(_exclude, page, await page.form())


def _exclude(page: Page, form: FormData) -> Response:
    page.require(Permission.REVIEW_EXCLUSIONS)
    case_text = str(form.get("case_id", "")).strip()
    reason = str(form.get("reason", "")).strip()[:REASON_MAX]
    case_id = int(case_text) if case_text.isdigit() and len(case_text) < 19 else 0
    if case_id < 1:
        return _render(page, 422, page.t("excl.bad_case"), case_text, reason)
    if len(reason) < 2:
        return _render(page, 422, page.t("excl.need_reason"), case_text, reason)
    try:
        created = exclude_case(page.ctx, page.user, case_id, reason).created
    except CaseNotFoundError:
        return _render(page, 404, page.t("excl.no_case", id=case_id), case_text, reason)
    return RedirectResponse(f"{PATH}?{'done' if created else 'already'}={case_id}", 303)


@router.post(PATH + "/{case_id}/include")
async def include_form(page: PageDep, case_id: CaseIdPath) -> Response:
    await page.form()
    return await off_loop(_include, page, case_id)


def _include(page: Page, case_id: int) -> Response:
    page.require(Permission.REVIEW_EXCLUSIONS)
    if not include_case(page.ctx, page.user, case_id):
        raise PageError(404, "error.not_found")
    return RedirectResponse(f"{PATH}?included={case_id}", 303)
