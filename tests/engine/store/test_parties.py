"""Parties' personal data: stored sealed on SQLite and PostgreSQL, read back in the clear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text

from engine.model import Actor
from engine.service import WorkflowService
from engine.store.parties import (
    PartyRecord,
    add_party,
    check_key,
    parties,
    parties_of,
    phone_index,
    reseal,
    seal_stored,
)
from engine.store.repository import SqlStore
from engine.store.sealing import PREFIX, Sealer, SealError, new_key_text

AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
INTAKE = {"category": "family", "source": "hotline", "description": "d", "notice_given": True}


def _case(service: WorkflowService) -> int:
    return service.open_case("mediation", Actor("li", "mediator"), INTAKE).case.id


def applicant(
    store: SqlStore, sealer: Sealer, case_id: int, name: str, phone: str | None = None
) -> PartyRecord:
    """An applicant with a name (and a phone), nothing else."""
    with store.transaction() as tx:
        return add_party(
            tx,
            sealer,
            case_id=case_id,
            party_role="applicant",
            name=name,
            phone=phone,
            id_number=None,
            address=None,
            sensitive=False,
            anonymous=False,
            at=AT,
        )


def read_parties(store: SqlStore, sealer: Sealer, case_id: int) -> list[PartyRecord]:
    with store.transaction(write=False) as tx:
        return parties_of(tx, sealer, case_id)


def key_checked(store: SqlStore, sealer: Sealer) -> None:
    with store.transaction(write=False) as tx:
        check_key(tx, sealer)


def test_the_database_holds_no_readable_personal_data(
    store: SqlStore, service: WorkflowService
) -> None:
    sealer = Sealer.from_text(new_key_text())
    case_id = _case(service)
    long_address = "北京市西城区" + "某街道某社区某号楼" * 20  # longer than the old 256 limit
    with store.transaction() as tx:
        added = add_party(
            tx,
            sealer,
            case_id=case_id,
            party_role="applicant",
            name="王秀英",
            phone="13812345678",
            id_number="110101199003071234",
            address=long_address,
            sensitive=True,
            anonymous=False,
            at=AT,
        )
    assert (added.name, added.phone, added.address) == ("王秀英", "13812345678", long_address)
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT name, phone, id_number, address FROM parties")).one()
    assert all(v.startswith(PREFIX) for v in raw)
    dump = " ".join(raw)
    assert "王秀英" not in dump and "138123" not in dump and "110101" not in dump
    [read] = read_parties(store, sealer, case_id)
    assert (read.name, read.id_number, read.address) == (
        "王秀英",
        "110101199003071234",
        long_address,
    )


def test_values_stored_before_sealing_are_read_and_then_sealed_once(
    store: SqlStore, service: WorkflowService
) -> None:
    sealer = Sealer.from_text(new_key_text())
    case_id = _case(service)
    with store.engine.begin() as conn:
        conn.execute(
            insert(parties).values(
                case_id=case_id,
                party_role="respondent",
                name="赵六",
                phone="13900001111",
                id_number=None,
                address=None,
                sensitive=False,
                anonymous=False,
                created_at=AT,
            )
        )
    assert read_parties(store, sealer, case_id)[0].name == "赵六"
    for sealed in (1, 0):
        with store.transaction() as tx:
            assert seal_stored(tx, sealer) == sealed
    with store.engine.connect() as conn:
        name, phone, id_number = conn.execute(
            select(parties.c.name, parties.c.phone, parties.c.id_number)
        ).one()
    assert name.startswith(PREFIX) and phone.startswith(PREFIX) and id_number is None
    [read] = read_parties(store, sealer, case_id)
    assert (read.name, read.phone) == ("赵六", "13900001111")


def test_another_installations_key_is_refused_before_anything_is_written(
    store: SqlStore, service: WorkflowService
) -> None:
    sealer = Sealer.from_text(new_key_text())
    key_checked(store, sealer)  # nothing sealed yet: any key will do
    case_id = _case(service)
    applicant(store, sealer, case_id, "孙八")
    key_checked(store, sealer)
    with pytest.raises(SealError, match="does not open the parties' data"):
        key_checked(store, Sealer.from_text(new_key_text()))


def test_rotating_the_key_reseals_every_party_and_the_old_key_no_longer_opens(
    store: SqlStore, service: WorkflowService
) -> None:
    old, new = Sealer.from_text(new_key_text()), Sealer.from_text(new_key_text())
    case_id = _case(service)
    for name, phone in (("吴十", "13700002222"), ("郑一", None)):
        applicant(store, old, case_id, name, phone)
    with store.transaction() as tx:
        assert reseal(tx, old, new) == 2
    assert [(p.name, p.phone) for p in read_parties(store, new, case_id)] == [
        ("吴十", "13700002222"),
        ("郑一", None),
    ]
    with pytest.raises(SealError):
        key_checked(store, old)
    # A wrong "old" key changes nothing: the rows still open with the current one.
    with pytest.raises(SealError), store.transaction() as tx:
        reseal(tx, old, Sealer.from_text(new_key_text()))
    assert read_parties(store, new, case_id)[0].name == "吴十"


def test_the_phone_index_is_a_keyed_hash_rehashed_with_a_new_key(
    store: SqlStore, service: WorkflowService
) -> None:
    old, new = Sealer.from_text(new_key_text()), Sealer.from_text(new_key_text())
    case_id = _case(service)
    applicant(store, old, case_id, "吴十", "+86 137-0000-2222")
    applicant(store, old, case_id, "郑一", None)

    def indexes() -> list[str | None]:
        with store.transaction(write=False) as tx:
            rows = tx.conn.execute(select(parties.c.phone_index).order_by(parties.c.id))
            return [r.phone_index for r in rows]

    assert indexes() == [phone_index(old, "13700002222"), None]
    assert phone_index(old, "13700002222") != phone_index(new, "13700002222")
    with store.transaction() as tx:
        reseal(tx, old, new)
    assert indexes() == [phone_index(new, "13700002222"), None]
