"""Importing a 12345 hotline's export, for admins: upload the file, see its preview (every
problem by row and column, in the page's language; the cases it would open, the tickets
already in, and for each new ticket the open cases it likely repeats and why: such rows are
imported all the same and merged afterwards on the case page), import it once it is clean.
The file is kept between preview and import by its hash (api.pages.import_files), as the
unit-tree and user imports keep theirs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.import_files import forget, keep, preview_kept, still_kept
from api.pages.imports import ProblemLine, problem_lines
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.uploads import uploads_dir
from engine.casework import hotline_import
from engine.casework.directory_import import plain_file_name
from engine.casework.errors import ImportRefusedError
from engine.casework.hotline_import import MAX_BYTES, HotlineReport, RepeatOf
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

PATH = "/admin/hotline"


@dataclass(frozen=True)
class RepeatView:
    case_id: int
    why: str  # the reasons, in the page's language


@dataclass(frozen=True)
class RepeatLine:
    row: int
    ticket: str
    cases: list[RepeatView]


def _why(page: Page, c: RepeatOf) -> str:
    said = []
    if c.distance_m is not None:
        said.append(page.t("dup.reason.near", m=round(c.distance_m)))
    if c.text_score is not None:
        said.append(page.t("dup.reason.text", pct=round(c.text_score * 100)))
    if "caller" in c.reasons:
        said.append(page.t("dup.reason.caller"))
    return "；".join(said) if page.lang == "zh" else "; ".join(said)


def repeat_lines(page: Page, report: HotlineReport) -> list[RepeatLine]:
    return [
        RepeatLine(x.row, x.ticket, [RepeatView(c.case_id, _why(page, c)) for c in x.cases])
        for x in report.repeats
    ]


def _render(
    page: Page,
    *,
    report: HotlineReport | None = None,
    token: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    lines: list[ProblemLine] = problem_lines(page, report.problems) if report else []
    repeats = repeat_lines(page, report) if report else []
    return page.render(
        "admin/hotline.html",
        {"report": report, "lines": lines, "repeats": repeats, "token": token, "error": error},
        status_code=status,
        active_nav=PATH,
    )


@router.get(PATH, name="hotline")
def hotline_page(page: PageDep) -> Response:
    page.require(Permission.IMPORT_DIRECTORY)
    return _render(page)


@router.post(PATH + "/preview")
async def preview_form(page: PageDep) -> Response:
    form = await page.form()
    try:
        page.require(Permission.IMPORT_DIRECTORY)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _render(page, error=page.t("imp.no_file"), status=422)
        token = await keep(uploads_dir(page.request), upload, MAX_BYTES)
    finally:
        await form.close()
    return await off_loop(_preview, page, token, upload.filename)


def _preview(page: Page, token: str, file_name: str) -> Response:
    report = preview_kept(
        uploads_dir(page.request),
        token,
        lambda source: hotline_import.preview_hotline(
            page.ctx, page.user, source, file_name, repeats=True
        ),
    )
    if not report.clean:
        return _render(page, report=report, status=422)
    return _render(page, report=report, token=token)


@router.post(PATH + "/apply")
async def apply_form(page: PageDep) -> Response:
    form = await page.form()
    return await off_loop(_apply, page, form)


def _apply(page: Page, form: FormData) -> Response:
    page.require(Permission.IMPORT_DIRECTORY)
    token = str(form.get("token", ""))
    file_name = plain_file_name(str(form.get("file_name", "")))
    uploads = uploads_dir(page.request)
    path = still_kept(uploads, token)
    if path is None:
        return _render(page, error=page.t("imp.gone"), status=410)
    try:
        with path.open("rb") as source:
            report = hotline_import.apply_hotline(page.ctx, page.user, source, file_name)
    except ImportRefusedError as refused:
        forget(uploads, token)
        failed = HotlineReport(file_name, 0, refused.problems, len(refused.problems))
        return _render(page, report=failed, status=422)
    forget(uploads, token)
    done = {"done": report.file_name, "created": report.created, "existing": report.existing}
    return RedirectResponse(f"{PATH}?{urlencode(done)}", 303)
