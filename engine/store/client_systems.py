"""Outside systems that open cases (`client_systems`): each by its name, the cases' source,
with its API key's SHA-256 and its rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.store.errors import is_unique_violation
from engine.store.repository import SqlTransaction
from engine.store.tables import ClientSystemRow

client_systems = ClientSystemRow.__table__  # type: ignore[attr-defined]


class ClientExistsError(Exception):
    """A client system of that name (or, by chance, that key) is there already."""


@dataclass(frozen=True, slots=True)
class ClientSystem:
    name: str
    rate_per_minute: int
    created_at: datetime
    created_by: str
    active: bool = True
    webhook_url: str | None = None


def _client(row: object) -> ClientSystem:
    m = row._mapping  # type: ignore[attr-defined]
    return ClientSystem(
        m["name"], m["rate_per_minute"], m["created_at"], m["created_by"], m["active"],
        m["webhook_url"],
    )  # fmt: skip


def insert_client(
    tx: SqlTransaction,
    *,
    name: str,
    key_hash: str,
    rate_per_minute: int,
    at: datetime,
    by: str,
    webhook_url: str | None = None,
) -> ClientSystem:
    try:
        with tx.savepoint():
            tx.conn.execute(
                insert(client_systems),
                {
                    "name": name,
                    "key_hash": key_hash,
                    "rate_per_minute": rate_per_minute,
                    "webhook_url": webhook_url,
                    "created_at": at,
                    "created_by": by,
                    "active": True,
                },
            )
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise ClientExistsError(name) from exc
        raise
    return ClientSystem(name, rate_per_minute, at, by, True, webhook_url)


def client_by_key_hash(tx: SqlTransaction, key_hash: str) -> ClientSystem | None:
    row = tx.conn.execute(
        select(client_systems).where(client_systems.c.key_hash == key_hash)
    ).first()
    return None if row is None else _client(row)


def client_named(tx: SqlTransaction, name: str) -> ClientSystem | None:
    row = tx.conn.execute(select(client_systems).where(client_systems.c.name == name)).first()
    return None if row is None else _client(row)


def all_clients(tx: SqlTransaction) -> list[ClientSystem]:
    rows = tx.conn.execute(select(client_systems).order_by(client_systems.c.name))
    return [_client(r) for r in rows]


def set_webhook(tx: SqlTransaction, name: str, url: str | None, secret: str | None) -> bool:
    """Give the client system its webhook URL and signing secret (None, None: none). False:
    no such client."""
    result = tx.conn.execute(
        update(client_systems)
        .where(client_systems.c.name == name)
        .values(webhook_url=url, webhook_secret=secret)
    )
    return bool(result.rowcount == 1)
