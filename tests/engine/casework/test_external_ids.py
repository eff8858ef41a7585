"""A case carries its source system's ticket number: opening the same ticket again answers
the case it opened (never a second one), the lists find it, the export shows it; client
systems are made with a key shown once, kept only as its hash. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest

from engine.casework.cases import CaseFilter, case_view, list_cases, open_case
from engine.casework.client_systems import (
    CLIENT_CREATED,
    client_by_key,
    clients,
    create_client,
    key_hash,
)
from engine.casework.context import Casework
from engine.casework.errors import ExternalTicketTakenError, InvalidClientError, NotPermittedError
from engine.casework.exports import export_cases
from engine.casework.identity import User
from engine.external import ExternalRef, InvalidExternalRefError, external_ref
from engine.opening_batch import OpeningBatch, Stamp
from engine.ports import DuplicateKeyError
from engine.store import audit
from engine.store.client_systems import client_systems as client_table
from engine.store.external_ids import Origin, cases_of, origins_of
from engine.store.queries import cases
from engine.store.repository import SqlTransaction
from engine.visibility import visibility_for
from tests.engine.casework.conftest import TREE, person

DATA = {"category": "family", "source": "walk_in", "description": "邻里噪音", "notice_given": True}
TICKET = ExternalRef("12345", "GD20261203000017")


def count_cases(cw: Casework) -> int:
    with cw.store.transaction(write=False) as tx:
        return len(tx.conn.execute(cases.select()).all())


def test_the_same_ticket_opens_one_case(cw: Casework) -> None:
    mediator = person("mediator")
    first = open_case(cw, mediator, "mediation", DATA, external=TICKET)
    again = open_case(cw, mediator, "mediation", {**DATA, "description": "又来"}, external=TICKET)
    assert not first.replayed and again.replayed
    assert again.case.id == first.case.id
    assert again.case.data["description"] == "邻里噪音"
    assert again.event.action == "open"
    assert count_cases(cw) == 1
    # Another source's ticket of the same number is another case.
    other = open_case(
        cw, mediator, "mediation", DATA, external=ExternalRef("wx-union", TICKET.ticket)
    )
    assert other.case.id != first.case.id
    assert case_view(cw, mediator, first.case.id).external == TICKET


def test_a_ticket_opened_where_the_user_cannot_see_is_a_conflict(cw: Casework) -> None:
    open_case(cw, person("mediator"), "mediation", DATA, external=TICKET)
    women = User(
        id=99,
        username="women_admin",
        display_name="women_admin",
        role="org_admin",
        unit="women",
        grid_units=[],
        scope=visibility_for(TREE, "org_admin", "women", ()),
    )
    with pytest.raises(ExternalTicketTakenError):
        open_case(cw, women, "mediation", DATA, external=TICKET)
    assert count_cases(cw) == 1


def test_the_origin_is_kept_with_the_case(cw: Casework) -> None:
    origin = Origin(39.95, 116.41, "和平里一区3号楼", "https://example.org/p.jpg")
    opened = open_case(cw, person("mediator"), "mediation", DATA, external=TICKET, origin=origin)
    with cw.store.transaction(write=False) as tx:
        assert origins_of(tx, [opened.case.id]) == {opened.case.id: origin}


def test_lists_find_a_case_by_its_source_and_ticket(cw: Casework) -> None:
    mediator = person("mediator")
    wanted = open_case(cw, mediator, "mediation", DATA, external=TICKET).case.id
    open_case(cw, mediator, "mediation", DATA)
    by_ref = list_cases(
        cw, mediator, CaseFilter(external_source="12345", external_id=TICKET.ticket)
    )
    assert [i.case.id for i in by_ref.items] == [wanted]
    assert by_ref.items[0].external == TICKET
    by_text = list_cases(cw, mediator, CaseFilter(text=TICKET.ticket))
    assert [i.case.id for i in by_text.items] == [wanted]
    by_source = list_cases(cw, mediator, CaseFilter(external_source="wx-union"))
    assert by_source.total == 0


def test_the_export_shows_the_source_and_ticket(cw: Casework) -> None:
    mediator = person("mediator")
    open_case(cw, mediator, "mediation", DATA, external=TICKET)
    exported = export_cases(cw, mediator, TREE, CaseFilter(), fmt="csv", lang="zh")
    text = b"".join(exported.chunks("csv")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-2:] == ["来源系统", "来源工单号"]
    assert rows[1][-2:] == ["12345", TICKET.ticket]


@pytest.mark.parametrize(
    ("source", "ticket", "field"),
    [
        ("12345", None, "external_id"),
        (None, "A1", "external_source"),
        ("has space", "A1", "external_source"),
        ("12345", "x" * 65, "external_id"),
        ("12345", " A1", "external_id"),
        ("12345", "A\x001", "external_id"),
    ],
)
def test_a_reference_that_cannot_be_stored_is_refused(
    source: str | None, ticket: str | None, field: str
) -> None:
    with pytest.raises(InvalidExternalRefError) as caught:
        external_ref(source, ticket)
    assert caught.value.field == field
    assert external_ref(None, None) is None


def test_a_client_system_is_made_with_a_key_shown_once(cw: Casework) -> None:
    admin = person("admin")
    made = create_client(cw, admin, "wx-union", rate_per_minute=120)
    assert len(made.key) >= 40
    with cw.store.transaction(write=False) as tx:
        stored = tx.conn.execute(client_table.select()).one()
    assert stored.key_hash == key_hash(made.key) and made.key not in stored.key_hash
    assert stored.webhook_url is None and stored.webhook_secret is None
    found = client_by_key(cw, made.key)
    assert found is not None and found.name == "wx-union" and found.rate_per_minute == 120
    assert client_by_key(cw, made.key + "x") is None
    assert client_by_key(cw, "") is None
    assert [c.name for c in clients(cw, admin)] == ["wx-union"]
    with pytest.raises(InvalidClientError):
        create_client(cw, admin, "wx-union")
    with pytest.raises(InvalidClientError):
        create_client(cw, admin, "bad name")
    with pytest.raises(InvalidClientError):
        create_client(cw, admin, "ok", rate_per_minute=0)
    with pytest.raises(NotPermittedError):
        create_client(cw, person("supervisor"), "other")


def test_making_a_client_is_audited_without_its_key(cw: Casework) -> None:
    made = create_client(cw, person("admin"), "hotline")
    with cw.store.transaction(write=False) as tx:
        rows = tx.conn.execute(audit.audit_log.select()).all()
    assert [(r.action, json.loads(r.reason)["client"]) for r in rows] == [
        (CLIENT_CREATED, "hotline")
    ]
    assert made.key not in rows[0].reason


def _open_stamped(cw: Casework, tx: SqlTransaction, tickets: list[str]) -> list[int]:
    """Cases opened in a batch with these tickets of 12345 in their rows (as an import)."""
    batch = OpeningBatch(tx, len(tickets))
    ids = []
    for ticket in tickets:
        with batch.stamped(Stamp(ExternalRef("12345", ticket))):
            opened = cw.service.open_in(batch, "mediation", person("mediator").actor, DATA)
        ids.append(opened.case.id)
    batch.flush()
    return ids


def test_tickets_written_with_their_cases_are_found_and_a_taken_one_is_refused(
    cw: Casework,
) -> None:
    with cw.store.transaction() as tx:
        assert isinstance(tx, SqlTransaction)
        ids = _open_stamped(cw, tx, ["GD0", "GD1"])
    with cw.store.transaction(write=False) as tx:
        assert cases_of(tx, "12345", ["GD0", "GD1", "GD2"]) == {"GD0": ids[0], "GD1": ids[1]}
    before = count_cases(cw)
    with pytest.raises(DuplicateKeyError), cw.store.transaction() as tx:
        assert isinstance(tx, SqlTransaction)
        _open_stamped(cw, tx, ["GD2", "GD0"])  # GD0 is the first case's
    with cw.store.transaction(write=False) as tx:
        assert cases_of(tx, "12345", ["GD2"]) == {}  # rolled back with the refused one
    assert count_cases(cw) == before
