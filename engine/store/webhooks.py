"""Webhooks to client systems (engine.webhooks): written just before the commit of the
transaction that changed a case's state, claimed and sent by the worker, every attempt kept.

A transaction notes the events it appended that moved a case from one state to another
(`SqlTransaction.state_changes`); before it commits, `enqueue_changes` reads those events back
(an event written under a savepoint that was rolled back is not there any more) for the cases
whose source is an active client system with a webhook URL, and writes one delivery each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import and_, insert, or_, select, tuple_, update
from sqlalchemy.engine import Connection

from engine.store.tables import (
    CaseRow,
    ClientSystemRow,
    EventRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
)
from engine.webhooks import STATE_CHANGED, StateChange, body

deliveries = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]
tries = WebhookAttemptRow.__table__  # type: ignore[attr-defined]
cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
clients = ClientSystemRow.__table__  # type: ignore[attr-defined]

LEASE = timedelta(minutes=5)  # a delivery claimed longer ago (its sender died) is claimed again
_CHUNK = 400


class SqlTransaction(Protocol):
    """What the webhooks need of a transaction (engine.store.repository.SqlTransaction)."""

    conn: Connection
    sqlite: bool
    cursor: Any


@lru_cache(maxsize=64)
def _hooked_sql(n: int, sqlite: bool) -> str:
    """Which of n cases have a source with an active webhook: on the driver cursor, since
    nearly every transaction that changes a state asks it and nearly always hears none (a
    SQLAlchemy statement built and compiled for it cost a firing several times more)."""
    mark = "?" if sqlite else "%s"
    return (
        "SELECT c.id FROM cases c JOIN client_systems s ON s.name = c.external_source"
        f" WHERE c.id IN ({', '.join([mark] * n)})"
        " AND s.active AND s.webhook_url IS NOT NULL AND c.external_id IS NOT NULL"
    )


def _hooked_cases(tx: SqlTransaction, case_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for i in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[i : i + _CHUNK]
        tx.cursor.execute(_hooked_sql(len(chunk), tx.sqlite), tuple(chunk))
        found.update(int(row[0]) for row in tx.cursor.fetchall())
    return found


def enqueue_changes(tx: SqlTransaction, changed: Iterable[tuple[int, int]]) -> int:
    """Write a delivery for each (case id, event seq) that changed the state of a case whose
    source has an active client system with a webhook URL. Returns how many were written."""
    keys = sorted(set(changed))
    hooked = _hooked_cases(tx, sorted({c for c, _ in keys}))
    if not hooked:
        return 0
    keys = [k for k in keys if k[0] in hooked]
    rows: list[Any] = []
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i : i + _CHUNK]
        query = (
            select(
                events.c.case_id,
                events.c.seq,
                events.c.from_state,
                events.c.to_state,
                events.c.at,
                cases.c.external_source,
                cases.c.external_id,
                cases.c.closed_at,
            )
            .join(cases, cases.c.id == events.c.case_id)
            .join(clients, clients.c.name == cases.c.external_source)
            .where(
                events.c.case_id.in_({c for c, _ in chunk}),
                tuple_(events.c.case_id, events.c.seq).in_(chunk),
                clients.c.active.is_(True),
                clients.c.webhook_url.is_not(None),
                cases.c.external_id.is_not(None),
            )
            .order_by(events.c.case_id, events.c.seq)
        )
        rows.extend(tx.conn.execute(query).all())
    if not rows:
        return 0
    last_seq = {r.case_id: r.seq for r in rows}  # ordered: the last change of each case wins
    values = []
    for r in rows:
        change = StateChange(
            delivery_id=str(uuid.uuid4()),
            source=r.external_source,
            ticket=r.external_id,
            case_id=r.case_id,
            sequence=r.seq,
            old_state=r.from_state,
            new_state=r.to_state,
            # Closed: the case's last change here left it closed (a closed case stays closed).
            closed=r.closed_at is not None and r.seq == last_seq[r.case_id],
            at=r.at,
        )
        values.append(
            {
                "delivery_id": change.delivery_id,
                "client": change.source,
                "case_id": change.case_id,
                "sequence": change.sequence,
                "event": STATE_CHANGED,
                "body": body(change).decode("utf-8"),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": change.at,
                "created_at": change.at,
            }
        )
    tx.conn.execute(insert(deliveries), values)
    return len(values)


@dataclass(frozen=True, slots=True)
class DueWebhook:
    """A delivery claimed for sending, with where to and the secret to sign with (None: the
    client has no webhook any more, or is inactive)."""

    id: int
    delivery_id: str
    client: str
    event: str
    body: bytes
    attempts: int  # failed attempts so far
    url: str | None
    secret: str | None


def claim_due(
    tx: SqlTransaction, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[DueWebhook]:
    """Take up to `limit` deliveries due now (oldest first), and those whose sender let the
    lease run out; on PostgreSQL skipping those another sender holds."""
    d = deliveries.c
    due = or_(
        and_(d.status == "pending", d.next_attempt_at <= now),
        and_(d.status == "sending", d.claimed_at < now - lease),
    )
    query = (
        select(
            d.id,
            d.delivery_id,
            d.client,
            d.event,
            d.body,
            d.attempts,
            clients.c.webhook_url,
            clients.c.webhook_secret,
            clients.c.active,
        )
        .join(clients, clients.c.name == d.client)
        .where(due)
        .order_by(d.id)
        .limit(limit)
    )
    if not tx.sqlite:
        query = query.with_for_update(skip_locked=True, of=deliveries)
    rows = tx.conn.execute(query).all()
    if rows:
        tx.conn.execute(
            update(deliveries)
            .where(d.id.in_([r.id for r in rows]))
            .values(status="sending", claimed_at=now)
        )
    return [
        DueWebhook(
            id=r.id,
            delivery_id=r.delivery_id,
            client=r.client,
            event=r.event,
            body=r.body.encode("utf-8"),
            attempts=r.attempts,
            url=r.webhook_url if r.active else None,
            secret=r.webhook_secret if r.active else None,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: the answer's status code, or the error; how long it took."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def record_attempt(
    tx: SqlTransaction,
    delivery: int,
    at: datetime,
    outcome: Outcome,
    *,
    status: str,
    attempts: int,
    next_attempt_at: datetime,
) -> None:
    """Keep the attempt and set the delivery's status (delivered, pending again, failed)."""
    error = outcome.error[:500] if outcome.error else None
    tx.conn.execute(
        insert(tries),
        {
            "delivery": delivery,
            "at": at,
            "status_code": outcome.status_code,
            "error": error,
            "duration_ms": outcome.duration_ms,
            "ok": outcome.ok,
        },
    )
    tx.conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery)
        .values(
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            claimed_at=None,
            delivered_at=at if outcome.ok else None,
            last_error=error,
        )
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    ok: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    delivery_id: str
    client: str
    case_id: int
    sequence: int
    event: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None


