"""Shared fixtures: real SQLite files and PostgreSQL, a manual clock, the shipped workflows.

Migrating a database takes Alembic a few hundred milliseconds, creating an empty PostgreSQL
database about as long again. So each engine gets one database migrated once per session, a
template, and every test gets its own copy of it: a file copy on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL (made ahead of the test, see `PgCopies`). A test that needs a
database without tables (the migrations' own test) asks with ``@pytest.mark.empty_database``.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

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
EMPTY = "empty_database"  # the marker of tests that want a database without tables


@functools.cache
def _pg_available() -> bool:
    """Asked once per session: every PostgreSQL test would otherwise open a connection."""
    try:
        eng = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
        with eng.connect():
            pass
        eng.dispose()
    except Exception:
        return False
    return True


def require_pg() -> None:
    """Skip (fail on CI) when the PostgreSQL at FENGQIAO_TEST_PG cannot be reached."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")


def pg_url_of(name: str) -> str:
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


def _admin() -> Engine:
    return create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )


def _execute(statement: str) -> None:
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def create_pg_database(template: str | None = None) -> str:
    """A new PostgreSQL database's name: empty, or a copy of `template` (a database nobody
    is connected to: PostgreSQL refuses to copy one in use)."""
    name = f"fq_test_{uuid.uuid4().hex[:10]}"
    _execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_pg_database(name: str) -> None:
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_pg_database(template: str | None = None) -> Generator[str, None, None]:
    """A new PostgreSQL database's URL, dropped afterwards: empty, or a copy of `template`."""
    require_pg()
    name = create_pg_database(template)
    try:
        yield pg_url_of(name)
    finally:
        drop_pg_database(name)


class PgDrops:
    """Drops PostgreSQL databases on threads of their own, several at once.

    PostgreSQL takes up to a second to drop a database (it waits for a checkpoint), and
    drops waiting together share one checkpoint; tests need not wait for any of it."""

    def __init__(self) -> None:
        self._threads = ThreadPoolExecutor(8, thread_name_prefix="pg-drop")
        self._dropped: list[Future[None]] = []

    def drop(self, name: str) -> None:
        self._dropped.append(self._threads.submit(drop_pg_database, name))

    def close(self) -> None:
        """Wait until every database is dropped."""
        self._threads.shutdown()
        for dropped in self._dropped:
            dropped.result()  # raises what went wrong, if anything did


class PgCopies:
    """Copies of one template database, made before the tests that take them.

    PostgreSQL takes a few hundred milliseconds to create a database (it writes the copy
    to its log and syncs it): threads of their own make the next few while tests run, so
    that a test seldom waits for its database."""

    def __init__(self, template: str, drops: PgDrops, ahead: int = 4) -> None:
        self.template = template
        self.drops = drops
        self.ahead = ahead
        self._makers = ThreadPoolExecutor(ahead, thread_name_prefix="pg-copy")
        self._ready: deque[Future[str]] = deque()

    def copy(self) -> Generator[str, None, None]:
        """A copy's URL for one test; dropped after it."""
        while len(self._ready) <= self.ahead:
            self._ready.append(self._makers.submit(create_pg_database, self.template))
        name = self._ready.popleft().result()
        try:
            yield pg_url_of(name)
        finally:
            self.drops.drop(name)

    def close(self) -> None:
        """Drop the copies nobody took, once the ones under way are made."""
        self._makers.shutdown()
        for made in self._ready:
            if made.exception() is None:
                self.drops.drop(made.result())


@pytest.fixture(scope="session")
def pg_drops() -> Iterator[PgDrops]:
    """The session's dropping of PostgreSQL databases; waited for at the session's end."""
    require_pg()
    drops = PgDrops()
    yield drops
    drops.close()


@pytest.fixture(scope="session")
def pg_template(pg_drops: PgDrops) -> Iterator[str]:
    """The name of a PostgreSQL database migrated once for the session; dropped at its end."""
    name = create_pg_database()
    try:
        engine = make_engine(pg_url_of(name))
        upgrade(engine)
        engine.dispose()  # no connection may stay open to a template
        yield name
    finally:
        pg_drops.drop(name)


@pytest.fixture(scope="session")
def pg_copies(pg_template: str, pg_drops: PgDrops) -> Iterator[PgCopies]:
    copies = PgCopies(pg_template, pg_drops)
    yield copies
    copies.close()


def copy_sqlite(template: Path, target: Path) -> None:
    """Copy a SQLite file nobody has open: its last connection, closing, moved the WAL into
    the file and removed it (a WAL left beside it would hold writes the copy lacks)."""
    wal = template.with_name(template.name + "-wal")
    if wal.exists():
        raise RuntimeError(f"{template} is still open: {wal} exists")
    shutil.copyfile(template, target)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the session; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "fq.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def _wants_empty(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker(EMPTY) is not None


def _pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    if _wants_empty(request):
        yield from fresh_pg_database()
    else:
        copies: PgCopies = request.getfixturevalue("pg_copies")
        yield from copies.copy()


@pytest.fixture(scope="session")
def shipped() -> list[Definition]:
    return load_directory(DEFINITIONS)


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning in Beijing, on a working day.
    return ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated (unless marked empty_database)."""
    yield from _pg_database(request)


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own on each engine, migrated (unless marked empty_database)."""
    if request.param == "sqlite":
        path = tmp_path / "fq.db"
        if not _wants_empty(request):
            copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from _pg_database(request)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    engine = make_engine(db_url)  # migrated already: a copy of the session's template
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture
def service(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> WorkflowService:
    return WorkflowService(store, Registry(shipped), clock, WorkCalendar())


@pytest.fixture
def casework(store: SqlStore, service: WorkflowService, clock: ManualClock) -> Casework:
    """The use-case layer on the same store, registry, service and clock."""
    return Casework(store, service.registry, service, clock, Sealer.from_text(new_key_text()))
