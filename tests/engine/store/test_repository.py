"""The store keeps a connection between transactions, and lets go of it when it should."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.store.db import make_engine
from engine.store.migrate import upgrade
from engine.store.repository import SqlStore


def _driver(store: SqlStore) -> Any:
    with store.transaction(write=False) as tx:
        return tx.cursor.connection


def _closed(conn: Any) -> bool:
    if hasattr(conn, "closed"):  # psycopg
        return bool(conn.closed)
    try:  # sqlite3
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_one_writer_runs_on_one_connection(store: SqlStore) -> None:
    first = _driver(store)
    assert _driver(store) is first
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.get_case(1)
        raise RuntimeError("refused")
    # Rolled back cleanly, so kept: and no transaction is left open on it.
    with store.transaction() as tx:
        assert tx.cursor.connection is first
        assert not _closed(first)
        assert tx.get_case(1) is None


def test_disposing_the_engine_closes_the_kept_connections(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    store = SqlStore(engine)
    with store.transaction(write=False) as tx:
        link = tx.cursor.connection
    engine.dispose()
    assert _closed(link)
    with store.transaction(write=False) as tx:  # a fresh one from the new pool
        assert tx.cursor.connection is not link
        assert tx.get_case(1) is None
    engine.dispose()


def test_concurrent_transactions_get_their_own_connections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fq.db'}")
    upgrade(engine)
    store = SqlStore(engine, keep_idle=2)
    barrier = threading.Barrier(3)
    seen: list[Any] = []

    def reader() -> None:
        with store.transaction(write=False) as tx:
            seen.append(tx.cursor.connection)
            barrier.wait()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 3
    assert len(store._idle) == 2  # the third went back to the pool
    engine.dispose()
    assert store._idle == []


def test_an_in_memory_database_keeps_no_connection() -> None:
    engine = make_engine("sqlite://")
    store = SqlStore(engine)
    with store.transaction(write=False):
        pass
    assert store._idle == []
    engine.dispose()
