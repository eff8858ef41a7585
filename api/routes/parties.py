"""Parties' personal data: masked by default; unmasked reads need a role, a reason, and are
audited (who, when, which case, why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from api.access import may_read_personal_data, visible_case
from api.auth import CurrentUser, require_role
from api.deps import ContextDep
from api.presenters import audit_out, party_out
from api.problems import forbidden, problem_responses
from api.schemas.cases import PartyOut
from api.schemas.common import AuditOut
from api.schemas.reports import PartyIn
from engine.store import audit
from engine.store.parties import add_party, parties_of

router = APIRouter(tags=["parties"])

CaseId = Annotated[int, Path(ge=1, le=2**62)]
ERRORS = problem_responses(401, 403, 404, 422)
PARTY_WRITERS = ("mediator", "org_admin", "grid_member")


class PersonalDataOut(BaseModel):
    case_id: int
    parties: list[PartyOut]
    personal_fields: dict[str, Any] = Field(description="The workflow's personal fields, unmasked")


@router.get("/cases/{case_id}/parties", responses=ERRORS)
def list_parties(case_id: CaseId, user: CurrentUser, ctx: ContextDep) -> list[PartyOut]:
    """The parties of a case, masked."""
    visible_case(ctx, user, case_id)
    return [party_out(p, masked=True) for p in parties_of(ctx.store, ctx.sealer, case_id)]


@router.post("/cases/{case_id}/parties", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_party(case_id: CaseId, body: PartyIn, user: CurrentUser, ctx: ContextDep) -> PartyOut:
    """Record a party's personal data apart from the workflow data."""
    visible_case(ctx, user, case_id)
    require_role(user, *PARTY_WRITERS)
    now = ctx.clock.now()
    party = add_party(ctx.store, ctx.sealer, case_id=case_id, at=now, **body.model_dump())
    audit.record(
        ctx.store,
        at=now,
        username=user.username,
        action="party_added",
        case_id=case_id,
        party_id=party.id,
    )
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
    case = visible_case(ctx, user, case_id)
    if not may_read_personal_data(user):
        raise forbidden("your role may read personal data only masked")
    definition = ctx.service.definition_of(case)
    found = parties_of(ctx.store, ctx.sealer, case_id)
    now = ctx.clock.now()
    party_ids: list[int | None] = [p.id for p in found] or [None]
    for party_id in party_ids:
        audit.record(
            ctx.store,
            at=now,
            username=user.username,
            action="personal_data_read",
            case_id=case_id,
            party_id=party_id,
            reason=reason,
        )
    personal = {n: case.data.get(n) for n, f in definition.fields.items() if f.personal}
    return PersonalDataOut(
        case_id=case_id,
        parties=[party_out(p, masked=False) for p in found],
        personal_fields=personal,
    )


@router.get("/cases/{case_id}/audit", responses=ERRORS)
def case_audit(
    case_id: CaseId,
    user: CurrentUser,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    """Who read or changed this case's personal data, newest first."""
    visible_case(ctx, user, case_id)
    require_role(user, "org_admin", "supervisor", "admin")
    return [audit_out(e) for e in audit.entries(ctx.store, case_ids=[case_id], limit=limit)]
