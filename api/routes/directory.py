"""Organisations and areas; the whole audit log for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import CurrentUser
from api.deps import ContextDep, UnitsDep
from api.json_body import BoundedJsonRoute
from api.presenters import audit_out
from api.problems import problem_responses
from api.schemas.common import AuditOut, UnitOut
from engine.casework.audit_log import audit_entries

router = APIRouter(tags=["directory"], route_class=BoundedJsonRoute)


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


@router.get("/audit", responses=problem_responses(401, 403, 422))
def audit_log(
    user: CurrentUser,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AuditOut]:
    """The audit log about the cases you may see, newest first (admins only)."""
    return [audit_out(e) for e in audit_entries(ctx, user, limit, offset)]
