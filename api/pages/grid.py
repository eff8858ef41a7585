"""The grid member's phone: report an issue, follow "my reports", verify the fix on site."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.datastructures import FormData, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from api.pages.duplicates import SuggestionView, check, place_of
from api.pages.errors import PageError, PageRoute
from api.pages.forms import parse, typed_raw, widgets
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.pages.uploads import PhotoError, photo_path, store_photo
from api.pages.workroom import cards
from engine.casework import grid_reports
from engine.casework.cases import CaseFilter, list_cases, visible_case
from engine.casework.grid_reports import GRID_WORKFLOW, GridReport
from engine.definition import Definition
from engine.errors import InvalidDataError

router = APIRouter(route_class=PageRoute)

REPORT_FIELDS: tuple[tuple[str, bool], ...] = (
    ("category", True),
    ("severity", True),
    ("location", True),
    ("description", True),
)
MY_REPORTS_SCAN = 500


def _definition(page: Page) -> Definition:
    return page.ctx.registry.latest(GRID_WORKFLOW)


def _render_form(
    page: Page,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    grid_unit: str = "",
    status_code: int = 200,
    place: tuple[float, float] | None = None,
    duplicates: list[SuggestionView] | None = None,
) -> Response:
    definition = _definition(page)
    units = page.request.app.state.units.tree()
    grids = [(g, units.label(g, page.lang)) for g in page.user.grid_units]
    return page.render(
        "grid/report.html",
        {
            "grids": grids,
            "grid_unit": grid_unit or (grids[0][0] if grids else ""),
            "widgets": widgets(definition, REPORT_FIELDS, page.lang, raw=typed, errors=errors),
            "errors": errors or {},
            "idem": uuid.uuid4().hex,
            "place_lat": f"{place[0]:.6f}" if place else "",
            "place_lng": f"{place[1]:.6f}" if place else "",
            "checked": duplicates is not None,
            "duplicates": duplicates or [],
        },
        status_code=status_code,
        active_nav="/grid/report",
    )


def _grid_member(page: Page) -> None:
    if page.user.role != "grid_member" or not page.user.grid_units:
        raise PageError(403, "error.forbidden")


@router.get("/grid/report", name="grid_report")
def report_form(page: PageDep) -> Response:
    _grid_member(page)
    return _render_form(page)


@router.post("/grid/report")
async def report_submit(page: PageDep) -> Response:
    _grid_member(page)
    form = await page.form()
    try:
        return await _report(page, form)
    finally:
        await form.close()


async def _report(page: Page, form: FormData) -> Response:
    definition = _definition(page)
    typed = typed_raw(form, [n for n, _ in REPORT_FIELDS])
    grid_unit = str(form.get("grid_unit", ""))
    data, errors = parse(definition, list(REPORT_FIELDS), typed, page.lang, page.tz)
    if grid_unit not in page.user.grid_units:
        errors["_grid"] = page.t("form.choice")
    place, place_ok = place_of(form)
    if not place_ok:
        errors["_place"] = page.t("place.bad")
    if form.get("check") and place_ok:
        return await off_loop(_check, page, typed, grid_unit, place)
    photo = form.get("photo")
    reference = ""
    if not errors and isinstance(photo, UploadFile) and photo.filename:
        try:
            reference = await store_photo(page.request, photo)
        except PhotoError as exc:
            errors["_photo"] = page.t(exc.message_key)
    if errors:
        return await off_loop(_render_form, page, typed, errors, grid_unit, 422, place)
    report = GridReport(
        grid_unit=grid_unit,
        category=str(data.get("category", "")),
        severity=str(data.get("severity", "")),
        location=str(data.get("location", "")),
        description=str(data.get("description", "")),
        photos=[reference] if reference else [],
        fixed_on_spot=bool(form.get("fixed_on_spot")),
        place=place,
    )
    idem = str(form.get("idem", "")) or uuid.uuid4().hex
    return await off_loop(_send_report, page, report, typed, f"page:{idem[:64]}")


def _check(
    page: Page, typed: dict[str, str], grid_unit: str, place: tuple[float, float] | None
) -> Response:
    """The form again, with the open cases the report may repeat: before it is sent."""
    found = check(page, GRID_WORKFLOW, typed.get("category"), typed.get("description", ""), place)
    return _render_form(page, typed, None, grid_unit, 200, place, found)


def _send_report(page: Page, report: GridReport, typed: dict[str, str], key: str) -> Response:
    try:
        result = grid_reports.report(page.ctx, page.user, report, idempotency_key=key)
    except InvalidDataError as exc:
        return _render_form(page, typed, dict(exc.errors), report.grid_unit, 422, report.place)
    return RedirectResponse(f"/grid/reports?sent={result.case.id}", status_code=303)


@router.get("/grid/reports", name="my_reports")
def my_reports(page: PageDep, sent: int = 0) -> Response:
    found = list_cases(
        page.ctx,
        page.user,
        CaseFilter(workflow=GRID_WORKFLOW),
        limit=MY_REPORTS_SCAN,
        sort="updated",
    )
    mine = [i for i in found.items if i.case.opened_by == page.user.username]
    items = cards(page, mine)
    to_verify = [c for c in items if c.state == "verification"]
    return page.render(
        "grid/mine.html",
        {
            "cases": items,
            "to_verify": to_verify,
            "flash": page.t("grid.sent", id=sent) if sent else "",
        },
        active_nav="/grid/reports",
    )


@router.get("/cases/{case_id}/photos/{name}", name="case_photo")
def case_photo(page: PageDep, case_id: CaseIdPath, name: str) -> Response:
    case = visible_case(page.ctx, page.user, case_id)
    photos = case.data.get("photos") or []
    reference = next((p for p in photos if isinstance(p, str) and p.endswith("/" + name)), None)
    path = photo_path(page.request, reference) if reference else None
    if path is None:
        raise PageError(404, "error.not_found")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})
