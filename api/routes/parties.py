"""Parties' personal data: masked by default; unmasked reads need a role, a reason, and are
audited (who, when, which case, why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import audit_out, party_out
from api.problems import problem_responses
from api.schemas.cases import PartyOut
from api.schemas.common import AuditOut
from api.schemas.reports import PartyIn
from engine.casework.audit_log import case_audit
from engine.casework.parties import (
    NewParty,
    add_case_party,
    case_parties,
    reveal_personal_data,
)

router = APIRouter(tags=["parties"], route_class=BoundedJsonRoute)

CaseId = Annotated[int, Path(ge=1, le=2**62)]
ERRORS = problem_responses(401, 403, 404, 422)


class PersonalDataOut(BaseModel):
    case_id: int
    parties: list[PartyOut]
    personal_fields: dict[str, Any] = Field(description="The workflow's personal fields, unmasked")


@router.get("/cases/{case_id}/parties", responses=ERRORS)
def list_parties(case_id: CaseId, user: CurrentUser, ctx: ContextDep) -> list[PartyOut]:
    """The parties of a case, masked."""
    return [party_out(p, masked=True) for p in case_parties(ctx, user, case_id)]


@router.post("/cases/{case_id}/parties", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_party(case_id: CaseId, body: PartyIn, user: CurrentUser, ctx: ContextDep) -> PartyOut:
    """Record a party's personal data apart from the workflow data."""
    party = add_case_party(ctx, user, case_id, NewParty(**body.model_dump()))
    return party_out(party, masked=True)


@router.get("/cases/{case_id}/personal-data", responses=ERRORS)
def read_personal_data(
    case_id: CaseId,
    user: CurrentUser,
    ctx: ContextDep,
    reason: Annotated[
        str, Query(min_length=2, max_length=500, description="Why you need it (audited)")
    ],
) -> PersonalDataOut:
    """Parties and personal fields unmasked, for the roles that need them; every read is
    written to the audit log with your reason."""
    found = reveal_personal_data(ctx, user, case_id, reason)
    return PersonalDataOut(
        case_id=case_id,
        parties=[party_out(p, masked=False) for p in found.parties],
        personal_fields=found.personal_fields,
    )


@router.get("/cases/{case_id}/audit", responses=ERRORS)
def audit_of_case(
    case_id: CaseId,
    user: CurrentUser,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    """Who read or changed this case's personal data, newest first."""
    return [audit_out(e) for e in case_audit(ctx, user, case_id, limit)]
