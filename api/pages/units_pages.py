"""The unit tree's administration pages: the tree with a form for a new unit, and a unit's
page with its users, grid members and open cases and the forms to rename, move, merge and
retire it. Admins see every unit, a workroom head (org_admin) its organisation's subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.units import after_change
from engine.casework import units_admin
from engine.casework.errors import (
    InvalidUnitError,
    UnitExistsError,
    UnitInUseError,
    UnitPlacementError,
    UnitRetiredError,
    UnknownUnitError,
)
from engine.casework.permissions import Permission
from engine.casework.units_admin import UnitLine
from engine.units import UNIT_KINDS, UnitRecord, may_sit_under

router = APIRouter(route_class=PageRoute)

PATH = "/admin/units"
UnitCode = Annotated[str, Path(min_length=1, max_length=64)]
# The refusals a form shows next to itself (the others are error pages).
FORM_ERRORS = (
    InvalidUnitError,
    UnitExistsError,
    UnitPlacementError,
    UnitRetiredError,
    UnknownUnitError,
)


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


def _label(page: Page, u: UnitRecord) -> str:
    name = u.name_en if page.lang == "en" else u.name_zh
    return f"{name} ({u.code})"


def _kinds(page: Page) -> list[Choice]:
    return [Choice(k, page.t(f"unit.kind.{k}")) for k in UNIT_KINDS]


def _parents(
    page: Page, lines: list[UnitLine], kind: str | None, exclude: set[str]
) -> list[Choice]:
    """Units in service a unit (of `kind`, when known) may sit under; the top first when
    the user reaches every unit."""
    out = []
    if page.user.scope.everything and (kind is None or may_sit_under(kind, None)):
        out.append(Choice("", page.t("unit.top")))
    for line in lines:
        u = line.unit
        if u.retired or u.code in exclude:
            continue
        if kind is None or may_sit_under(kind, u.kind):
            out.append(Choice(u.code, "　" * line.depth + _label(page, u)))
    return out


def _tree_page(
    page: Page, status: int = 200, error: str = "", typed: FormData | None = None
) -> Response:
    lines = units_admin.unit_tree(page.ctx, page.user)
    return page.render(
        "admin/units.html",
        {
            "lines": lines,
            "kinds": _kinds(page),
            "parents": _parents(page, lines, None, set()),
            "error": error,
            "typed": dict(typed or {}),
        },
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH, name="units")
def tree_page(page: PageDep) -> Response:
    page.require(Permission.MANAGE_UNITS)
    return _tree_page(page)


@router.post(PATH)
async def create_form(page: PageDep) -> Response:
    return await off_loop(_create, page, await page.form())


def _text(form: FormData, name: str, limit: int = 128) -> str:
    return str(form.get(name, "")).strip()[:limit]


def _create(page: Page, form: FormData) -> Response:
    page.require(Permission.MANAGE_UNITS)
    try:
        u = units_admin.create_unit(
            page.ctx,
            page.user,
            _text(form, "code", 64),
            _text(form, "name_zh"),
            _text(form, "name_en"),
            _text(form, "kind", 32),
            _text(form, "parent", 64) or None,
        )
    except FORM_ERRORS as exc:
        return _tree_page(
            page, 422 if not isinstance(exc, UnitExistsError) else 409, str(exc), form
        )
    after_change(page.request.app.state)
    return RedirectResponse(f"{PATH}/{quote(u.code)}?done=created", 303)


def _unit_page(
    page: Page,
    code: str,
    status: int = 200,
    error: str = "",
    in_use: UnitInUseError | None = None,
) -> Response:
    detail = units_admin.unit_detail(page.ctx, page.user, code)
    lines = units_admin.unit_tree(page.ctx, page.user)
    below = {line.unit.code for line in lines if code in _chain(lines, line.unit.code)}
    unit = detail.unit
    labels = {line.unit.code: _label(page, line.unit) for line in lines}
    return page.render(
        "admin/unit.html",
        {
            "unit": unit,
            "kind_label": page.t(f"unit.kind.{unit.kind}"),
            "parent_label": labels.get(unit.parent or "", unit.parent or page.t("unit.top")),
            "children": [(c, labels.get(c.code, c.code)) for c in detail.children],
            "members": detail.members,
            "open_cases": detail.open_cases,
            "may_change_place": detail.may_change_place and not unit.retired,
            "parents": _parents(page, lines, unit.kind, below | {code}),
            "targets": [
                Choice(line.unit.code, _label(page, line.unit))
                for line in lines
                if line.unit.kind == unit.kind
                and not line.unit.retired
                and line.unit.code not in below
                and line.unit.code != code
            ],
            "error": error,
            "in_use": in_use,
            "may_grids": page.may(Permission.MANAGE_GRIDS) and unit.kind == "grid",
        },
        status_code=status,
        active_nav=PATH,
    )


def _chain(lines: list[UnitLine], code: str) -> set[str]:
    """`code` and its ancestors among `lines`."""
    parents = {line.unit.code: line.unit.parent for line in lines}
    out = {code}
    cur = parents.get(code)
    while cur is not None and cur not in out:
        out.add(cur)
        cur = parents.get(cur)
    return out


@router.get(PATH + "/{code}", name="unit")
def unit_page(page: PageDep, code: UnitCode) -> Response:
    page.require(Permission.MANAGE_UNITS)
    return _unit_page(page, code)


@router.post(PATH + "/{code}/{change}")
async def change_form(page: PageDep, code: UnitCode, change: str) -> Response:
    return await off_loop(_change, page, code, change, await page.form())


def _change(page: Page, code: str, change: str, form: FormData) -> Response:
    page.require(Permission.MANAGE_UNITS)
    ctx, user = page.ctx, page.user
    target = code
    try:
        if change == "rename":
            units_admin.rename_unit(ctx, user, code, _text(form, "name_zh"), _text(form, "name_en"))
        elif change == "move":
            units_admin.move_unit(ctx, user, code, _text(form, "parent", 64) or None)
        elif change == "merge":
            target = _text(form, "into", 64)
            units_admin.merge_units(ctx, user, code, target)
        elif change == "retire":
            units_admin.retire_unit(ctx, user, code)
        else:
            return _unit_page(page, code, 404, page.t("error.not_found"))
    except UnitInUseError as exc:
        return _unit_page(page, code, 409, page.t("unit.in_use"), in_use=exc)
    except FORM_ERRORS as exc:
        return _unit_page(page, code, 422, str(exc))
    after_change(page.request.app.state)
    query = urlencode({"done": change})
    return RedirectResponse(f"{PATH}/{quote(target)}?{query}", 303)
