"""Parties' personal data: kept apart from the workflow data, masked by default; recording a
party and every unmasked read is audited in the same transaction as the change or the read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit
from engine.store.parties import PartyRecord, add_party, insert_party_rows, parties_of
from engine.store.repository import SqlTransaction

PARTY_ADDED = "party_added"
PERSONAL_DATA_READ = "personal_data_read"
__all__ = [
    "PARTY_ROLES",
    "NewParty",
    "PartyRecord",
    "PersonalData",
    "add_case_party",
    "case_parties",
    "record_party",
    "reveal_personal_data",
]

PARTY_ROLES: tuple[str, ...] = ("applicant", "respondent", "reporter", "other")


@dataclass(frozen=True, slots=True)
class NewParty:
    party_role: str
    name: str
    phone: str | None = None
    id_number: str | None = None
    address: str | None = None
    sensitive: bool = False
    anonymous: bool = False


@dataclass(frozen=True)
class PersonalData:
    """A case's parties and its workflow's personal fields, unmasked."""

    case_id: int
    parties: list[PartyRecord]
    personal_fields: dict[str, Any]


def record_party(
    cw: Casework, tx: SqlTransaction, user: User, case_id: int, party: NewParty
) -> PartyRecord:
    """Store a party of a case and audit it, inside the caller's transaction."""
    at = cw.clock.now()
    record = add_party(tx, cw.sealer, case_id=case_id, at=at, **asdict(party))
    audit.record(
        tx,
        at=at,
        username=user.username,
        action=PARTY_ADDED,
        case_id=case_id,
        party_id=record.id,
    )
    return record


def record_parties(
    cw: Casework, tx: SqlTransaction, user: User, parties: Sequence[tuple[int, NewParty]]
) -> None:
    """`record_party` for many cases' parties (an import): the parties, then their audit
    entries, on the driver cursor."""
    if not parties:
        return
    at = cw.clock.now()
    rows = [
        (case_id, p.party_role, p.name, p.phone, p.sensitive, p.anonymous)
        for case_id, p in parties
        if p.id_number is None and p.address is None
    ]
    if len(rows) != len(parties):
        raise ValueError("a party with an id number or an address is recorded one at a time")
    ids = insert_party_rows(tx, cw.sealer, rows, at)
    audit.record_party_entries(
        tx,
        at=at,
        username=user.username,
        action=PARTY_ADDED,
        rows=[(case_id, party_id) for (case_id, _), party_id in zip(parties, ids, strict=True)],
    )


def add_case_party(cw: Casework, user: User, case_id: int, party: NewParty) -> PartyRecord:
    """Record a party of a case the user sees (404 otherwise) and may add parties to."""
    with cw.store.transaction() as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.ADD_PARTY)
        return record_party(cw, tx, user, case_id, party)


def case_parties(cw: Casework, user: User, case_id: int) -> list[PartyRecord]:
    """The parties of a case the user sees; the caller masks them."""
    with cw.store.transaction(write=False) as tx:
        visible_in(tx, user, case_id)
        return parties_of(tx, cw.sealer, case_id)


def reveal_personal_data(cw: Casework, user: User, case_id: int, reason: str) -> PersonalData:
    """Parties and personal fields unmasked, for the roles that may read them; one audit
    entry per party read (one for the case when it has none), with the reason, written in
    the same transaction as the read."""
    with cw.store.transaction() as tx:
        case = visible_in(tx, user, case_id)
        require(user, Permission.READ_PERSONAL_DATA)
        found = parties_of(tx, cw.sealer, case_id)
        at = cw.clock.now()
        party_ids: list[int | None] = [p.id for p in found] or [None]
        for party_id in party_ids:
            audit.record(
                tx,
                at=at,
                username=user.username,
                action=PERSONAL_DATA_READ,
                case_id=case_id,
                party_id=party_id,
                reason=reason,
            )
    definition = cw.registry.get(case.workflow, case.workflow_version)
    personal = {n: case.data.get(n) for n, f in definition.fields.items() if f.personal}
    return PersonalData(case_id, found, personal)
