"""API fixtures: a Context on a fresh database, the demo areas and users, bearer tokens."""

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
from engine.model import Actor, Case
from engine.store.units import save_units
from engine.store.users import UserRecord, get_user, save_user
from engine.units import UnitRecord
from fengqiao.context import Context, build
from fengqiao.demo import USERS, seed_units
from fengqiao.settings import Settings
from tests.conftest import fresh_pg_database

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


@pytest.fixture
def world(tmp_path: Path, password_hash: str) -> Iterator[World]:
    w, ctx = make_world(f"sqlite:///{tmp_path / 'api.db'}", password_hash)
    with w.client:
        yield w
    ctx.close()


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres")]
)
def any_world(
    request: pytest.FixtureRequest, tmp_path: Path, password_hash: str
) -> Iterator[World]:
    """The same world on SQLite and on PostgreSQL, for the core paths."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path / 'api.db'}"])
    else:
        urls = fresh_pg_database()
    url = next(urls)
    w, ctx = make_world(url, password_hash)
    try:
        with w.client:
            yield w
    finally:
        ctx.close()
        for _ in urls:  # drop the PostgreSQL database
            pass


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> Iterator[World]:
    """One world for a whole module (tests in it must not depend on each other's writes)."""
    w, ctx = make_world(f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}", password_hash)
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
