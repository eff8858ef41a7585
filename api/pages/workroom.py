"""The mediation workroom queue: mine, my organisation, overdue, due soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.responses import Response

from api.pages.errors import PageRoute
from api.pages.export_links import queue_links
from api.pages.formatting import DUE_SOON
from api.pages.page import Page, PageDep
from api.pages.params import Offset
from api.pages.views import CaseCard, case_card
from api.units import UnitCache
from engine.casework.cases import CaseFilter, CaseListItem, list_cases
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

VIEWS: tuple[str, ...] = ("mine", "org", "overdue", "due_soon")
# Most urgent first unless asked otherwise (engine.urgency); due soon is nearest first.
SORTS: tuple[str, ...] = ("urgency", "deadline", "updated", "newest", "oldest")
PAGE_SIZE = 50
DUE_SOON_SCAN = 500


@dataclass(frozen=True, slots=True)
class Tab:
    view: str
    label_key: str
    count: int
    href: str


def _filter(page: Page, view: str, workflow: str | None, text: str | None) -> CaseFilter:
    return CaseFilter(
        workflow=workflow or None,
        text=text or None,
        open_only=True,
        overdue=True if view == "overdue" else (False if view == "due_soon" else None),
        assigned_to=page.user.username if view == "mine" else None,
    )


def _items(
    page: Page,
    view: str,
    workflow: str | None,
    text: str | None,
    offset: int,
    count_only: bool = False,
    sort: str = "urgency",
) -> tuple[list[CaseListItem], int]:
    ctx = page.ctx
    now = page.now()
    f = _filter(page, view, workflow, text)
    if view != "due_soon":
        limit = 1 if count_only else PAGE_SIZE
        result = list_cases(ctx, page.user, f, limit=limit, offset=offset, sort=sort)
        return result.items, result.total
    # Due soon: open, not overdue, with a deadline within DUE_SOON; nearest first.
    scan = list_cases(ctx, page.user, f, limit=DUE_SOON_SCAN, sort="deadline")
    horizon = now + DUE_SOON
    soon = [i for i in scan.items if i.next_deadline is not None and i.next_deadline <= horizon]
    return soon[offset : offset + PAGE_SIZE], len(soon)


def cards(page: Page, items: list[CaseListItem]) -> list[CaseCard]:
    units: UnitCache = page.request.app.state.units
    tree = units.tree()
    now = page.now()
    out = []
    for item in items:
        definition = page.ctx.registry.get(item.case.workflow, item.case.workflow_version)
        out.append(
            case_card(
                definition,
                item.case,
                item.next_deadline,
                item.overdue,
                tree,
                page.lang,
                now,
                page.tz,
            )
        )
    return out


@router.get("/workroom", name="workroom")
def queue(
    page: PageDep,
    view: str = "",
    workflow: str = "",
    q: str = "",
    offset: Offset = 0,
    sort: str = "",
) -> Response:
    if view not in VIEWS:
        # Mediators work their own cases first; other roles their unit's.
        view = "mine" if page.user.role == "mediator" else "org"
    offset = max(0, offset)
    workflows = page.ctx.registry.all_latest()
    known = {d.name for d in workflows}
    chosen = workflow if workflow in known else ""
    text = q.strip()[:100]
    sort = sort if sort in SORTS else "urgency"
    items, total = _items(page, view, chosen, text, offset, sort=sort)
    # Counting needs no order: the cheapest one.
    counts = {
        v: _items(page, v, chosen, text, 0, count_only=True, sort="newest")[1]
        for v in VIEWS
        if v != view
    }
    counts[view] = total
    tabs = [Tab(v, f"queue.{v}", counts[v], _href(v, chosen, text, sort=sort)) for v in VIEWS]
    next_offset = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return page.render(
        "workroom/queue.html",
        {
            "view": view,
            "tabs": tabs,
            "cases": cards(page, items),
            "total": total,
            "workflows": [(d.name, d.title.get(page.lang)) for d in workflows],
            "workflow": chosen,
            "q": text,
            "offset": offset,
            "next_href": _href(view, chosen, text, next_offset, sort)
            if next_offset is not None
            else "",
            "sort": sort,
            "sorts": SORTS if view != "due_soon" else (),
            "server_now": page.now().isoformat(),
            "due_soon_hours": int(DUE_SOON / timedelta(hours=1)),
            "may_claim": page.may(Permission.CLAIM_CASE),
            "exports": queue_links(view, chosen, text, page.lang),
        },
        active_nav="/workroom",
    )


def _href(
    view: str, workflow: str, q: str, offset: int | None = None, sort: str = "urgency"
) -> str:
    params = {"view": view}
    if sort != "urgency":
        params["sort"] = sort
    if workflow:
        params["workflow"] = workflow
    if q:
        params["q"] = q
    if offset:
        params["offset"] = str(offset)
    return "/workroom?" + urlencode(params)
