"""API fixtures: the use cases (a Casework) on a fresh database, the demo areas and users,
bearer tokens.

The world's database is made once per session on each engine and copied for each test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_password, issue_token
from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.definition import Definition
from engine.model import Actor, Case
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import definitions as stored_definitions
from engine.store.db import make_engine
from engine.store.repository import SqlStore
from engine.store.units import save_units
from engine.store.users import UserRecord, get_user, save_user
from engine.units import UnitRecord
from engine.workcalendar import WorkCalendar
from fengqiao.context import Context, build, sealer_of
from fengqiao.demo import USERS, seed_units
from fengqiao.settings import Settings
from tests.conftest import PgCopies, PgDrops, copy_sqlite, create_pg_database, pg_url_of

PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing

# A second district, so that "another organisation / area" exists for every role.
WEST: tuple[UnitRecord, ...] = (
    UnitRecord("d-west", "西城区", "West District", "district", "c-fq"),
    UnitRecord("union-west", "西城区总工会", "West trade union", "organisation", "d-west"),
    UnitRecord("s-west", "西长安街道", "West Chang'an Street", "street", "d-west"),
    UnitRecord("cm-w-1", "西一社区", "West Community 1", "community", "s-west"),
    UnitRecord("g-w-1-1", "西一社区第1网格", "West grid 1", "grid", "cm-w-1"),
)
# (username, role, unit, grid units)
EXTRA_USERS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("org_admin_women", "org_admin", "women", ()),
    ("mediator_west", "mediator", "union-west", ()),
    ("org_admin_west", "org_admin", "union-west", ()),
    ("handler_west", "handler", "cm-w-1", ()),
    ("grid_member_west", "grid_member", None, ("g-w-1-1",)),
    ("supervisor_west", "supervisor", "d-west", ()),
    ("admin_west", "admin", "d-west", ()),
)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    ctx: Casework
    clock: ManualClock
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, username: str) -> UserRecord | None:
        """The stored user `username`, read in a transaction of its own."""
        with self.ctx.store.transaction(write=False) as tx:
            return get_user(tx, username)

    def advance(self, delta: timedelta) -> None:
        """Move the clock; tokens (valid 12 h) are issued again."""
        self.clock.advance(delta)
        for username in list(self.tokens):
            rec = self.user(username)
            assert rec is not None
            self.tokens[username] = issue_token(self.ctx, rec, "bearer")[0]

    def h(self, username: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}", **extra}

    def open(
        self,
        workflow: str,
        data: dict[str, Any] | None = None,
        *,
        by: str = "mediator",
        org_unit: str | None = None,
        grid_unit: str | None = None,
        steps: list[tuple[str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
    ) -> Case:
        """A case opened and moved through the service directly (no HTTP)."""
        rec = self.user(by)
        assert rec is not None
        result = self.ctx.service.open_case(
            workflow, Actor(by, rec.role), data or {}, org_unit=org_unit, grid_unit=grid_unit
        )
        case = result.case
        for action, actor, values in steps:
            actor_rec = self.user(actor)
            assert actor_rec is not None
            case = self.ctx.service.fire(case.id, action, Actor(actor, actor_rec.role), values).case
        return case


def make_world(url: str, password_hash: str) -> tuple[World, Context]:
    clock = ManualClock(START)
    ctx = build(Settings(database_url=url), clock)
    seed_units(ctx)
    cw = ctx.cw
    users = [(u.username, u.role, u.unit, u.grid_units) for u in USERS] + list(EXTRA_USERS)
    with cw.store.transaction() as tx:
        save_units(tx, list(WEST))
        for username, role, unit, grids in users:
            save_user(
                tx,
                username=username,
                password_hash=password_hash,
                display_name=username,
                role=role,
                unit=unit,
                grid_units=list(grids),
                lang="zh",
                at=clock.now(),
            )
    app = create_app(cw, uploads_dir=ctx.settings.uploads_dir)
    world = World(cw, clock, TestClient(app), ctx.settings)
    for username, *_ in users:
        rec = world.user(username)
        assert rec is not None
        world.tokens[username] = issue_token(cw, rec, "bearer")[0]
    return world, ctx


@dataclass(frozen=True)
class WorldTemplate:
    """A world's database made once per session (migrated, workflows published, units and
    users saved, a bearer token each): each test opens a copy of it."""

    database: str  # a SQLite file's path, or a PostgreSQL database's name
    tokens: dict[str, str]
    definitions: list[Definition]  # as `build` reads them back from the database


def _template_of(url: str, password_hash: str) -> tuple[dict[str, str], list[Definition]]:
    w, ctx = make_world(url, password_hash)
    with ctx.cw.store.transaction(write=False) as tx:
        definitions = stored_definitions.published(tx)
    ctx.close()  # no connection may stay open to a PostgreSQL template
    return dict(w.tokens), definitions


@pytest.fixture(scope="session")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> WorldTemplate:
    path = tmp_path_factory.mktemp("world") / "api.db"
    return WorldTemplate(str(path), *_template_of(f"sqlite:///{path}", password_hash))


@pytest.fixture(scope="session")
def pg_world(pg_template: str, pg_drops: PgDrops, password_hash: str) -> Iterator[WorldTemplate]:
    name = create_pg_database(pg_template)
    try:
        yield WorldTemplate(name, *_template_of(pg_url_of(name), password_hash))
    finally:
        pg_drops.drop(name)


@pytest.fixture(scope="session")
def pg_world_copies(pg_world: WorldTemplate, pg_drops: PgDrops) -> Iterator[PgCopies]:
    copies = PgCopies(pg_world.database, pg_drops)
    yield copies
    copies.close()


def open_world(url: str, template: WorldTemplate) -> tuple[World, Context]:
    """A world on `url`, a copy of `template`: wired as ``fengqiao.context.build`` does,
    without migrating, publishing or parsing the YAML again."""
    clock = ManualClock(START)
    settings = Settings(database_url=url)
    store = SqlStore(make_engine(url))
    source = stored_definitions.StoredDefinitions(store)
    registry = Registry(template.definitions, source=source)
    service = WorkflowService(store, registry, clock, WorkCalendar(tz=settings.timezone))
    cw = Casework(
        store,
        registry,
        service,
        clock,
        sealer_of(settings),
        settings.timezone,
        settings.sweep_interval_s,
    )
    app = create_app(cw, uploads_dir=settings.uploads_dir)
    world = World(cw, clock, TestClient(app), settings, dict(template.tokens))
    return world, Context(settings, cw)


@pytest.fixture
def world(tmp_path: Path, sqlite_world: WorldTemplate) -> Iterator[World]:
    path = tmp_path / "api.db"
    copy_sqlite(Path(sqlite_world.database), path)
    w, ctx = open_world(f"sqlite:///{path}", sqlite_world)
    with w.client:
        yield w
    ctx.close()


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
)
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The same world on SQLite and on PostgreSQL, for the core paths."""
    if request.param == "sqlite":
        template: WorldTemplate = request.getfixturevalue("sqlite_world")
        path = tmp_path / "api.db"
        copy_sqlite(Path(template.database), path)
        urls: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        template = request.getfixturevalue("pg_world")
        copies: PgCopies = request.getfixturevalue("pg_world_copies")
        urls = copies.copy()
    url = next(urls)
    w, ctx = open_world(url, template)
    try:
        with w.client:
            yield w
    finally:
        ctx.close()
        for _ in urls:  # the PostgreSQL database is dropped
            pass


@pytest.fixture(scope="module")
def shared_world(
    tmp_path_factory: pytest.TempPathFactory, sqlite_world: WorldTemplate
) -> Iterator[World]:
    """One world for a whole module (tests in it must not depend on each other's writes)."""
    path = tmp_path_factory.mktemp("api") / "api.db"
    copy_sqlite(Path(sqlite_world.database), path)
    w, ctx = open_world(f"sqlite:///{path}", sqlite_world)
    with w.client:
        yield w
    ctx.close()


MEDIATION_INTAKE: dict[str, Any] = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳之间因老房拆迁款分配发生争执",
    "notice_given": True,
}
GRID_REPORT: dict[str, Any] = {
    "grid_unit": "g-hp-1-1",
    "location": "和平里七区3号楼北侧",
    "category": "sanitation",
    "severity": "yellow",
    "description": "垃圾清运点满溢两天未清运",
}


def page_login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the login page as a browser does: the form's CSRF token first."""
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
