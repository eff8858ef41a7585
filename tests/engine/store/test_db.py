"""Engines: SQLite durable by default (WAL, synchronous=FULL), PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from engine.store.db import is_sqlite, make_engine, normalise_url


def test_sqlite_is_in_wal_with_full_synchronous(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fq.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            # 2 = FULL: a commit waits until the WAL is on disk.
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_postgresql_urls_use_psycopg_3(pg_url: str) -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert not is_sqlite(pg_url)
    engine = make_engine(pg_url)
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
