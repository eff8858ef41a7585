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

from sqlalchemy import and_, func, or_, select, update

from engine.store.repository import SqlStore
from engine.store.tables import CaseRow, NotificationRow, UnitRow
from engine.store.writing import write_connection

notifications = NotificationRow.__table__  # type: ignore[attr-defined]
cases = CaseRow.__table__  # type: ignore[attr-defined]
units = UnitRow.__table__  # type: ignore[attr-defined]

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification to deliver: who (role, unit, person) and which case, nothing more."""

    id: int
    case_id: int
    role: str
    unit: str | None
    kind: str
    subject: str
    created_at: datetime
    attempts: int
    person: str | None


def claim(store: SqlStore, now: datetime, limit: int, lease: timedelta = LEASE) -> list[OutboxItem]:
    """Take up to `limit` notifications to send: pending ones, oldest first, and those whose
    deliverer let the lease run out."""
    due = or_(
        notifications.c.status == "pending",
        and_(notifications.c.status == "sending", notifications.c.sent_at < now - lease),
    )
    query = (
        select(notifications, cases.c.assignee, cases.c.data, cases.c.grid_unit)
        .join(cases, cases.c.id == notifications.c.case_id)
        .where(due)
        .order_by(notifications.c.id)
        .limit(limit)
    )
    if not store.sqlite:
        query = query.with_for_update(skip_locked=True, of=notifications)
    with write_connection(store) as conn:
        rows = conn.execute(query).all()
        parents: dict[str, str | None] = {}
        if any(r.unit is None and r.grid_unit is not None for r in rows):
            parents = dict(conn.execute(select(units.c.code, units.c.parent)).tuples().all())
        ids = [r.id for r in rows]
        if ids:
            conn.execute(
                update(notifications)
                .where(notifications.c.id.in_(ids))
                .values(
                    status="sending",
                    sent_at=now,
                    attempts=notifications.c.attempts + 1,
                )
            )
    return [
        OutboxItem(
            id=r.id,
            case_id=r.case_id,
            role=r.role,
            unit=r.unit if r.unit is not None else _grid_holder(r.grid_unit, r.data, parents),
            kind=r.kind,
            subject=r.subject,
            created_at=r.created_at,
            attempts=r.attempts + 1,
            person=_person(r.role, r.assignee, r.data),
        )
        for r in rows
    ]


def mark_sent(store: SqlStore, ids: Sequence[int], at: datetime) -> None:
    if not ids:
        return
    with write_connection(store) as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.id.in_(list(ids)))
            .values(status="sent", sent_at=at, last_error=None)
        )


def mark_failed(store: SqlStore, item: OutboxItem, error: str) -> str:
    """Record a failed delivery: back to pending for a later sweep, or, after MAX_ATTEMPTS,
    failed for good. Returns the new status."""
    status = "failed" if item.attempts >= MAX_ATTEMPTS else "pending"
    with write_connection(store) as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.id == item.id)
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


def of_case(store: SqlStore, case_id: int) -> list[Notice]:
    """A case's notifications, oldest first."""
    n = notifications.c
    query = (
        select(n.role, n.kind, n.subject, n.status, n.created_at)
        .where(n.case_id == case_id)
        .order_by(n.id)
    )
    with store.engine.connect() as conn:
        return [Notice(*row) for row in conn.execute(query).all()]


def counts(store: SqlStore) -> dict[str, int]:
    """Notifications by status."""
    query = select(notifications.c.status, func.count()).group_by(notifications.c.status)
    with store.engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(query).all()}


def _person(role: str, assignee: str | None, data: object) -> str | None:
    """The mediator a case is assigned to, for a notification to the mediator role."""
    if role != "mediator":
        return None
    named = data.get("mediator") if isinstance(data, dict) else None
    return named if isinstance(named, str) and named else assignee


def _grid_holder(grid: str | None, data: object, parents: dict[str, str | None]) -> str | None:
    """Who holds a grid case now: the grid's ancestor at the case's tier (grid 0 → community 1
    → street 2 → district 3 → city 4), so that a deadline or an escalation reaches the
    community or street the case waits on, not every handler of the city."""
    if grid is None:
        return None
    tier = data.get("tier") if isinstance(data, dict) else None
    unit: str | None = grid
    for _ in range(tier if isinstance(tier, int) and not isinstance(tier, bool) else 0):
        parent = parents.get(unit) if unit is not None else None
        if parent is None:
            break
        unit = parent
    return unit
