"""Cases by their source system's ticket number (`cases.external_source`,
`cases.external_id`, unique together: `ux_cases_external`), and where outside requests
placed them (`case_origins`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.external import ExternalRef
from engine.model import Case
from engine.ports import DuplicateKeyError
from engine.store.deadlines import next_deadline
from engine.store.errors import is_unique_violation
from engine.store.multirow import insert_rows
from engine.store.queries import case_from_row, cases, external_of
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseOriginRow

case_origins = CaseOriginRow.__table__  # type: ignore[attr-defined]
_LOOKUP = 1000  # tickets a statement


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an outside request placed a case."""

    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None
    reported_at: datetime | None = None


def case_of(tx: SqlTransaction, ref: ExternalRef) -> int | None:
    """The case the source's ticket opened, if any."""
    row = tx.conn.execute(
        select(cases.c.id).where(
            and_(cases.c.external_source == ref.source, cases.c.external_id == ref.ticket)
        )
    ).first()
    return None if row is None else int(row.id)


def cases_of(tx: SqlTransaction, source: str, tickets: Sequence[str]) -> dict[str, int]:
    """The cases already opened by these tickets of `source`, by ticket (a query a thousand
    tickets)."""
    found: dict[str, int] = {}
    p = tx.hot.mark
    for start in range(0, len(tickets), _LOOKUP):
        chunk = tickets[start : start + _LOOKUP]
        # On the driver cursor (the unique index on source and ticket answers it): through
        # SQLAlchemy, building the IN list of a thousand tickets cost more than the lookup.
        tx.cursor.execute(
            "SELECT external_id, id FROM cases WHERE external_source = "
            f"{p} AND external_id IN ({tx.hot.marks(len(chunk))})",
            (source, *chunk),
        )
        found.update((str(ticket), int(case_id)) for ticket, case_id in tx.cursor.fetchall())
    return found


def attach(tx: SqlTransaction, case_id: int, ref: ExternalRef) -> None:
    """Give the case its source and ticket; DuplicateKeyError when another transaction gave
    them to a case first (roll back, then read that case)."""
    try:
        tx.conn.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(external_source=ref.source, external_id=ref.ticket)
        )
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise DuplicateKeyError(f"{ref.source}:{ref.ticket}") from exc
        raise


def ref_of(tx: SqlTransaction, case_id: int) -> ExternalRef | None:
    row = tx.conn.execute(
        select(cases.c.external_source, cases.c.external_id).where(cases.c.id == case_id)
    ).first()
    if row is None or row.external_source is None or row.external_id is None:
        return None
    return ExternalRef(str(row.external_source), str(row.external_id))


def record_origin(tx: SqlTransaction, case_id: int, origin: Origin) -> None:
    tx.conn.execute(
        insert(case_origins),
        {
            "case_id": case_id,
            "lat": origin.lat,
            "long": origin.long,
            "address": origin.address,
            "media_url": origin.media_url,
            "reported_at": origin.reported_at,
        },
    )


def origins_of(tx: SqlTransaction, case_ids: Sequence[int]) -> dict[int, Origin]:
    if not case_ids:
        return {}
    rows = tx.conn.execute(select(case_origins).where(case_origins.c.case_id.in_(list(case_ids))))
    return {
        int(r.case_id): Origin(r.lat, r.long, r.address, r.media_url, r.reported_at) for r in rows
    }


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """A case an outside system opened, as its status is read back."""

    case: Case
    external: ExternalRef | None
    next_deadline: datetime | None


def opened_by(
    tx: SqlTransaction,
    actor: str,
    *,
    case_ids: Sequence[int] = (),
    workflow: str | None = None,
    category: str | None = None,
    open_only: bool | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[OpenedCase]:
    """The cases `actor` opened, newest first, under the filters."""
    deadline = next_deadline().label("next_deadline")
    query = select(cases, deadline).where(cases.c.opened_by == actor)
    if case_ids:
        query = query.where(cases.c.id.in_(list(case_ids)))
    if workflow is not None:
        query = query.where(cases.c.workflow == workflow)
    if category is not None:
        query = query.where(cases.c.data["category"].as_string() == category)
    if open_only is not None:
        query = query.where(
            cases.c.closed_at.is_(None) if open_only else cases.c.closed_at.is_not(None)
        )
    if start is not None:
        query = query.where(cases.c.opened_at >= start)
    if end is not None:
        query = query.where(cases.c.opened_at <= end)
    rows = tx.conn.execute(query.order_by(cases.c.id.desc()).limit(limit))
    return [OpenedCase(case_from_row(r), external_of(r), r._mapping["next_deadline"]) for r in rows]


def record_origins(tx: SqlTransaction, pairs: Sequence[tuple[int, Origin]]) -> None:
    """`record_origin` for many cases on the driver cursor (engine.store.multirow)."""
    if not pairs:
        return
    p = "?" if tx.sqlite else "%s"
    statement = (
        "INSERT INTO case_origins (case_id, lat, long, address, media_url, reported_at)"
        f" VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
    )
    dt = tx.hot.dt_out
    insert_rows(
        tx.cursor,
        tx.sqlite,
        statement,
        [(c, o.lat, o.long, o.address, o.media_url, dt(o.reported_at)) for c, o in pairs],
    )
