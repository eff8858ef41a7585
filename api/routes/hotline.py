"""Importing a 12345 hotline's export (engine.casework.hotline_import; layout in
docs/HOTLINE.md): preview, then apply. Admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from api.auth import CurrentUser
from api.deps import ContextDep
from api.problems import problem_responses
from api.schemas.imports import HotlineReportOut, RepeatOfOut, RowRepeatsOut, SheetProblemOut
from engine.casework import hotline_import
from engine.casework.hotline_import import HotlineReport

router = APIRouter(tags=["directory"])

Upload = Annotated[UploadFile, File(description="a CSV (UTF-8 or GBK) or .xlsx file")]


def report_out(r: HotlineReport) -> HotlineReportOut:
    return HotlineReportOut(
        file_name=r.file_name,
        rows=r.rows,
        created=r.created,
        existing=r.existing,
        applied=r.applied,
        problem_count=r.problem_count,
        problems=[
            SheetProblemOut(row=p.row, column=p.column, code=p.code, detail=p.detail, value=p.value)
            for p in r.problems
        ],
        repeat_rows=r.repeat_rows,
        repeats=[
            RowRepeatsOut(
                row=x.row,
                ticket=x.ticket,
                cases=[
                    RepeatOfOut(
                        case_id=c.case_id,
                        reasons=list(c.reasons),
                        distance_m=round(c.distance_m, 1) if c.distance_m is not None else None,
                        text_score=round(c.text_score, 2) if c.text_score is not None else None,
                    )
                    for c in x.cases
                ],
            )
            for x in r.repeats
        ],
    )


@router.post("/hotline/preview", responses=problem_responses(401, 403, 413, 422))
def preview_hotline(
    file: Upload,
    user: CurrentUser,
    ctx: ContextDep,
    repeats: Annotated[
        bool, Query(description="also list the open cases each new row likely repeats")
    ] = False,
) -> HotlineReportOut:
    """What importing the hotline file would do (cases to open, tickets already in) and
    every problem it has by row and column; with `repeats=true`, for each row whose ticket
    is new, the open cases you see that it likely repeats and why (`place`, `text`,
    `caller`). Writes nothing: such rows are imported all the same, to be merged after."""
    name = file.filename or ""
    found = hotline_import.preview_hotline(ctx, user, file.file, name, repeats=repeats)
    return report_out(found)


@router.post("/hotline/apply", responses=problem_responses(401, 403, 413, 422))
def apply_hotline(file: Upload, user: CurrentUser, ctx: ContextDep) -> HotlineReportOut:
    """Import the hotline file: a case per new ticket (a file with problems answers 422 with
    them, by row and column, and nothing is written). A ticket already in changes nothing."""
    return report_out(hotline_import.apply_hotline(ctx, user, file.file, file.filename or ""))
