"""Parties on the case page: masked by default; the full details need a role and a reason,
and every such read is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageError, PageRoute
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.presenters import party_out
from engine.casework.parties import (
    PARTY_ROLES,
    NewParty,
    PartyRecord,
    add_case_party,
    reveal_personal_data,
)
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

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


def party_views(page: Page, records: list[PartyRecord], unmasked: bool) -> list[PartyView]:
    """The parties as the page shows them; unmasked only when the use case revealed them."""
    out = []
    for record in records:
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
    found = reveal_personal_data(page.ctx, page.user, case_id, reason)
    return party_views(page, found.parties, unmasked=True)


@router.post("/cases/{case_id}/parties")
async def add_party_form(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_add_party, page, case_id, await page.form())


def _add_party(page: Page, case_id: int, form: FormData) -> Response:
    page.require(Permission.ADD_PARTY)
    fields = {k: str(form.get(k, "")).strip()[:limit] for k, limit in PARTY_FIELDS.items()}
    if not fields["name"]:
        raise PageError(422, "form.missing", page.t("party.name"))
    party = new_party(fields, "sensitive" in form, "anonymous" in form)
    add_case_party(page.ctx, page.user, case_id, party)
    return RedirectResponse(f"/cases/{case_id}#parties", status_code=303)


def new_party(fields: dict[str, str], sensitive: bool, anonymous: bool) -> NewParty:
    """A party from the form's fields (the case page's or the intake form's)."""
    return NewParty(
        party_role=fields["party_role"] if fields["party_role"] in PARTY_ROLES else "other",
        name=fields["name"],
        phone=fields["phone"] or None,
        id_number=fields["id_number"] or None,
        address=fields["address"] or None,
        sensitive=sensitive,
        anonymous=anonymous,
    )
