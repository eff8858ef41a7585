"""Importing the unit tree and the users, for admins: upload a file, see its preview (every
problem by row and column, in the page's language), import it once it is clean; links to the
exports. The uploaded file is kept between preview and import by its hash
(api.pages.import_files); the pages work without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageError, PageRoute
from api.pages.import_files import forget, keep, preview_kept, still_kept
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.uploads import uploads_dir
from api.units import UnitCache
from engine.casework import directory_import
from engine.casework.directory_import import UNITS, USERS, ImportReport, plain_file_name
from engine.casework.errors import ImportRefusedError
from engine.casework.permissions import Permission
from engine.sheets import SheetProblem

router = APIRouter(route_class=PageRoute)

PATH = "/admin/import"
WHATS = (UNITS, USERS)


@dataclass(frozen=True, slots=True)
class ProblemLine:
    row: str
    column: str
    text: str
    value: str


def problem_lines(page: Page, problems: tuple[SheetProblem, ...]) -> list[ProblemLine]:
    out = []
    for p in problems:
        key = f"imp.p.{p.code}"
        text = page.t(key)
        out.append(
            ProblemLine(
                str(p.row) if p.row is not None else page.t("imp.whole_file"),
                p.column or "",
                text if text != key else p.detail,
                p.value,
            )
        )
    return out


def _render(
    page: Page,
    *,
    report: ImportReport | None = None,
    token: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    return page.render(
        "admin/import.html",
        {
            "whats": WHATS,
            "report": report,
            "lines": problem_lines(page, report.problems) if report else [],
            "token": token,
            "error": error,
        },
        status_code=status,
        active_nav=PATH,
    )


def _what(form: FormData) -> str:
    what = str(form.get("what", ""))
    if what not in WHATS:
        raise PageError(404, "error.not_found")
    return what


@router.get(PATH, name="import")
def import_page(page: PageDep) -> Response:
    page.require(Permission.IMPORT_DIRECTORY)
    return _render(page)


@router.post(PATH + "/preview")
async def preview_form(page: PageDep) -> Response:
    form = await page.form()
    try:
        page.require(Permission.IMPORT_DIRECTORY)
        what = _what(form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _render(page, error=page.t("imp.no_file"), status=422)
        token = await keep(uploads_dir(page.request), upload)
    finally:
        await form.close()
    return await off_loop(_preview, page, what, token, upload.filename)


def _preview(page: Page, what: str, token: str, file_name: str) -> Response:
    report = preview_kept(
        uploads_dir(page.request),
        token,
        lambda source: directory_import.preview(page.ctx, page.user, what, source, file_name),
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
    what = _what(form)
    token = str(form.get("token", ""))
    file_name = plain_file_name(str(form.get("file_name", "")))
    uploads = uploads_dir(page.request)
    path = still_kept(uploads, token)
    if path is None:
        return _render(page, error=page.t("imp.gone"), status=410)
    try:
        with path.open("rb") as source:
            report = directory_import.apply(page.ctx, page.user, what, source, file_name)
    except ImportRefusedError as refused:
        forget(uploads, token)
        # The database changed since the preview: the same file has problems now.
        failed = ImportReport(what, file_name, 0, refused.problems)
        return _render(page, report=failed, status=422)
    forget(uploads, token)
    if what == UNITS:
        cache: UnitCache = page.request.app.state.units
        cache.invalidate()
    done = {
        "done": report.file_name,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    return RedirectResponse(f"{PATH}?{urlencode(done)}", 303)
