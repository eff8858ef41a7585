"""What every page handler gets: the context, the signed-in user, the language, CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from api.auth import CSRF_FIELD, PageUser
from api.deps import ContextDep
from api.pages.errors import CsrfError
from api.pages.formatting import due_texts
from api.pages.i18n import request_lang, translate
from api.pages.templating import templates
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, allowed, require
from engine.model import Actor

# The links of the top navigation, by role.
_WORKROOM = [("/workroom", "nav.workroom"), ("/workroom/new", "nav.intake")]
_GRID = [("/grid/report", "nav.grid_report"), ("/grid/reports", "nav.my_reports")]
_SUPERVISION = [
    ("/supervisor/definitions", "nav.definitions"),
    ("/supervisor/overdue", "nav.overdue"),
    ("/supervisor/rates", "nav.rates"),
    ("/supervisor/migrations", "nav.migrations"),
]
_USERS = ("/admin/users", "nav.users")
_UNITS = ("/admin/units", "nav.units")
_GRIDS = ("/admin/grids", "nav.grids")
_POINTS = [("/points", "nav.points"), ("/points/ranking", "nav.points_ranking")]
NAV: Mapping[str, list[tuple[str, str]]] = {
    "grid_member": [*_GRID, _POINTS[0]],
    "mediator": _WORKROOM,
    "handler": [("/workroom", "nav.workroom"), _POINTS[0]],
    "org_admin": [
        *_WORKROOM,
        ("/supervisor/overdue", "nav.overdue"),
        ("/supervisor/rates", "nav.rates"),
        *_POINTS,
        _USERS,
        _UNITS,
    ],
    "supervisor": [("/workroom", "nav.workroom"), *_SUPERVISION, *_POINTS, _GRIDS],
    "admin": [
        ("/workroom", "nav.workroom"),
        *_SUPERVISION,
        *_POINTS,
        _USERS,
        _UNITS,
        _GRIDS,
        ("/admin/import", "nav.import"),
        ("/admin/hotline", "nav.hotline"),
        ("/admin/audit", "nav.audit"),
        ("/admin/webhooks", "nav.webhooks"),
    ],
}
HOME: Mapping[str, str] = {
    "grid_member": "/grid/reports",
    "supervisor": "/supervisor/definitions",
    "admin": "/supervisor/definitions",
}


def home_of(role: str) -> str:
    """Where a user of `role` lands after logging in."""
    return HOME.get(role, "/workroom")


@dataclass
class Page:
    request: Request
    ctx: Casework
    user: User
    lang: str

    @property
    def csrf_token(self) -> str:
        return self.user.csrf

    @property
    def actor(self) -> Actor:
        return self.user.actor

    @property
    def tz(self) -> str:
        return self.ctx.timezone

    def now(self) -> datetime:
        return self.ctx.clock.now()

    async def form(self) -> FormData:
        """The posted form, once its CSRF token matched the session's."""
        form = await self.request.form()
        sent = form.get(CSRF_FIELD, "")
        if (
            not isinstance(sent, str)
            or not self.user.csrf
            or not secrets.compare_digest(sent, self.user.csrf)
        ):
            values = [
                (k, v) for k, v in form.multi_items() if isinstance(v, str) and k != CSRF_FIELD
            ]
            await form.close()  # uploaded files are not kept open past a refusal
            raise CsrfError(self.request.url.path, values)
        return form

    def may(self, permission: Permission) -> bool:
        """Whether the user may (engine.casework.permissions): for showing a button."""
        return allowed(self.user, permission)

    def require(self, permission: Permission) -> None:
        """A 403 page unless the user may."""
        require(self.user, permission)

    def may_read_personal_data(self) -> bool:
        return self.may(Permission.READ_PERSONAL_DATA)

    def t(self, key: str, **params: object) -> str:
        return translate(self.lang, key, **params)

    def render(
        self,
        name: str,
        context: Mapping[str, Any],
        status_code: int = 200,
        active_nav: str | None = None,
    ) -> Response:
        self.request.state.lang = self.lang
        here = self.request.url.path
        if self.request.url.query:
            here += "?" + self.request.url.query
        full = {
            "user": self.user,
            "nav": NAV.get(self.user.role, []),
            "active_nav": active_nav if active_nav is not None else self.request.url.path,
            "csrf_token": self.csrf_token,
            "here": here,
            "server_now": self.now().isoformat(),
            "due_texts": due_texts(self.lang),
            **context,
        }
        return templates.TemplateResponse(self.request, name, full, status_code=status_code)


def get_page(request: Request, ctx: ContextDep, user: PageUser) -> Page:
    request.state.page_user = user
    return Page(request, ctx, user, request_lang(request, user.lang))


PageDep = Annotated[Page, Depends(get_page)]
