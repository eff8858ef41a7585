"""Importing and exporting the unit tree and the users as CSV or .xlsx files
(engine.casework.directory_import): preview, apply, export. Admins only."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import StreamingResponse

from api.auth import CurrentUser
from api.deps import ContextDep
from api.problems import problem_responses
from api.schemas.imports import ImportReportOut, SheetProblemOut
from api.units import UnitCache
from engine.casework import directory_import
from engine.casework.directory_import import ImportReport, Table
from engine.sheets import csv_chunks, write_xlsx

router = APIRouter(tags=["directory"])

What = Annotated[Literal["units", "users"], Path(description="units or users")]
Upload = Annotated[UploadFile, File(description="a CSV (UTF-8 or GBK) or .xlsx file")]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 1 << 16


def report_out(r: ImportReport) -> ImportReportOut:
    return ImportReportOut(
        what=r.what,
        file_name=r.file_name,
        rows=r.rows,
        created=r.created,
        updated=r.updated,
        unchanged=r.unchanged,
        applied=r.applied,
        problems=[
            SheetProblemOut(row=p.row, column=p.column, code=p.code, detail=p.detail, value=p.value)
            for p in r.problems
        ],
    )


def refresh_units(request: Request) -> None:
    """After the unit tree changed: this process reloads it (and everyone's visibility)."""
    cache: UnitCache = request.app.state.units
    cache.invalidate()


@router.post("/import/{what}/preview", responses=problem_responses(401, 403, 413, 422))
def preview_import(what: What, file: Upload, user: CurrentUser, ctx: ContextDep) -> ImportReportOut:
    """What importing the file would do (created, updated, unchanged) and every problem it
    has by row and column; writes nothing. Layout: docs/IMPORT.md."""
    name = file.filename or ""
    return report_out(directory_import.preview(ctx, user, what, file.file, name))


@router.post("/import/{what}/apply", responses=problem_responses(401, 403, 413, 422))
def apply_import(
    what: What, file: Upload, user: CurrentUser, ctx: ContextDep, request: Request
) -> ImportReportOut:
    """Import the file: every row or none (a file with problems answers 422 with them, by
    row and column). Idempotent by unit code and username; imported users have no password
    until an administrator sets one."""
    report = directory_import.apply(ctx, user, what, file.file, file.filename or "")
    if what == "units":
        refresh_units(request)
    return report_out(report)


def _disposition(table: Table, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{table.what}.{ext}"'}


@router.get(
    "/export/{what}.csv",
    responses={200: {"content": {CSV_TYPE: {}}}, **problem_responses(401, 403)},
    response_class=StreamingResponse,
)
def export_csv(what: What, user: CurrentUser, ctx: ContextDep) -> StreamingResponse:
    """The unit tree or the users as CSV in UTF-8 with a BOM, in the import layout."""
    table = directory_import.export(ctx, user, what)
    chunks = csv_chunks(table.header, table.rows)
    return StreamingResponse(chunks, media_type=CSV_TYPE, headers=_disposition(table, "csv"))


@router.get(
    "/export/{what}.xlsx",
    responses={200: {"content": {XLSX_TYPE: {}}}, **problem_responses(401, 403)},
    response_class=StreamingResponse,
)
def export_xlsx(what: What, user: CurrentUser, ctx: ContextDep) -> StreamingResponse:
    """The unit tree or the users as an .xlsx workbook, in the import layout."""
    table = directory_import.export(ctx, user, what)
    return StreamingResponse(
        xlsx_chunks(table), media_type=XLSX_TYPE, headers=_disposition(table, "xlsx")
    )


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The workbook written row by row to a temporary file (in memory while small), then
    sent by chunks."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
        write_xlsx(out, table.header, table.rows, table.what)
        out.seek(0)
        while chunk := out.read(_CHUNK):
            yield chunk
