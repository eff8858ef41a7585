"""Outside systems that open cases: an Open311 client, a hotline platform. Each has a name
(the source its cases carry, engine.external), an API key shown once when it is made (only
its SHA-256 is kept) and its own rate limit. Made by an administrator; the Open311 adapter
finds the client by its key (`client_by_key`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from engine.casework.context import Casework
from engine.casework.errors import InvalidClientError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.external import source_problem
from engine.store import audit
from engine.store import client_systems as store
from engine.store.client_systems import ClientExistsError, ClientSystem

CLIENT_CREATED = "client_created"
DEFAULT_RATE = 60  # requests a minute
MAX_RATE = 100_000
MAX_KEY = 128
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class NewClient:
    """A client system just made, with its key: shown once, never stored."""

    client: ClientSystem
    key: str


__all__ = ["ClientSystem", "NewClient", "client_by_key", "clients", "create_client", "key_hash"]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_client(
    cw: Casework, user: User, name: str, *, rate_per_minute: int = DEFAULT_RATE
) -> NewClient:
    """Make a client system and its API key; audit `client_created` (the key is not in it)."""
    require(user, Permission.MANAGE_CLIENTS)
    if (problem := source_problem(name)) is not None:
        raise InvalidClientError("name", problem)
    if not 1 <= rate_per_minute <= MAX_RATE:
        raise InvalidClientError("rate_per_minute", f"1 to {MAX_RATE} requests a minute")
    key = secrets.token_urlsafe(_KEY_BYTES)
    at = cw.clock.now()
    try:
        with cw.store.transaction() as tx:
            client = store.insert_client(
                tx,
                name=name,
                key_hash=key_hash(key),
                rate_per_minute=rate_per_minute,
                at=at,
                by=user.username,
            )
            audit.record(
                tx,
                at=at,
                username=user.username,
                action=CLIENT_CREATED,
                reason=json.dumps({"client": name, "rate_per_minute": rate_per_minute}),
            )
    except ClientExistsError as exc:
        raise InvalidClientError("name", f"a client system {name} exists already") from exc
    return NewClient(client, key)


def client_by_key(cw: Casework, key: str) -> ClientSystem | None:
    """The active client system holding this API key (None: no such key)."""
    if not key or len(key) > MAX_KEY:
        return None
    with cw.store.transaction(write=False) as tx:
        client = store.client_by_key_hash(tx, key_hash(key))
    return client if client is not None and client.active else None


def clients(cw: Casework, user: User) -> list[ClientSystem]:
    """Every client system, by name."""
    require(user, Permission.MANAGE_CLIENTS)
    with cw.store.transaction(write=False) as tx:
        return store.all_clients(tx)
