"""Handing a case over to another unit from its page (the form the unit page links to when a
unit cannot be retired while it alone holds open cases)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.case_page import render_case
from api.pages.errors import PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from engine.casework.cases import visible_case
from engine.casework.errors import UnknownUnitError
from engine.casework.handover import hand_over
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

REASON_MAX = 500


@router.post("/cases/{case_id}/handover")
async def handover_form(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_hand_over, page, case_id, await page.form())


def _hand_over(page: Page, case_id: int, form: FormData) -> Response:
    case = visible_case(page.ctx, page.user, case_id)
    page.require(Permission.HAND_OVER)
    unit = str(form.get("unit", "")).strip()[:64]
    reason = str(form.get("reason", "")).strip()[:REASON_MAX]
    if len(reason) < 2:
        return render_case(
            page, case, errors={"_handover": page.t("handover.need_reason")}, status_code=422
        )
    try:
        hand_over(page.ctx, page.user, case_id, unit, reason)
    except UnknownUnitError:
        return render_case(
            page, case, errors={"_handover": page.t("handover.no_unit")}, status_code=422
        )
    return RedirectResponse(f"/cases/{case_id}?handed={unit}", 303)
