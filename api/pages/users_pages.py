"""Managing users (admins and organisation admins): the list with filters, a form for a new
user, a user's page with their role and unit, deactivation, a new password and unlocking;
and, for every user, the page to change their own password. Forms without JavaScript, each
posting with the session's CSRF token; a refused change shows the form again with why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.auth import current_token_hash, forget_cached_users
from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from engine.casework import users_admin
from engine.casework.errors import (
    DuplicateUserError,
    InvalidUserError,
    LastAdminError,
    OutOfScopeError,
    RoleNotGrantableError,
    UnknownUnitError,
)
from engine.casework.identity import ROLES
from engine.casework.passwords import MAX_LENGTH, MIN_LENGTH
from engine.casework.permissions import Permission
from engine.casework.users_admin import NewUser, UserInfo
from engine.errors import FengqiaoError
from engine.units import UnitTree

router = APIRouter(route_class=PageRoute)

PATH = "/admin/users"
OWN_PASSWORD = "/account/password"
UserId = Annotated[int, Path(ge=1, le=2**62)]
REFUSALS = (
    InvalidUserError,
    DuplicateUserError,
    UnknownUnitError,
    OutOfScopeError,
    RoleNotGrantableError,
    LastAdminError,
)


@dataclass(frozen=True, slots=True)
class UnitOption:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class UserLine:
    user: UserInfo
    unit_label: str
    created: str
    deactivated: str
    password_changed: str


def refusal(page: Page, exc: FengqiaoError) -> str:
    """Why a change was refused, in the page's language."""
    if isinstance(exc, InvalidUserError):
        if exc.field in ("password", "new_password") and "least" in exc.detail:
            return page.t("users.err.short", n=MIN_LENGTH)
        return page.t(f"users.err.{exc.field}", detail=exc.detail)
    if isinstance(exc, DuplicateUserError):
        return page.t("users.err.duplicate", name=exc.username)
    if isinstance(exc, UnknownUnitError):
        return page.t("users.err.unknown_unit", unit=exc.unit)
    if isinstance(exc, OutOfScopeError):
        return page.t("users.err.out_of_scope", unit=exc.unit)
    if isinstance(exc, RoleNotGrantableError):
        return page.t("users.err.not_grantable", role=page.t(f"role.{exc.role}"))
    if isinstance(exc, LastAdminError):
        return page.t("users.err.last_admin", name=exc.username)
    return str(exc)


def _tree(page: Page) -> UnitTree:
    tree: UnitTree = page.request.app.state.units.tree()
    return tree


def _unit_options(page: Page, tree: UnitTree) -> list[UnitOption]:
    """The units a user may be given by this manager: all for an admin, the organisation's
    subtree for an organisation admin."""
    if page.user.role == "admin":
        codes = set(tree.units)
    else:
        codes = tree.subtree(page.user.unit) if page.user.unit else set()
    return [
        UnitOption(code, f"{tree.label(code, page.lang)} ({code})")
        for code in sorted(codes, key=lambda c: (tree.units[c].kind, c))
        if code in tree.units
    ]


def _line(page: Page, tree: UnitTree, u: UserInfo) -> UserLine:
    return UserLine(
        u,
        tree.label(u.unit, page.lang) if u.unit else "—",
        local(u.created_at, page.tz),
        local(u.deactivated_at, page.tz),
        local(u.password_changed_at, page.tz),
    )


def _form_text(form: FormData, name: str, limit: int = 256) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


# -- the list -----------------------------------------------------------------------------------
@router.get(PATH, name="users")
def users_page(page: PageDep, unit: str = "", role: str = "", active: str = "yes") -> Response:
    page.require(Permission.MANAGE_USERS)
    tree = _tree(page)
    unit = unit[:64] if unit in tree.units else ""
    role = role if role in ROLES else ""
    active = active if active in ("yes", "no", "all") else "yes"
    flag = {"yes": True, "no": False}.get(active)
    found = users_admin.list_users(
        page.ctx, page.user, unit=unit or None, role=role or None, active=flag
    )
    return page.render(
        "admin/users.html",
        {
            "lines": [_line(page, tree, u) for u in found],
            "units": _unit_options(page, tree),
            "roles": users_admin.grantable_roles(page.user),
            "unit": unit,
            "role": role,
            "active": active,
        },
        active_nav=PATH,
    )


