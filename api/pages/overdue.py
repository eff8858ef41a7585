"""The overdue board (逾期看板): overdue or escalated cases most urgent first, with 催办
(urge) for a selection of them, a POST form that needs no script."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.export_links import board_links
from api.pages.formatting import Due, due, local, span
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import Offset
from api.pages.views import state_label, tier_label
from api.units import UnitCache
from engine.casework.board import BoardItem, BoardQuery, Lateness, overdue_board
from engine.casework.errors import UnknownUnitError
from engine.casework.permissions import Permission
from engine.casework.urging import MAX_CASES, NOTE_MAX, urge
from engine.units import UnitTree

router = APIRouter(route_class=PageRoute)

PATH = "/supervisor/overdue"
PAGE_SIZE = 50
WORKING_DAY_S = 7 * 3600  # 09:00–12:00 and 13:30–17:30


@dataclass(frozen=True, slots=True)
class BoardLine:
    """A case on the board, as the page shows it."""

    id: int
    workflow_title: str
    state_label: str
    summary: str
    tier: str
    unit: str
    person: str
    overdue: bool
    late: str
    missed: str
    missed_at: str
    next_due: Due | None
    urges: int
    last_urged: str


def late_text(late: Lateness, lang: str, t: Page) -> str:
    """How long overdue: elapsed (`已逾期 3天2小时`), or in working days and hours."""
    if not late.working:
        return t.t("due.overdue", span=span_of(late.seconds, lang))
    days, rest = divmod(int(late.seconds), WORKING_DAY_S)
    parts = [t.t("span.wd", n=days)] if days else []
    if rest >= 60 or not days:
        parts.append(span_of(rest - rest % 60, lang))  # hours and minutes, by locale
    joiner = "" if lang == "zh" else " "
    return t.t("overdue.late_working", span=joiner.join(parts))


def span_of(seconds: float, lang: str) -> str:
    return span(timedelta(seconds=seconds), lang)


def _line(page: Page, item: BoardItem, tree: UnitTree) -> BoardLine:
    case = item.case
    definition = page.ctx.registry.get(case.workflow, case.workflow_version)
    lang, tz = page.lang, page.tz
    summary = str(case.data.get("location") or case.data.get("description") or "")
    missed = item.missed
    return BoardLine(
        id=case.id,
        workflow_title=definition.title.get(lang),
        state_label=state_label(definition, case.state, lang),
        summary=summary[:80] + ("…" if len(summary) > 80 else ""),
        tier=tier_label(definition, case.data, lang),
        unit=tree.label(item.unit, lang) if item.unit else "—",
        person=item.person or "",
        overdue=item.overdue,
        late=late_text(item.late, lang, page) if item.late else page.t("overdue.escalated"),
        missed=(missed.label.get(lang) if missed.label else missed.name) if missed else "",
        missed_at=local(missed.due_at, tz) if missed else "",
        next_due=due(item.next_deadline, page.now(), lang, tz) if item.next_deadline else None,
        urges=item.urges,
        last_urged=local(item.last_urged_at, tz),
    )


def _render(
    page: Page,
    workflow: str,
    unit: str,
    offset: int,
    *,
    flash: str = "",
    error: str = "",
    note: str = "",
    status: int = 200,
) -> Response:
    page.require(Permission.READ_RATES)
    workflows = page.ctx.registry.all_latest()
    chosen = workflow if workflow in {d.name for d in workflows} else ""
    units: UnitCache = page.request.app.state.units
    tree = units.tree()
    try:
        found = overdue_board(
            page.ctx, page.user, BoardQuery(chosen or None, unit or None, PAGE_SIZE, offset)
        )
    except UnknownUnitError:
        error, unit, status = page.t("overdue.bad_unit"), "", 422
        found = overdue_board(page.ctx, page.user, BoardQuery(chosen or None, None, PAGE_SIZE))
    lines = [_line(page, i, tree) for i in found.items]
    next_offset = offset + PAGE_SIZE if offset + PAGE_SIZE < found.total else None
    return page.render(
        "supervisor/overdue.html",
        {
            "cases": lines,
            "total": found.total,
            "by_unit": Counter(c.unit for c in lines).most_common(),
            "by_state": Counter(
                f"{c.workflow_title} · {c.state_label}" for c in lines
            ).most_common(),
            "workflows": [(d.name, d.title.get(page.lang)) for d in workflows],
            "workflow": chosen,
            "unit": unit,
            "units": sorted(
                ((u.code, tree.label(u.code, page.lang)) for u in tree.units.values()),
                key=lambda pair: pair[0],
            ),
            "may_urge": page.may(Permission.URGE),
            "note_max": NOTE_MAX,
            "note": note,
            "idem": uuid.uuid4().hex,
            "flash": flash,
            "error": error,
            "next_href": _href(chosen, unit, next_offset) if next_offset is not None else "",
            "exports": board_links(chosen, unit, page.lang),
        },
        active_nav=PATH,
        status_code=status,
    )


def _href(workflow: str, unit: str, offset: int | None = None) -> str:
    params = {k: v for k, v in (("workflow", workflow), ("unit", unit)) if v}
    if offset:
        params["offset"] = str(offset)
    return PATH + ("?" + urlencode(params) if params else "")


@router.get(PATH, name="overdue_board")
def board_page(
    page: PageDep, workflow: str = "", unit: str = "", offset: Offset = 0, urged: int = 0
) -> Response:
    flash = page.t("overdue.urged", n=urged) if urged > 0 else ""
    return _render(page, workflow, unit[:64], max(0, offset), flash=flash)


@router.post(PATH + "/urge")
async def urge_form(page: PageDep) -> Response:
    return await off_loop(_urge, page, await page.form())


def _urge(page: Page, form: FormData) -> Response:
    """催办 the cases ticked on the board; back to the board with how many."""
    page.require(Permission.URGE)
    workflow = str(form.get("workflow", ""))[:64]
    unit = str(form.get("unit", ""))[:64]
    note = str(form.get("note", "")).strip()
    ids = [
        int(v)
        for v in form.getlist("case_id")
        if isinstance(v, str) and v.isdigit() and len(v) < 19
    ]
    if not ids or len(ids) > MAX_CASES:
        return _render(
            page, workflow, unit, 0, error=page.t("overdue.none_selected"), note=note, status=422
        )
    if len(note) > NOTE_MAX:
        return _render(
            page,
            workflow,
            unit,
            0,
            error=page.t("urge.too_long", n=NOTE_MAX),
            note=note,
            status=422,
        )
    idem = str(form.get("idem", "")) or uuid.uuid4().hex
    done = urge(page.ctx, page.user, ids, note, f"page:{idem[:64]}")
    params = {"urged": str(len(done.case_ids))}
    params.update({k: v for k, v in (("workflow", workflow), ("unit", unit)) if v})
    return RedirectResponse(f"{PATH}?{urlencode(params)}", status_code=303)
