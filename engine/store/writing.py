"""A write transaction outside the service: on SQLite it takes the write lock up front."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from engine.store.repository import SqlStore


@contextmanager
def write_connection(store: SqlStore) -> Iterator[Connection]:
    """BEGIN IMMEDIATE on SQLite, so a read-then-write never fails on a lock upgrade."""
    with store.engine.connect() as conn:
        if store.sqlite:
            conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn
