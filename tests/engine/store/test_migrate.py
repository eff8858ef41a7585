"""Migrations bring an empty database to the newest schema, and running them again is a
no-op, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

import engine.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from engine.store.db import make_engine
from engine.store.migrate import upgrade

EXPECTED = {"cases", "events", "timers", "definitions", "users", "parties", "audit_log"}


@pytest.mark.empty_database
def test_upgrade_creates_every_table_and_is_idempotent(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables >= EXPECTED | {"alembic_version"}
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        engine.dispose()