# -- a new user ---------------------------------------------------------------------------------
def _render_new(page: Page, values: dict[str, str], error: str = "", status: int = 200) -> Response:
    tree = _tree(page)
    return page.render(
        "admin/user_new.html",
        {
            "values": values,
            "error": error,
            "units": _unit_options(page, tree),
            "roles": users_admin.grantable_roles(page.user),
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH + "/new", name="new_user")
def new_user_page(page: PageDep) -> Response:
    page.require(Permission.MANAGE_USERS)
    return _render_new(page, {"role": "mediator", "unit": page.user.unit or "", "lang": "zh"})


@router.post(PATH + "/new")
async def new_user_form(page: PageDep) -> Response:
    return await off_loop(_create, page, await page.form())


def _create(page: Page, form: FormData) -> Response:
    page.require(Permission.MANAGE_USERS)
    values = {
        name: _form_text(form, name).strip()
        for name in ("username", "display_name", "role", "unit", "lang")
    }
    password = _form_text(form, "password", MAX_LENGTH + 1)
    if password != _form_text(form, "password_again", MAX_LENGTH + 1):
        return _render_new(page, values, page.t("users.err.mismatch"), 422)
    new = NewUser(
        username=values["username"],
        role=values["role"],
        unit=values["unit"] or None,
        password=password,
        display_name=values["display_name"],
        lang=values["lang"] or "zh",
    )
    try:
        created = users_admin.create_user(page.ctx, page.user, new)
    except REFUSALS as exc:
        status = 409 if isinstance(exc, DuplicateUserError) else 422
        status = 403 if isinstance(exc, OutOfScopeError | RoleNotGrantableError) else status
        return _render_new(page, values, refusal(page, exc), status)
    return RedirectResponse(f"{PATH}/{created.id}?done=created", 303)


# -- one user -----------------------------------------------------------------------------------
def _render_user(page: Page, user_id: int, error: str = "", status: int = 200) -> Response:
    tree = _tree(page)
    target = users_admin.get_user(page.ctx, page.user, user_id)
    return page.render(
        "admin/user.html",
        {
            "line": _line(page, tree, target),
            "target": target,
            "error": error,
            "units": _unit_options(page, tree),
            "roles": users_admin.grantable_roles(page.user),
            "manageable": target.role in users_admin.grantable_roles(page.user),
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
        },
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH + "/{user_id}", name="user")
def user_page(page: PageDep, user_id: UserId) -> Response:
    page.require(Permission.MANAGE_USERS)
    return _render_user(page, user_id)


def _change(
    page: Page, user_id: int, done: str, work: Callable[[], object], forget: bool = True
) -> Response:
    """Run one change of a user's page; the page again with why it was refused."""
    page.require(Permission.MANAGE_USERS)
    try:
        work()
    except REFUSALS as exc:
        status = 409 if isinstance(exc, LastAdminError) else 422
        status = 403 if isinstance(exc, OutOfScopeError | RoleNotGrantableError) else status
        return _render_user(page, user_id, refusal(page, exc), status)
    if forget:
        forget_cached_users(page.request)
    return RedirectResponse(f"{PATH}/{user_id}?done={done}", 303)


@router.post(PATH + "/{user_id}")
async def change_form(page: PageDep, user_id: UserId) -> Response:
    form = await page.form()
    role = _form_text(form, "role", 32)
    unit = _form_text(form, "unit", 64).strip() or None

    def work() -> object:
        return users_admin.change_user(page.ctx, page.user, user_id, role=role, unit=unit)

    return await off_loop(_change, page, user_id, "changed", work)


@router.post(PATH + "/{user_id}/deactivate")
async def deactivate_form(page: PageDep, user_id: UserId) -> Response:
    await page.form()

    def work() -> object:
        return users_admin.deactivate(page.ctx, page.user, user_id)

    return await off_loop(_change, page, user_id, "deactivated", work)


@router.post(PATH + "/{user_id}/reactivate")
async def reactivate_form(page: PageDep, user_id: UserId) -> Response:
    await page.form()

    def work() -> object:
        return users_admin.reactivate(page.ctx, page.user, user_id)

    return await off_loop(_change, page, user_id, "reactivated", work, False)


@router.post(PATH + "/{user_id}/password")
async def password_form(page: PageDep, user_id: UserId) -> Response:
    form = await page.form()
    password = _form_text(form, "password", MAX_LENGTH + 1)
    again = _form_text(form, "password_again", MAX_LENGTH + 1)

    def work() -> object:
        if password != again:
            raise InvalidUserError("mismatch", "the two passwords differ")
        return users_admin.reset_password(page.ctx, page.user, user_id, password)

    return await off_loop(_change, page, user_id, "password", work)


@router.post(PATH + "/{user_id}/unlock")
async def unlock_form(page: PageDep, user_id: UserId) -> Response:
    await page.form()

    def work() -> object:
        return users_admin.unlock(page.ctx, page.user, user_id)

    return await off_loop(_change, page, user_id, "unlocked", work, False)


# -- my password --------------------------------------------------------------------------------
def _render_own(page: Page, error: str = "", status: int = 200, done: bool = False) -> Response:
    return page.render(
        "account/password.html",
        {"error": error, "done": done, "min_length": MIN_LENGTH, "max_length": MAX_LENGTH},
        status_code=status,
        active_nav=OWN_PASSWORD,
    )


@router.get(OWN_PASSWORD, name="own_password")
def own_password_page(page: PageDep, done: str = "") -> Response:
    return _render_own(page, done=bool(done))


@router.post(OWN_PASSWORD)
async def own_password_form(page: PageDep) -> Response:
    return await off_loop(_own_password, page, await page.form())


def _own_password(page: Page, form: FormData) -> Response:
    current = _form_text(form, "current_password", MAX_LENGTH + 1)
    new = _form_text(form, "new_password", MAX_LENGTH + 1)
    if new != _form_text(form, "new_password_again", MAX_LENGTH + 1):
        return _render_own(page, page.t("users.err.mismatch"), 422)
    try:
        users_admin.change_own_password(
            page.ctx, page.user, current, new, current_token_hash(page.request)
        )
    except InvalidUserError as exc:
        return _render_own(page, refusal(page, exc), 422)
    forget_cached_users(page.request)
    return RedirectResponse(f"{OWN_PASSWORD}?done=1", 303)
