"""Login attempts for the login throttle, in the database so every API process counts the same.

An attempt is written *before* its password is checked and counted by the attempts that come
after it: a burst of parallel guesses sees itself and is mostly refused, instead of every guess
passing the check before any failure is recorded. An attempt refused without a check is removed
again (`drop`); a successful login removes its account's rows from its address (`forget`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from engine.login_throttle import Failures
from engine.store.repository import SqlTransaction
from engine.store.tables import LoginAttemptRow

attempts = LoginAttemptRow.__table__  # type: ignore[attr-defined]
USERNAME_CHARS = 64
ADDRESS_CHARS = 64
PURGE_BATCH = 100


def begin(
    tx: SqlTransaction, *, username: str, address: str, at: datetime, before: datetime
) -> int:
    """Record an attempt; its id. Removes up to PURGE_BATCH attempts older than `before` in
    the same transaction, so the table holds about one window's attempts."""
    purge(tx, before, PURGE_BATCH)
    new_id = tx.conn.execute(
        insert(attempts).returning(attempts.c.id),
        {"at": at, "username": username[:USERNAME_CHARS], "address": address[:ADDRESS_CHARS]},
    ).scalar_one()
    return int(new_id)


def failures(
    tx: SqlTransaction, *, username: str, address: str, since: datetime, excluding: int
) -> tuple[Failures, Failures, Failures]:
    """Attempts after `since` other than `excluding`: for this account from this address,
    from this address for any account, and for this account from any address."""
    user = attempts.c.username == username[:USERNAME_CHARS]
    place = attempts.c.address == address[:ADDRESS_CHARS]
    recent = and_(attempts.c.at > since, attempts.c.id != excluding)

    def count(where: ColumnElement[bool]) -> Failures:
        query = select(func.count(), func.max(attempts.c.at)).where(and_(recent, where))
        n, last = tx.conn.execute(query).one()
        return Failures(int(n), last)

    return count(and_(user, place)), count(place), count(user)


def drop(tx: SqlTransaction, attempt_id: int) -> None:
    tx.conn.execute(delete(attempts).where(attempts.c.id == attempt_id))


def forget(tx: SqlTransaction, *, username: str, address: str) -> None:
    """After a successful login: this account's attempts from this address no longer count."""
    tx.conn.execute(
        delete(attempts).where(
            and_(
                attempts.c.username == username[:USERNAME_CHARS],
                attempts.c.address == address[:ADDRESS_CHARS],
            )
        )
    )


def forget_account(tx: SqlTransaction, username: str) -> int:
    """Every attempt at this account, from any address (an administrator unlocks it); how
    many."""
    where = attempts.c.username == username[:USERNAME_CHARS]
    return int(tx.conn.execute(delete(attempts).where(where)).rowcount)


def purge(tx: SqlTransaction, before: datetime, limit: int = 1000) -> int:
    """Remove up to `limit` attempts older than `before`; how many."""
    oldest = select(attempts.c.id).where(attempts.c.at <= before).limit(limit)
    return int(tx.conn.execute(delete(attempts).where(attempts.c.id.in_(oldest))).rowcount)
