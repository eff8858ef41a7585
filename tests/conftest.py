"""Shared fixtures: real SQLite files and PostgreSQL, a manual clock, the shipped workflows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry, load_directory
from engine.service import WorkflowService
from engine.store.db import make_engine
from engine.store.migrate import upgrade
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, new_key_text
from engine.workcalendar import WorkCalendar

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "definitions"
PG_URL = os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_available() -> bool:
    try:
        eng = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
        with eng.connect():
            pass
        eng.dispose()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def shipped() -> list[Definition]:
    return load_directory(DEFINITIONS)


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning in Beijing, on a working day.
    return ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    name = f"fq_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database()


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fq.db'}"
    else:
        yield from fresh_pg_database()


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture
def service(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> WorkflowService:
    return WorkflowService(store, Registry(shipped), clock, WorkCalendar())


@pytest.fixture
def casework(store: SqlStore, service: WorkflowService, clock: ManualClock) -> Casework:
    """The use-case layer on the same store, registry, service and clock."""
    return Casework(store, service.registry, service, clock, Sealer.from_text(new_key_text()))
