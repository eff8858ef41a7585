"""Parties' personal data, kept apart from the workflow data of their case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select

from engine.store.repository import SqlStore
from engine.store.tables import PartyRow
from engine.store.writing import write_connection

parties = PartyRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PartyRecord:
    id: int
    case_id: int
    party_role: str
    name: str
    phone: str | None
    id_number: str | None
    address: str | None
    sensitive: bool
    anonymous: bool
    created_at: datetime


def _party_from(row: Row[Any]) -> PartyRecord:
    m = row._mapping
    return PartyRecord(
        m["id"],
        m["case_id"],
        m["party_role"],
        m["name"],
        m["phone"],
        m["id_number"],
        m["address"],
        m["sensitive"],
        m["anonymous"],
        m["created_at"],
    )


def add_party(
    store: SqlStore,
    *,
    case_id: int,
    party_role: str,
    name: str,
    phone: str | None,
    id_number: str | None,
    address: str | None,
    sensitive: bool,
    anonymous: bool,
    at: datetime,
) -> PartyRecord:
    values = {
        "case_id": case_id,
        "party_role": party_role,
        "name": name,
        "phone": phone,
        "id_number": id_number,
        "address": address,
        "sensitive": sensitive,
        "anonymous": anonymous,
        "created_at": at,
    }
    with write_connection(store) as conn:
        new_id = conn.execute(insert(parties).returning(parties.c.id), values).scalar_one()
        row = conn.execute(select(parties).where(parties.c.id == new_id)).one()
    return _party_from(row)


def parties_of(store: SqlStore, case_id: int) -> list[PartyRecord]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(parties).where(parties.c.case_id == case_id).order_by(parties.c.id)
        )
        return [_party_from(r) for r in rows]
