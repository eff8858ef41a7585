"""Grid members' grids: give and take away, hand a leaving member's grids (and their open
cases) to another, move a grid's open cases when grids are redrawn."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.units import (
    GridHandoverIn,
    GridHandoverOut,
    GridsIn,
    GridsOut,
    MemberOut,
    RedrawIn,
    RedrawOut,
)
from api.units import after_change
from engine.casework import grids

router = APIRouter(tags=["units"], route_class=BoundedJsonRoute)

Username = Annotated[str, Path(min_length=1, max_length=64)]
UnitCode = Annotated[str, Path(min_length=1, max_length=64)]
ERRORS = problem_responses(401, 403, 409, 422)


@router.get("/grid-members", responses=ERRORS)
def grid_members(user: CurrentUser, ctx: ContextDep) -> list[MemberOut]:
    """The active grid members and their grids."""
    return [
        MemberOut(
            username=m.username,
            display_name=m.display_name,
            role=m.role,
            unit=m.unit,
            grid_units=list(m.grid_units),
        )
        for m in grids.grid_members(ctx, user)
    ]


@router.post("/grid-members/{username}/grids", responses=ERRORS)
def assign_grids(
    username: Username, body: GridsIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> GridsOut:
    """Give the grid member these grids as well."""
    held = grids.assign_grids(ctx, user, username, body.grids)
    after_change(request.app.state)
    return GridsOut(username=username, grid_units=held)


@router.delete("/grid-members/{username}/grids/{grid}", responses=ERRORS)
def unassign_grid(
    username: Username, grid: UnitCode, user: CurrentUser, ctx: ContextDep, request: Request
) -> GridsOut:
    """Take a grid from the grid member (its cases stay with the grid)."""
    held = grids.unassign_grid(ctx, user, username, grid)
    after_change(request.app.state)
    return GridsOut(username=username, grid_units=held)


@router.post("/grid-members/{username}/handover", responses=ERRORS)
def hand_over_grids(
    username: Username,
    body: GridHandoverIn,
    user: CurrentUser,
    ctx: ContextDep,
    request: Request,
) -> GridHandoverOut:
    """The member leaves: their grids and open cases go to another grid member."""
    done = grids.hand_over_grids(ctx, user, username, body.to)
    after_change(request.app.state)
    return GridHandoverOut(grids=done.grids, cases=done.cases)


@router.post("/grids/{grid}/redraw", responses=ERRORS)
def redraw_grid(grid: UnitCode, body: RedrawIn, user: CurrentUser, ctx: ContextDep) -> RedrawOut:
    """Move the grid's open cases (or those listed) to another grid."""
    return RedrawOut(cases=grids.redraw_grid(ctx, user, grid, body.target, body.case_ids))
