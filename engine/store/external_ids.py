"""Cases by their source system's ticket number (`cases.external_source`,
`cases.external_id`, unique together: `ux_cases_external`), and where outside requests
placed them (`case_origins`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.external import ExternalRef
from engine.ports import DuplicateKeyError
from engine.store.errors import is_unique_violation
from engine.store.queries import cases
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseOriginRow

case_origins = CaseOriginRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an outside request placed a case."""

    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None


def case_of(tx: SqlTransaction, ref: ExternalRef) -> int | None:
    """The case the source's ticket opened, if any."""
    row = tx.conn.execute(
        select(cases.c.id).where(
            and_(cases.c.external_source == ref.source, cases.c.external_id == ref.ticket)
        )
    ).first()
    return None if row is None else int(row.id)


def cases_of(tx: SqlTransaction, source: str, tickets: Sequence[str]) -> dict[str, int]:
    """The cases already opened by these tickets of `source`, by ticket (one query)."""
    if not tickets:
        return {}
    rows = tx.conn.execute(
        select(cases.c.external_id, cases.c.id).where(
            and_(cases.c.external_source == source, cases.c.external_id.in_(list(tickets)))
        )
    )
    return {str(r.external_id): int(r.id) for r in rows}


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
        },
    )


def origins_of(tx: SqlTransaction, case_ids: Sequence[int]) -> dict[int, Origin]:
    if not case_ids:
        return {}
    rows = tx.conn.execute(select(case_origins).where(case_origins.c.case_id.in_(list(case_ids))))
    return {int(r.case_id): Origin(r.lat, r.long, r.address, r.media_url) for r in rows}
