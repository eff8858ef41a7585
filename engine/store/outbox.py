"""The notification outbox: rows written with the firing that causes them, delivered later.

A deliverer claims pending rows (``status = 'sending'``; on PostgreSQL skipping rows another
deliverer holds), sends them outside any transaction and records the outcome. While a row is
being sent, ``sent_at`` holds the moment it was claimed: a row left ``sending`` longer than
the lease (its deliverer died) is claimed again. Delivery is at-least-once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import CaseRow, NotificationRow

notifications = NotificationRow.__table__  # type: ignore[attr-defined]
cases = CaseRow.__table__  # type: ignore[attr-defined]

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class ClaimedNotice:
    """A notification taken for delivery, with what routing it needs to know of its case."""

    id: int
    case_id: int
    role: str
    unit: str | None  # the unit named when it was written; None: route by the case
    kind: str
    subject: str
    created_at: datetime
    attempts: int  # counting this one
    assignee: str | None
    grid_unit: str | None
    data: dict[str, Any]
    opened_by: str = ""


def claim(
    tx: SqlTransaction, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[ClaimedNotice]:
    """Take up to `limit` notifications to send: pending ones, oldest first, and those whose
    deliverer let the lease run out."""
    due = or_(
        notifications.c.status == "pending",
        and_(notifications.c.status == "sending", notifications.c.sent_at < now - lease),
    )
    query = (
        select(notifications, cases.c.assignee, cases.c.data, cases.c.grid_unit, cases.c.opened_by)
        .join(cases, cases.c.id == notifications.c.case_id)
        .where(due)
        .order_by(notifications.c.id)
        .limit(limit)
    )
    if not tx.sqlite:
        query = query.with_for_update(skip_locked=True, of=notifications)
    rows = tx.conn.execute(query).all()
    ids = [r.id for r in rows]
    if ids:
        tx.conn.execute(
            update(notifications)
            .where(notifications.c.id.in_(ids))
            .values(status="sending", sent_at=now, attempts=notifications.c.attempts + 1)
        )
    return [
        ClaimedNotice(
            id=r.id,
            case_id=r.case_id,
            role=r.role,
            unit=r.unit,
            kind=r.kind,
            subject=r.subject,
            created_at=r.created_at,
            attempts=r.attempts + 1,
            assignee=r.assignee,
            opened_by=r.opened_by,
            grid_unit=r.grid_unit,
            data=dict(r.data) if isinstance(r.data, dict) else {},
        )
        for r in rows
    ]


def mark_sent(tx: SqlTransaction, ids: Sequence[int], at: datetime) -> None:
    if not ids:
        return
    tx.conn.execute(
        update(notifications)
        .where(notifications.c.id.in_(list(ids)))
        .values(status="sent", sent_at=at, last_error=None)
    )


def mark_failed(tx: SqlTransaction, notice_id: int, attempts: int, error: str) -> str:
    """Record a failed delivery: back to pending for a later sweep, or, after MAX_ATTEMPTS,
    failed for good. Returns the new status."""
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    tx.conn.execute(
        update(notifications)
        .where(notifications.c.id == notice_id)
        .values(status=status, sent_at=None, last_error=error[:500])
    )
    return status


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification as recorded: to whom, what kind, about which timer or action."""

    role: str
    kind: str
    subject: str
    status: str
    created_at: datetime


def of_case(tx: SqlTransaction, case_id: int) -> list[Notice]:
    """A case's notifications, oldest first."""
    n = notifications.c
    query = (
        select(n.role, n.kind, n.subject, n.status, n.created_at)
        .where(n.case_id == case_id)
        .order_by(n.id)
    )
    return [Notice(*row) for row in tx.conn.execute(query).all()]


def counts(tx: SqlTransaction) -> dict[str, int]:
    """Notifications by status."""
    query = select(notifications.c.status, func.count()).group_by(notifications.c.status)
    return {status: int(n) for status, n in tx.conn.execute(query).all()}
