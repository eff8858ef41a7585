"""Database engines: SQLite in WAL with synchronous=FULL by default, PostgreSQL by URL.

A SQLite file is created readable and writable by its owner only (0600), in a folder only
its owner can enter if the folder is new (0700): it holds everything, tokens and audit log
included. SQLite gives the -wal and -shm files the database file's permissions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection

DEFAULT_URL = "sqlite:///var/fengqiao.db"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is not None:
            create_owner_only(path)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 60},
        )
        _sqlite_setup(engine, memory=":memory:" in url or url.endswith("sqlite://"))
        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_owner_only(path: Path) -> None:
    """Create `path` empty with mode 0600 (its folder 0700 if new) unless it exists; an
    existing file keeps the permissions its owner gave it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _sqlite_setup(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how transactions start (DEFERRED / IMMEDIATE).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed change survives power loss, not only a crash of the process.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            return  # begun on the driver already (engine.store.repository.SqlStore)
        # A writer takes the write lock up front: a second writer waits (busy_timeout)
        # instead of failing on a lock upgrade.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def memory_engine() -> Engine:
    """An in-memory SQLite database with every table created (no migrations): for dry runs
    that must leave nothing behind."""
    from engine.store.tables import CaseRow  # the module registers every table

    memory = make_engine("sqlite://")
    CaseRow.metadata.create_all(memory)
    return memory
