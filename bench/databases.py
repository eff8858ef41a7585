"""Scratch databases for the benchmarks: a temporary SQLite file, or a PostgreSQL database
created on a server and dropped after."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from engine.store.db import normalise_url


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database: a temporary SQLite file, or a new PostgreSQL database on the server
    of `url` (dropped after, whatever happened)."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    name = f"fq_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_reachable(url: str) -> bool:
    """Whether the PostgreSQL server of `url` answers."""
    try:
        engine = create_engine(normalise_url(url))
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True
