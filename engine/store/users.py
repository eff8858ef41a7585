"""Users and their login tokens (bearer tokens for clients, sessions for pages)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from engine.store.repository import SqlTransaction
from engine.store.tables import TokenRow, UserRow

users = UserRow.__table__  # type: ignore[attr-defined]
tokens = TokenRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    username: str
    password_hash: str
    display_name: str
    role: str
    unit: str | None
    grid_units: tuple[str, ...]
    lang: str
    active: bool
    created_at: datetime | None = None
    deactivated_at: datetime | None = None
    password_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    kind: str  # bearer | session
    csrf: str
    expires_at: datetime


def _user_from(row: Row[Any]) -> UserRecord:
    m = row._mapping
    return UserRecord(
        id=m["id"],
        username=m["username"],
        password_hash=m["password_hash"],
        display_name=m["display_name"],
        role=m["role"],
        unit=m["unit"],
        grid_units=tuple(m["grid_units"] or ()),
        lang=m["lang"],
        active=m["active"],
        created_at=m["created_at"],
        deactivated_at=m["deactivated_at"],
        password_changed_at=m["password_changed_at"],
    )


def get_user(tx: SqlTransaction, username: str) -> UserRecord | None:
    row = tx.conn.execute(select(users).where(users.c.username == username)).first()
    return _user_from(row) if row is not None else None


def user_by_id(tx: SqlTransaction, user_id: int, *, for_update: bool = False) -> UserRecord | None:
    query = select(users).where(users.c.id == user_id)
    if for_update:
        query = query.with_for_update()
    row = tx.conn.execute(query).first()
    return _user_from(row) if row is not None else None


def list_users(
    tx: SqlTransaction,
    *,
    units: Collection[str] | None = None,
    role: str | None = None,
    active: bool | None = None,
    with_no_unit: bool = True,
) -> list[UserRecord]:
    """Users by user name; `units` keeps those whose unit is one of them (and those without
    a unit when `with_no_unit`)."""
    where: list[ColumnElement[bool]] = []
    if units is not None:
        in_units = users.c.unit.in_(sorted(units))
        where.append(or_(in_units, users.c.unit.is_(None)) if with_no_unit else in_units)
    if role is not None:
        where.append(users.c.role == role)
    if active is not None:
        where.append(users.c.active.is_(active))
    query = select(users).where(and_(True, *where)).order_by(users.c.username)
    return [_user_from(r) for r in tx.conn.execute(query)]


def username_taken(tx: SqlTransaction, username: str) -> bool:
    query = select(users.c.id).where(func.lower(users.c.username) == username.lower())
    return tx.conn.execute(query).first() is not None


def insert_user(
    tx: SqlTransaction,
    *,
    username: str,
    password_hash: str,
    display_name: str,
    role: str,
    unit: str | None,
    lang: str,
    at: datetime,
) -> int:
    """A new active user without grid units; its id."""
    new_id = tx.conn.execute(
        insert(users).returning(users.c.id),
        {
            "username": username,
            "password_hash": password_hash,
            "display_name": display_name,
            "role": role,
            "unit": unit,
            "grid_units": [],
            "lang": lang,
            "active": True,
            "created_at": at,
            "password_changed_at": at if password_hash else None,
        },
    ).scalar_one()
    return int(new_id)


def update_user(tx: SqlTransaction, user_id: int, **values: Any) -> None:
    tx.conn.execute(update(users).where(users.c.id == user_id).values(**values))


def active_admins(tx: SqlTransaction, *, lock: bool = False) -> int:
    """How many active administrators there are; `lock` holds their rows to the end of the
    transaction, so two parallel changes cannot each remove one of the last two."""
    query = select(users.c.id).where(and_(users.c.role == "admin", users.c.active.is_(True)))
    if lock:
        query = query.with_for_update()
    return len(tx.conn.execute(query).all())


def drop_user_tokens(tx: SqlTransaction, user_id: int, keep: str = "") -> int:
    """Revoke every token of the user but `keep` (a token hash); how many."""
    where = tokens.c.user_id == user_id
    if keep:
        where = and_(where, tokens.c.token_hash != keep)
    return int(tx.conn.execute(delete(tokens).where(where)).rowcount)


def save_user(
    tx: SqlTransaction,
    *,
    username: str,
    password_hash: str,
    display_name: str,
    role: str,
    unit: str | None,
    grid_units: list[str],
    lang: str,
    at: datetime,
) -> int:
    """Insert the user, or update every attribute of an existing one with that user name."""
    values = {
        "password_hash": password_hash,
        "display_name": display_name,
        "role": role,
        "unit": unit,
        "grid_units": list(grid_units),
        "lang": lang,
        "active": True,
    }
    existing = tx.conn.execute(select(users.c.id).where(users.c.username == username)).first()
    if existing is not None:
        tx.conn.execute(update(users).where(users.c.id == existing.id).values(**values))
        return int(existing.id)
    new_id = tx.conn.execute(
        insert(users).returning(users.c.id),
        {"username": username, "created_at": at, **values},
    ).scalar_one()
    return int(new_id)


def add_token(
    tx: SqlTransaction,
    *,
    token_hash: str,
    user_id: int,
    kind: str,
    csrf: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    tx.conn.execute(
        insert(tokens),
        {
            "token_hash": token_hash,
            "user_id": user_id,
            "kind": kind,
            "csrf": csrf,
            "created_at": created_at,
            "expires_at": expires_at,
        },
    )


def user_by_token(
    tx: SqlTransaction, token_hash: str, now: datetime
) -> tuple[UserRecord, TokenRecord] | None:
    """The active user holding an unexpired token with this hash."""
    query = (
        select(users, tokens.c.kind, tokens.c.csrf, tokens.c.expires_at)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(
            and_(
                tokens.c.token_hash == token_hash,
                tokens.c.expires_at > now,
                users.c.active.is_(True),
            )
        )
    )
    row = tx.conn.execute(query).first()
    if row is None:
        return None
    m = row._mapping
    return _user_from(row), TokenRecord(m["kind"], m["csrf"], m["expires_at"])


def drop_token(tx: SqlTransaction, token_hash: str) -> None:
    tx.conn.execute(delete(tokens).where(tokens.c.token_hash == token_hash))


def drop_expired_tokens(tx: SqlTransaction, now: datetime, limit: int = 1000) -> int:
    """Delete up to `limit` tokens past their expiry (a login calls it); how many. Bounded,
    so one call never holds the write lock for long."""
    expired = select(tokens.c.token_hash).where(tokens.c.expires_at <= now).limit(limit)
    return int(tx.conn.execute(delete(tokens).where(tokens.c.token_hash.in_(expired))).rowcount)
