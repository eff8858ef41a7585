"""Parties on the case page: masked by default; the full details need a role and a reason,
and every such read is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from api.access import visible_case
from api.pages.errors import PageError, PageRoute
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.presenters import party_out
from api.routes.parties import PARTY_WRITERS
from engine.store import audit
from engine.store.parties import add_party, parties_of

router = APIRouter(route_class=PageRoute)

PARTY_ROLES: tuple[str, ...] = ("applicant", "respondent", "reporter", "other")
READ_ACTION = "personal_data_read"
PARTY_FIELDS = {"party_role": 32, "name": 128, "phone": 32, "id_number": 32, "address": 256}


@dataclass(frozen=True, slots=True)
class PartyView:
    id: int
    role: str
    name: str
    phone: str
    id_number: str
    address: str
    sensitive: bool
    anonymous: bool


def party_views(page: Page, case_id: int, unmasked: bool) -> list[PartyView]:
    """The case's parties; unmasked only when asked by a role that may (the caller audits)."""
    out = []
    for record in parties_of(page.ctx.store, page.ctx.sealer, case_id):
        p = party_out(record, masked=not unmasked)
        out.append(
            PartyView(
                id=p.id,
                role=page.t(f"party.{p.party_role}")
                if p.party_role in PARTY_ROLES
                else p.party_role,
                name=p.name,
                phone=p.phone or "",
                id_number=p.id_number or "",
                address=p.address or "",
                sensitive=p.sensitive,
                anonymous=p.anonymous,
            )
        )
    return out


def reveal(page: Page, case_id: int, reason: str) -> list[PartyView]:
    """The parties unmasked; one audit entry per party read (or one for the case)."""
    if not page.may_read_personal_data():
        raise PageError(403, "error.forbidden")
    views = party_views(page, case_id, unmasked=True)
    now = page.now()
    read: list[int | None] = [v.id for v in views]
    for party_id in read or [None]:
        audit.record(
            page.ctx.store,
            at=now,
            username=page.user.username,
            action=READ_ACTION,
            case_id=case_id,
            party_id=party_id,
            reason=reason,
        )
    return views


@router.post("/cases/{case_id}/parties")
async def add_party_form(page: PageDep, case_id: CaseIdPath) -> Response:
    form = await page.form()
    if page.user.role not in PARTY_WRITERS:
        raise PageError(403, "error.forbidden")
    visible_case(page.ctx, page.user, case_id)
    fields = {k: str(form.get(k, "")).strip()[:limit] for k, limit in PARTY_FIELDS.items()}
    if not fields["name"]:
        raise PageError(422, "form.missing", page.t("party.name"))
    save_party(page, case_id, fields, "sensitive" in form, "anonymous" in form)
    return RedirectResponse(f"/cases/{case_id}#parties", status_code=303)


def save_party(
    page: Page, case_id: int, fields: dict[str, str], sensitive: bool, anonymous: bool
) -> int:
    """Record a party (from the case page or the intake form) and audit it."""
    now = page.now()
    party = add_party(
        page.ctx.store,
        page.ctx.sealer,
        case_id=case_id,
        party_role=fields["party_role"] if fields["party_role"] in PARTY_ROLES else "other",
        name=fields["name"],
        phone=fields["phone"] or None,
        id_number=fields["id_number"] or None,
        address=fields["address"] or None,
        sensitive=sensitive,
        anonymous=anonymous,
        at=now,
    )
    audit.record(
        page.ctx.store,
        at=now,
        username=page.user.username,
        action="party_added",
        case_id=case_id,
        party_id=party.id,
    )
    return party.id
