"""Opening cases through an OpeningBatch (engine.opening_batch) writes the rows opening them
one at a time writes: the same cases (ids included), first events and timers, on both
databases; a case stamped with its ticket and point the row attaching them after gives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select

from engine.clock import ManualClock
from engine.definition import Definition
from engine.external import ExternalRef
from engine.loader import parse_definition
from engine.model import Actor
from engine.opening_batch import OpeningBatch, Stamp
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import duplicates, external_ids
from engine.store.repository import SqlStore, SqlTransaction
from engine.store.tables import CaseRow, EventRow, NotificationRow, TaskRow, TimerRow
from engine.workcalendar import WorkCalendar
from tests.engine.test_project_supervision import OWNER, PROJECT
from tests.engine.test_service import INTAKE, MEDIATOR
from tests.engine.test_tasks import HANDLER, JOINT
from tests.engine.test_wage_arrears import LISTING

TABLES: list[Table] = [
    CaseRow.__table__,  # type: ignore[attr-defined]
    EventRow.__table__,  # type: ignore[attr-defined]
    TimerRow.__table__,  # type: ignore[attr-defined]
    TaskRow.__table__,  # type: ignore[attr-defined]
    NotificationRow.__table__,  # type: ignore[attr-defined]
]
OPENINGS: list[tuple[str, Actor, dict[str, Any], str | None]] = [
    ("wage_blacklist", HANDLER, LISTING, "cm1"),  # a deadline and a case-level timer
    ("mediation", MEDIATOR, INTAKE, None),
    ("project_supervision", OWNER, PROJECT, "fulian"),  # recurring case-level timers
    ("joint", HANDLER, {}, "cm1"),  # an entry timer
]


def _service(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> WorkflowService:
    joint = parse_definition(JOINT, "joint.yaml")
    return WorkflowService(store, Registry([*shipped, joint]), clock, WorkCalendar())


def _open_all(service: WorkflowService, tx: Any) -> list[int]:
    return [
        service.open_in(tx, workflow, actor, data, org_unit=org).case.id
        for workflow, actor, data, org in OPENINGS * 2
    ]


def _rows(
    store: SqlStore, since: dict[str, int], until: dict[str, int] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Each table's rows after `since` (its highest id before) up to `until`, ids counted
    from `since`."""
    found: dict[str, list[dict[str, Any]]] = {}
    first_case = since["cases"]
    with store.transaction(write=False) as tx:
        for table in TABLES:
            query = select(table).where(table.c.id > since[table.name]).order_by(table.c.id)
            if until is not None:
                query = query.where(table.c.id <= until[table.name])
            rows = []
            for r in tx.conn.execute(query):
                row = dict(r._mapping)
                row["id"] -= since[table.name]
                if "case_id" in row:
                    row["case_id"] -= first_case
                rows.append(row)
            found[table.name] = rows
    return found


def _highest(store: SqlStore) -> dict[str, int]:
    with store.transaction(write=False) as tx:
        return {
            t.name: max([r[0] for r in tx.conn.execute(select(t.c.id))], default=0) for t in TABLES
        }


def test_a_batch_opens_the_cases_one_by_one_opening_would(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    service = _service(store, shipped, clock)
    before = _highest(store)
    with store.transaction() as tx:
        one_by_one = _open_all(service, tx)
    middle = _highest(store)
    with store.transaction() as tx:
        assert isinstance(tx, SqlTransaction)
        batch = OpeningBatch(tx, 4)  # fewer ids than cases: more are reserved as they come
        batched = _open_all(service, batch)
        batch.flush()
    expected = _rows(store, before, middle)
    got = _rows(store, middle)
    assert batched == [i + len(one_by_one) for i in one_by_one]  # the next ids in turn
    for table in TABLES:
        assert got[table.name] == expected[table.name], table.name
    assert len(expected["timers"]) > len(OPENINGS) and len(expected["events"]) == len(one_by_one)


def test_a_stamped_case_is_the_row_attaching_its_ticket_and_point_after_gives(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    service = _service(store, shipped, clock)
    stamps = [
        Stamp(ExternalRef("12345", f"GD{i}"), (30.0 + i, 110.0, 1000 + i) if i % 2 else None)
        for i in range(len(OPENINGS) * 2)
    ]
    before = _highest(store)
    with store.transaction() as tx:
        assert isinstance(tx, SqlTransaction)
        for case_id, stamp in zip(_open_all(service, tx), stamps, strict=True):
            assert stamp.ref is not None
            external_ids.attach(tx, case_id, stamp.ref)
            duplicates.index_case(tx, case_id, point=stamp.point, bands=())
    middle = _highest(store)
    with store.transaction() as tx:
        assert isinstance(tx, SqlTransaction)
        batch = OpeningBatch(tx, 4)
        for (workflow, actor, data, org), stamp in zip(OPENINGS * 2, stamps, strict=True):
            ref = stamp.ref
            assert ref is not None
            with batch.stamped(Stamp(ExternalRef("12346", ref.ticket), stamp.point)):
                service.open_in(batch, workflow, actor, data, org_unit=org)
        batch.flush()
    expected = _rows(store, before, middle)
    got = _rows(store, middle)
    for row in expected["cases"]:
        assert row["external_id"] is not None
        row["external_source"] = "12346"  # the same tickets of another source
    for table in TABLES:
        assert got[table.name] == expected[table.name], table.name
    assert {r["cell"] for r in got["cases"]} == {None, 1001, 1003, 1005, 1007}
