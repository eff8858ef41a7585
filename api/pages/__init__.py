"""HTML pages (Jinja2) on the same service calls as the JSON API.

Chinese by default, English by a switch; core forms work without JavaScript; every asset is
served by the app itself from ``/static``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from api.pages import (
    assignment_pages,
    audit_page,
    auth_pages,
    board,
    case_page,
    definitions_pages,
    duplicates,
    editor,
    exclusions,
    grid,
    grids_pages,
    handover_page,
    history,
    hotline_page,
    imports,
    intake,
    migrations,
    overdue,
    parties,
    points_pages,
    printing,
    public,
    review,
    tasks_page,
    units_pages,
    users_pages,
    webhooks_page,
    workroom,
)
from api.pages.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _module in (
    auth_pages,
    workroom,
    intake,
    case_page,
    duplicates,
    assignment_pages,
    handover_page,
    tasks_page,
    parties,
    printing,
    grid,
    definitions_pages,
    editor,
    review,
    history,
    overdue,
    board,
    exclusions,
    migrations,
    users_pages,
    units_pages,
    grids_pages,
    imports,
    points_pages,
    hotline_page,
    audit_page,
    public,
    webhooks_page,
):
    router.include_router(_module.router)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

__all__ = ["router"]
