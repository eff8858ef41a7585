"""The audit log: who read which personal data, when, for which case and why; failed logins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, select

from engine.store.multirow import insert_rows
from engine.store.queries import cases, visible_clause
from engine.store.repository import SqlTransaction
from engine.store.tables import AuditRow
from engine.visibility import Visibility

audit_log = AuditRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    case_id: int | None
    party_id: int | None
    action: str
    reason: str


def record(
    tx: SqlTransaction,
    *,
    at: datetime,
    username: str,
    action: str,
    reason: str = "",
    case_id: int | None = None,
    party_id: int | None = None,
) -> None:
    tx.conn.execute(
        insert(audit_log),
        {
            "at": at,
            "username": username[:64],
            "action": action,
            "reason": reason,
            "case_id": case_id,
            "party_id": party_id,
        },
    )


class Entries:
    """Audit entries kept to be written together (`write_entries`): those of a batch of
    changes made in memory (engine.batch), written in the batch's transaction."""

    def __init__(self) -> None:
        self.rows: list[tuple[datetime, str, str, str, int | None]] = []


def _insert(tx: SqlTransaction) -> str:
    p = "?" if tx.sqlite else "%s"
    return (
        "INSERT INTO audit_log (at, username, action, reason, case_id, party_id)"
        f" VALUES ({p}, {p}, {p}, {p}, {p}, NULL)"
    )


def record_on_cursor(
    tx: SqlTransaction | Entries,
    *,
    at: datetime,
    username: str,
    action: str,
    reason: str = "",
    case_id: int | None = None,
) -> None:
    """`record` on the driver cursor: for use cases that write an entry per case of many
    (SQLAlchemy Core costs ~60 µs a statement more); kept in `tx` when it is Entries."""
    if isinstance(tx, Entries):
        tx.rows.append((at, username[:64], action, reason, case_id))
        return
    tx.cursor.execute(_insert(tx), (tx.hot.dt_out(at), username[:64], action, reason, case_id))


def write_entries(tx: SqlTransaction, entries: Entries) -> None:
    """Write the entries kept, in the order they were recorded: one statement."""
    if entries.rows:
        dt = tx.hot.dt_out
        tx.cursor.executemany(_insert(tx), [(dt(at), *rest) for at, *rest in entries.rows])


def count_since(tx: SqlTransaction, *, username: str, action: str, since: datetime) -> int:
    query = select(func.count()).where(
        and_(
            audit_log.c.username == username[:64],
            audit_log.c.action == action,
            audit_log.c.at > since,
        )
    )
    return int(tx.conn.execute(query).scalar_one())


def entries(
    tx: SqlTransaction,
    *,
    vis: Visibility | None = None,
    case_ids: list[int] | None = None,
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first; only for `case_ids` when given, and only about cases `vis` allows
    (entries about no case, like failed logins, only when it allows everything). Filters:
    who (`username`), what (`action`), when (`since` ≤ at < `until`), and `before_id` to
    page through the log by id."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if case_ids is not None:
        query = query.where(audit_log.c.case_id.in_(case_ids))
    if username is not None:
        query = query.where(audit_log.c.username == username[:64])
    if action is not None:
        query = query.where(audit_log.c.action == action[:64])
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    if vis is not None and not vis.everything:
        if vis.nothing:
            return []
        query = query.where(
            exists().where(and_(cases.c.id == audit_log.c.case_id, visible_clause(vis, tx.sqlite)))
        )
    return [
        AuditEntry(r.id, r.at, r.username, r.case_id, r.party_id, r.action, r.reason)
        for r in tx.conn.execute(query)
    ]


def record_party_entries(
    tx: SqlTransaction, *, at: datetime, username: str, action: str, rows: Sequence[tuple[int, int]]
) -> None:
    """An entry per (case, party) on the driver cursor (engine.store.multirow)."""
    p = "?" if tx.sqlite else "%s"
    statement = (
        "INSERT INTO audit_log (at, username, action, reason, case_id, party_id)"
        f" VALUES ({p}, {p}, {p}, '', {p}, {p})"
    )
    when = tx.hot.dt_out(at)
    entries = [(when, username[:64], action, c, party) for c, party in rows]
    insert_rows(tx.cursor, tx.sqlite, statement, entries)