_COLUMNS = (
    deliveries.c.id,
    deliveries.c.delivery_id,
    deliveries.c.client,
    deliveries.c.case_id,
    deliveries.c.sequence,
    deliveries.c.event,
    deliveries.c.body,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.next_attempt_at,
    deliveries.c.created_at,
    deliveries.c.delivered_at,
    deliveries.c.last_error,
)


def find(
    tx: SqlTransaction,
    *,
    client: str | None = None,
    status: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[Delivery]:
    """Deliveries, newest first, a keyset page (`before`: an id)."""
    query = select(*_COLUMNS)
    if client is not None:
        query = query.where(deliveries.c.client == client)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if before is not None:
        query = query.where(deliveries.c.id < before)
    query = query.order_by(deliveries.c.id.desc()).limit(limit)
    return [Delivery(*r) for r in tx.conn.execute(query).all()]


def get(tx: SqlTransaction, delivery: int) -> Delivery | None:
    row = tx.conn.execute(select(*_COLUMNS).where(deliveries.c.id == delivery)).first()
    return None if row is None else Delivery(*row)


def attempts_of(tx: SqlTransaction, ids: Iterable[int]) -> dict[int, list[Attempt]]:
    """Each delivery's attempts, oldest first."""
    wanted = list(ids)
    found: dict[int, list[Attempt]] = {i: [] for i in wanted}
    if not wanted:
        return found
    a = tries.c
    query = (
        select(a.delivery, a.at, a.status_code, a.error, a.duration_ms, a.ok)
        .where(a.delivery.in_(wanted))
        .order_by(a.delivery, a.id)
    )
    for r in tx.conn.execute(query).all():
        found[r.delivery].append(Attempt(r.at, r.status_code, r.error, r.duration_ms, r.ok))
    return found


def redeliver(tx: SqlTransaction, delivery: int, now: datetime) -> bool:
    """Send the delivery again at the next sweep, with a fresh count of attempts (its
    delivery id and body unchanged). False: no such delivery."""
    result = tx.conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery)
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_at=None)
    )
    return bool(result.rowcount == 1)
