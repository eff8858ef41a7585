"""Exports as files: a case list with its filters, the overdue board and the rates, as CSV
(UTF-8 with a byte order mark) or .xlsx, streamed; every export is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import StreamingResponse

from api.auth import CurrentUser
from api.case_query import CaseQuery
from api.deps import ContextDep, UnitsDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.routes.rates import From, GroupBy, Period, RankBy, To, Unit, moment
from engine.casework.context import Casework
from engine.casework.exports import Export, export_board, export_cases, export_rates, file_name
from engine.casework.rates import RateQuery
from engine.tabular import media_type

router = APIRouter(tags=["exports"], route_class=BoundedJsonRoute)

ERRORS = problem_responses(401, 403, 422)
Format = Literal["csv", "xlsx"]
Lang = Annotated[
    Literal["zh", "en"] | None,
    Query(description="The language of the headers and labels (yours by default)"),
]
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, streamed",
        "content": {media_type("csv"): {}, media_type("xlsx"): {}},
    }
}
RESPONSES = {**FILE, **ERRORS}


def _file(ctx: Casework, export: Export, fmt: str) -> StreamingResponse:
    name = file_name(export.what, fmt, ctx.clock.now(), ctx.timezone)
    return StreamingResponse(
        export.chunks(fmt),
        media_type=media_type(fmt),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Total-Rows": str(export.total),
        },
    )


@router.get("/cases/export.{fmt}", responses=RESPONSES, response_class=StreamingResponse)
def export_case_list(
    fmt: Format,
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    filters: Annotated[CaseQuery, Depends()],
    lang: Lang = None,
) -> StreamingResponse:
    """The cases you may see under the same filters as `GET /api/cases`, newest first, every
    one of them (no pages), without the parties' personal data."""
    f = filters.case_filter(user, ctx.clock.now())
    export = export_cases(ctx, user, tree, f, fmt=fmt, lang=lang or user.lang)
    return _file(ctx, export, fmt)


@router.get("/board/export.{fmt}", responses=RESPONSES, response_class=StreamingResponse)
def export_overdue_board(
    fmt: Format,
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[
        str | None, Query(max_length=64, description="That unit and every unit under it")
    ] = None,
    lang: Lang = None,
) -> StreamingResponse:
    """The overdue board as it lists its cases (overdue or escalated, most urgent first), with
    how late, the deadline missed, who is responsible and the urges; of one workflow or all."""
    export = export_board(
        ctx, user, tree, workflow or None, fmt=fmt, lang=lang or user.lang, unit=unit or None
    )
    return _file(ctx, export, fmt)


@router.get("/rates/export.{fmt}", responses=RESPONSES, response_class=StreamingResponse)
def export_rate_table(
    fmt: Format,
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    start: From = None,
    end: To = None,
    group_by: Annotated[GroupBy, Query()] = "none",
    period: Annotated[Period, Query()] = "month",
    rank_by: Annotated[RankBy | None, Query()] = None,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    org: Unit = None,
    grid: Unit = None,
    lang: Lang = None,
) -> StreamingResponse:
    """The rates as `GET /api/rates` gives them, a line per group and the total last; rates
    in percent."""
    lo: datetime | None = moment("from", start)
    hi: datetime | None = moment("to", end)
    q = RateQuery(lo, hi, workflow, org, grid, group_by, period)
    export = export_rates(ctx, user, tree, q, fmt=fmt, lang=lang or user.lang, rank_by=rank_by)
    return _file(ctx, export, fmt)
