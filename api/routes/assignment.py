"""Who works a case: a mediator claims it, a workroom head assigns it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.units import AssignedOut, AssignIn, ClaimIn, MemberOut
from engine.casework import assignment
from engine.casework.assignment import Assigned

router = APIRouter(tags=["cases"], route_class=BoundedJsonRoute)

CaseId = Annotated[int, Path(ge=1, le=2**62, description="Case id")]
ERRORS = problem_responses(401, 403, 404, 409, 422)


def _out(a: Assigned) -> AssignedOut:
    return AssignedOut(
        case_id=a.case.id, assignee=a.case.assignee, version=a.case.version, changed=a.changed
    )


@router.post("/cases/{case_id}/claim", responses=ERRORS)
def claim(case_id: CaseId, body: ClaimIn, user: CurrentUser, ctx: ContextDep) -> AssignedOut:
    """Take an unassigned case of your organisation (mediators); 409 when someone holds it
    already or it changed since `expected_version`."""
    return _out(assignment.claim(ctx, user, case_id, body.expected_version))


@router.post("/cases/{case_id}/assignment", responses=ERRORS)
def assign(case_id: CaseId, body: AssignIn, user: CurrentUser, ctx: ContextDep) -> AssignedOut:
    """Assign or reassign the case to a mediator of your organisation (workroom heads)."""
    return _out(assignment.assign(ctx, user, case_id, body.mediator, body.expected_version))


@router.get("/cases/{case_id}/mediators", responses=ERRORS)
def mediators(case_id: CaseId, user: CurrentUser, ctx: ContextDep) -> list[MemberOut]:
    """The mediators you may assign the case to."""
    return [
        MemberOut(
            username=m.username,
            display_name=m.display_name,
            role=m.role,
            unit=m.unit,
            grid_units=list(m.grid_units),
        )
        for m in assignment.mediators_for(ctx, user, case_id)
    ]
