"""Organisations and areas; the whole audit log for admins, filtered, as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.auth import CurrentUser
from api.deps import ContextDep, UnitsDep
from api.json_body import BoundedJsonRoute
from api.presenters import audit_out
from api.problems import problem_responses
from api.schemas.common import AuditOut, UnitOut
from engine.casework.audit_log import (
    AUDIT_HEADER,
    AuditFilter,
    audit_export,
    audit_rows,
    audit_search,
)
from engine.sheets import csv_chunks

router = APIRouter(tags=["directory"], route_class=BoundedJsonRoute)
CSV_TYPE = "text/csv; charset=utf-8"


@router.get("/units", responses=problem_responses(401))
def list_units(
    user: CurrentUser,
    tree: UnitsDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> list[UnitOut]:
    """Organisations (工会, 妇联, …) with their workrooms and the area tree: city, district,
    street, community, grid; retired units are marked."""
    return [
        UnitOut(
            code=u.code,
            name_zh=u.name_zh,
            name_en=u.name_en,
            kind=u.kind,
            parent=u.parent,
            retired=u.retired,
        )
        for u in sorted(tree.units.values(), key=lambda u: u.code)
        if kind is None or u.kind == kind
    ]


Who = Annotated[str | None, Query(max_length=64, description="exact username")]
WhatAction = Annotated[
    str | None, Query(max_length=64, description="exact action, e.g. personal_data_read")
]
From = Annotated[date | None, Query(alias="from", description="first local day, included")]
To = Annotated[date | None, Query(alias="to", description="last local day, included")]


@router.get("/audit", responses=problem_responses(401, 403, 422))
def audit_log(
    user: CurrentUser,
    ctx: ContextDep,
    username: Who = None,
    action: WhatAction = None,
    date_from: From = None,
    date_to: To = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AuditOut]:
    """The audit log about the cases you may see, newest first (admins only), filtered by
    who, what and when (local days of the service's time zone)."""
    f = AuditFilter(username, action, date_from, date_to)
    return [audit_out(e) for e in audit_search(ctx, user, f, limit, offset).entries]


@router.get(
    "/audit.csv",
    responses={200: {"content": {CSV_TYPE: {}}}, **problem_responses(401, 403, 422)},
    response_class=StreamingResponse,
)
def audit_csv(
    user: CurrentUser,
    ctx: ContextDep,
    username: Who = None,
    action: WhatAction = None,
    date_from: From = None,
    date_to: To = None,
) -> StreamingResponse:
    """The audit log with the same filters, all of it, as CSV in UTF-8 with a BOM."""
    entries = audit_export(ctx, user, AuditFilter(username, action, date_from, date_to))
    return StreamingResponse(
        csv_chunks(AUDIT_HEADER, audit_rows(entries, ctx.timezone)),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
