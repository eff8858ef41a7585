"""Grid members and their grids, for supervisors and admins: who holds which grid, and the
forms to give a grid, take it away, hand a leaving member's grids and open cases to another,
and move a grid's open cases to another grid when grids are redrawn."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.units import after_change
from engine.casework import grids
from engine.casework.errors import (
    InvalidUnitError,
    UnitRetiredError,
    UnknownMemberError,
    UnknownUnitError,
    WrongMemberError,
)
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

PATH = "/admin/grids"
FORM_ERRORS = (
    InvalidUnitError,
    UnitRetiredError,
    UnknownUnitError,
    UnknownMemberError,
    WrongMemberError,
)


def _render(page: Page, status: int = 200, error: str = "") -> Response:
    units = grids.grids_in_reach(page.ctx, page.user)
    names = {u.code: (u.name_en if page.lang == "en" else u.name_zh) for u in units}
    return page.render(
        "admin/grids.html",
        {
            "members": grids.grid_members(page.ctx, page.user),
            "grids": units,
            "names": names,
            "error": error,
        },
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH, name="grids")
def grids_page(page: PageDep) -> Response:
    page.require(Permission.MANAGE_GRIDS)
    return _render(page)


@router.post(PATH + "/{change}")
async def change_form(page: PageDep, change: str) -> Response:
    return await off_loop(_change, page, change, await page.form())


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()[:64]


def _case_ids(text: str) -> list[int] | None:
    parts = [p.strip().lstrip("#") for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts:
        return None
    if not all(p.isascii() and p.isdigit() and len(p) < 19 for p in parts):
        raise InvalidUnitError("cases", "case numbers separated by commas")
    return [int(p) for p in parts]


def _change(page: Page, change: str, form: FormData) -> Response:
    page.require(Permission.MANAGE_GRIDS)
    ctx, user = page.ctx, page.user
    try:
        if change == "assign":
            grids.assign_grids(ctx, user, _text(form, "username"), [_text(form, "grid")])
        elif change == "unassign":
            grids.unassign_grid(ctx, user, _text(form, "username"), _text(form, "grid"))
        elif change == "handover":
            done = grids.hand_over_grids(ctx, user, _text(form, "from"), _text(form, "to"))
            after_change(page.request.app.state)
            return RedirectResponse(
                f"{PATH}?{urlencode({'done': change, 'n': len(done.cases)})}", 303
            )
        elif change == "redraw":
            ids = _case_ids(str(form.get("cases", ""))[:20_000])
            moved = grids.redraw_grid(ctx, user, _text(form, "source"), _text(form, "target"), ids)
            return RedirectResponse(f"{PATH}?{urlencode({'done': change, 'n': len(moved)})}", 303)
        else:
            return _render(page, 404, page.t("error.not_found"))
    except FORM_ERRORS as exc:
        return _render(page, 422, str(exc))
    after_change(page.request.app.state)
    return RedirectResponse(f"{PATH}?done={change}", 303)
