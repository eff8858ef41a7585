"""Parties' personal data, kept apart from the workflow data of their case and sealed at rest
(engine.store.sealing): name, phone, ID number and address are stored encrypted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, insert, or_, select, true, update

from engine.duplicates import normalise_phone
from engine.store.multirow import insert_rows, reserve_ids
from engine.store.repository import SqlTransaction
from engine.store.sealing import PREFIX, Sealer, SealError
from engine.store.tables import PartyRow

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


SEALED_FIELDS = ("name", "phone", "id_number", "address")
PHONE_PURPOSE = "phone"


def phone_index(sealer: Sealer, phone: str | None) -> str | None:
    """The keyed hash the same caller's other cases are found by (none for no number)."""
    normal = normalise_phone(phone) if phone else None
    return sealer.blind_index(normal, PHONE_PURPOSE) if normal else None


def _party_from(row: Row[Any], sealer: Sealer) -> PartyRecord:
    m = row._mapping
    case_id = m["case_id"]
    name = sealer.open(m["name"], case_id, "name")
    assert name is not None
    return PartyRecord(
        m["id"],
        case_id,
        m["party_role"],
        name,
        sealer.open(m["phone"], case_id, "phone"),
        sealer.open(m["id_number"], case_id, "id_number"),
        sealer.open(m["address"], case_id, "address"),
        m["sensitive"],
        m["anonymous"],
        m["created_at"],
    )


def add_party(
    tx: SqlTransaction,
    sealer: Sealer,
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
        "name": sealer.seal(name, case_id, "name"),
        "phone": sealer.seal(phone, case_id, "phone"),
        "id_number": sealer.seal(id_number, case_id, "id_number"),
        "address": sealer.seal(address, case_id, "address"),
        "phone_index": phone_index(sealer, phone),
        "sensitive": sensitive,
        "anonymous": anonymous,
        "created_at": at,
    }
    new_id = tx.conn.execute(insert(parties).returning(parties.c.id), values).scalar_one()
    row = tx.conn.execute(select(parties).where(parties.c.id == new_id)).one()
    return _party_from(row, sealer)


def parties_of(tx: SqlTransaction, sealer: Sealer, case_id: int) -> list[PartyRecord]:
    rows = tx.conn.execute(
        select(parties).where(parties.c.case_id == case_id).order_by(parties.c.id)
    )
    return [_party_from(r, sealer) for r in rows]


def check_key(tx: SqlTransaction, sealer: Sealer) -> None:
    """Raise SealError unless `sealer` opens the parties' data already in the database: a
    server started with another installation's key would otherwise write data its peers
    cannot read, and fail on every party it reads."""
    row = tx.conn.execute(
        select(parties.c.case_id, parties.c.name)
        .where(parties.c.name.startswith(PREFIX, autoescape=True))
        .limit(1)
    ).first()
    if row is not None:
        try:
            sealer.open(row.name, row.case_id, "name")
        except SealError as exc:
            raise SealError(
                "the party key does not open the parties' data in this database:"
                " start with the key it was sealed with (FENGQIAO_PARTY_KEY or the key file)"
            ) from exc


def seal_stored(tx: SqlTransaction, sealer: Sealer) -> int:
    """Seal the values stored before sealing (``fengqiao db seal-parties``); the number of
    parties sealed. Running it again seals nothing more."""
    plain = or_(
        *(
            (parties.c[f].is_not(None)) & ~parties.c[f].startswith(PREFIX, autoescape=True)
            for f in SEALED_FIELDS
        )
    )
    done = _rewrite(
        tx,
        plain,
        lambda value, case_id, f: (
            value if Sealer.is_sealed(value) else sealer.seal(value, case_id, f)
        ),
    )
    _index_phones(tx, sealer)
    return done


def reseal(tx: SqlTransaction, old: Sealer, new: Sealer) -> int:
    """Open every party's data with `old` and seal it with `new`, all in one transaction (a
    failure changes nothing); the number of parties resealed."""
    done = _rewrite(
        tx, true(), lambda value, case_id, f: new.seal(old.open(value, case_id, f), case_id, f)
    )
    _index_phones(tx, new)  # the phone index is keyed by the party key too
    return done


def _index_phones(tx: SqlTransaction, sealer: Sealer) -> None:
    """Hash every party's phone number again under `sealer`'s key."""
    rows = tx.conn.execute(
        select(parties.c.id, parties.c.case_id, parties.c.phone).where(parties.c.phone.is_not(None))
    ).all()
    for row in rows:
        plain = sealer.open(row.phone, row.case_id, "phone")
        tx.conn.execute(
            update(parties)
            .where(parties.c.id == row.id)
            .values(phone_index=phone_index(sealer, plain))
        )


def _rewrite(
    tx: SqlTransaction,
    where: ColumnElement[bool],
    change: Callable[[str | None, int, str], str | None],
) -> int:
    """Rewrite the sealed fields of the parties `where` selects, in one transaction."""
    done = 0
    for row in tx.conn.execute(select(parties).where(where)).all():
        m = row._mapping
        values = {f: change(m[f], m["case_id"], f) for f in SEALED_FIELDS}
        tx.conn.execute(update(parties).where(parties.c.id == m["id"]).values(values))
        done += 1
    return done


def insert_party_rows(
    tx: SqlTransaction,
    sealer: Sealer,
    rows: Sequence[tuple[int, str, str, str | None, bool, bool]],
    at: datetime,
) -> list[int]:
    """Parties of many cases on the driver cursor, each (case, role, name, phone,
    sensitive, anonymous), sealed and indexed by phone (the same caller's other cases) as
    `add_party` seals and indexes them; their ids, in order: reserved up front, the rows
    written a thousand a statement (engine.store.multirow)."""
    p = "?" if tx.sqlite else "%s"
    statement = (
        "INSERT INTO parties (id, case_id, party_role, name, phone, phone_index, id_number,"
        f" address, sensitive, anonymous, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, NULL,"
        f" NULL, {p}, {p}, {p})"
    )
    when = tx.hot.dt_out(at)
    ids = reserve_ids(tx.cursor, tx.sqlite, "parties", len(rows))
    insert_rows(
        tx.cursor,
        tx.sqlite,
        statement,
        [
            (
                party_id,
                case_id,
                role,
                sealer.seal(name, case_id, "name"),
                sealer.seal(phone, case_id, "phone"),
                phone_index(sealer, phone),
                sensitive,
                anonymous,
                when,
            )
            for party_id, (case_id, role, name, phone, sensitive, anonymous) in zip(
                ids, rows, strict=True
            )
        ],
    )
    return ids
