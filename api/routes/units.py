"""The unit tree's administration: list, read, create, rename, move, merge and retire units
(admins; a workroom head within its organisation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.units import (
    HeldCaseOut,
    MemberOut,
    MergedOut,
    MergeIn,
    MoveIn,
    RenameIn,
    UnitAdminOut,
    UnitDetailOut,
    UnitIn,
)
from api.units import after_change
from engine.casework import units_admin
from engine.units import UnitRecord

router = APIRouter(tags=["units"], route_class=BoundedJsonRoute)

UnitCode = Annotated[str, Path(min_length=1, max_length=64, description="The unit's code")]
ERRORS = problem_responses(401, 403, 404, 409, 422)


def unit_out(u: UnitRecord, depth: int = 0) -> UnitAdminOut:
    return UnitAdminOut(
        code=u.code,
        name_zh=u.name_zh,
        name_en=u.name_en,
        kind=u.kind,
        parent=u.parent,
        retired_at=u.retired_at,
        depth=depth,
    )


@router.get("/admin/units", responses=ERRORS)
def unit_tree(user: CurrentUser, ctx: ContextDep) -> list[UnitAdminOut]:
    """The units you administer, depth-first, retired ones included."""
    return [unit_out(line.unit, line.depth) for line in units_admin.unit_tree(ctx, user)]


@router.get("/admin/units/{code}", responses=ERRORS)
def unit_detail(code: UnitCode, user: CurrentUser, ctx: ContextDep) -> UnitDetailOut:
    """A unit with the units below it, its users and grid members, and its open cases."""
    d = units_admin.unit_detail(ctx, user, code)
    return UnitDetailOut(
        unit=unit_out(d.unit),
        children=[unit_out(c) for c in d.children],
        members=[
            MemberOut(
                username=m.username,
                display_name=m.display_name,
                role=m.role,
                unit=m.unit,
                grid_units=list(m.grid_units),
            )
            for m in d.members
        ],
        open_cases=[
            HeldCaseOut(
                id=c.id,
                workflow=c.workflow,
                state=c.state,
                org_unit=c.org_unit,
                grid_unit=c.grid_unit,
                assignee=c.assignee,
            )
            for c in d.open_cases
        ],
    )


@router.post("/admin/units", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_unit(body: UnitIn, user: CurrentUser, ctx: ContextDep, request: Request) -> UnitAdminOut:
    """A new unit under a parent of a kind it may sit under."""
    u = units_admin.create_unit(
        ctx, user, body.code, body.name_zh, body.name_en, body.kind, body.parent
    )
    after_change(request.app.state)
    return unit_out(u)


@router.post("/admin/units/{code}/rename", responses=ERRORS)
def rename_unit(
    code: UnitCode, body: RenameIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> UnitAdminOut:
    """New Chinese and English names; the code stays."""
    u = units_admin.rename_unit(ctx, user, code, body.name_zh, body.name_en)
    after_change(request.app.state)
    return unit_out(u)


@router.post("/admin/units/{code}/move", responses=ERRORS)
def move_unit(
    code: UnitCode, body: MoveIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> UnitAdminOut:
    """Put the unit, with everything below it, under another parent."""
    u = units_admin.move_unit(ctx, user, code, body.parent)
    after_change(request.app.state)
    return unit_out(u)


@router.post("/admin/units/{code}/merge", responses=ERRORS)
def merge_unit(
    code: UnitCode, body: MergeIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> MergedOut:
    """Merge the unit into another of its kind: its open cases, units, users and grid members
    go there; the unit is retired."""
    m = units_admin.merge_units(ctx, user, code, body.into)
    after_change(request.app.state)
    return MergedOut(
        source=m.source, target=m.target, cases=m.cases, children=m.children, users=m.users
    )


@router.post("/admin/units/{code}/retire", responses=ERRORS)
def retire_unit(
    code: UnitCode, user: CurrentUser, ctx: ContextDep, request: Request
) -> UnitAdminOut:
    """Take the unit out of service; 409 with the open cases, units and users it still has."""
    u = units_admin.retire_unit(ctx, user, code)
    after_change(request.app.state)
    return unit_out(u)
