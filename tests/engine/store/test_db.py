"""Engines: SQLite durable by default (WAL, synchronous=FULL), PostgreSQL by URL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.store.db import is_sqlite, make_engine, normalise_url, sqlite_file


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


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_file_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # a usual umask: files 0644 unless created otherwise
    try:
        path = tmp_path / "var" / "fq.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (1)"))
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert wal.exists() and shm.exists()
            assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
            assert mode(path.parent) == 0o700
        finally:
            engine.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_sqlite_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "fq.db"
    path.touch()
    path.chmod(0o640)  # chosen by its owner, e.g. for a backup group
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o640


@pytest.mark.parametrize(
    ("url", "file"),
    [
        pytest.param("sqlite:///var/fq.db", "var/fq.db", id="relative"),
        pytest.param("sqlite:////srv/fq.db", "/srv/fq.db", id="absolute"),
        pytest.param("sqlite://", None, id="memory"),
        pytest.param("sqlite:///:memory:", None, id="memory-named"),
    ],
)
def test_the_file_of_a_sqlite_url(url: str, file: str | None) -> None:
    assert sqlite_file(url) == (Path(file) if file else None)


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
