"""A workflow's version history: every published version, who published it, when and why,
and what changed from the version before."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from api.pages.changes import ChangeGroup, change_groups
from api.pages.definitions_pages import refresh
from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.page import PageDep
from engine.casework.permissions import Permission
from engine.casework.publishing import history

router = APIRouter(route_class=PageRoute)


@dataclass(frozen=True, slots=True)
class VersionLine:
    version: int
    by: str
    at: str
    reason: str
    previous: int
    change_count: int
    groups: list[ChangeGroup]


@router.get("/supervisor/definitions/{name}/history", name="definition_history")
def definition_history(page: PageDep, name: str) -> Response:
    page.require(Permission.READ_DEFINITIONS)
    refresh(page)
    entries = history(page.ctx, page.user, name)
    lines = [
        VersionLine(
            e.definition.version,
            e.published_by,
            local(e.published_at, page.tz, lang=page.lang),
            e.reason,
            e.diff.old_version,
            len(e.diff.changes),
            change_groups(e.diff, page.lang),
        )
        for e in entries
    ]
    latest = max(entries, key=lambda e: e.definition.version).definition
    return page.render(
        "supervisor/history.html",
        {"name": name, "title": latest.title.get(page.lang), "versions": lines},
        active_nav="/supervisor/definitions",
    )
