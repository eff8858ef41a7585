"""Page fixtures: the demo data seeded once and copied for each test, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.db import make_engine
from engine.store.definitions import StoredDefinitions
from engine.store.repository import SqlStore
from engine.workcalendar import WorkCalendar
from fengqiao.context import build, sealer_of
from fengqiao.demo import USERS, seed
from fengqiao.settings import Settings
from tests.conftest import DEFINITIONS, copy_sqlite

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # the `clock` fixture's start: Monday 09:00
PASSWORDS = {u.username: u.password for u in USERS}


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A SQLite file holding the demo data, seeded once at the start of the shared clock."""
    path = tmp_path_factory.mktemp("seed") / "fq.db"
    settings = Settings(database_url=f"sqlite:///{path}", definitions_dir=DEFINITIONS)
    ctx = build(settings, ManualClock(START))
    cases: dict[str, int] = seed(ctx)["cases"]
    ctx.close()
    return path, cases


@pytest.fixture
def demo_cases(seeded: tuple[Path, dict[str, int]]) -> dict[str, int]:
    """Demo case ids by script key, e.g. ``mediation:intake``."""
    return seeded[1]


@pytest.fixture
def ctx(
    seeded: tuple[Path, dict[str, int]],
    shipped: list[Definition],
    tmp_path: Path,
    clock: ManualClock,
) -> Iterator[Casework]:
    """The use-case layer on this test's own copy of the demo database (migrated and
    published already: wired as ``fengqiao.context.open_casework`` does, without parsing the
    YAML again)."""
    target = tmp_path / "fq.db"
    copy_sqlite(seeded[0], target)
    settings = Settings(database_url=f"sqlite:///{target}", definitions_dir=DEFINITIONS)
    store = SqlStore(make_engine(settings.database_url))
    registry = Registry(shipped, source=StoredDefinitions(store))
    service = WorkflowService(store, registry, clock, WorkCalendar(tz=settings.timezone))
    cw = Casework(store, registry, service, clock, sealer_of(settings), settings.timezone)
    yield cw
    cw.close()


@pytest.fixture
def app(ctx: Casework, tmp_path: Path) -> FastAPI:
    return create_app(ctx, uploads_dir=tmp_path / "uploads")


LoginAs = Callable[..., TestClient]


@pytest.fixture
def login_as(app: FastAPI) -> Iterator[LoginAs]:
    """A TestClient signed in as a demo user (its page session cookie set)."""
    clients: list[TestClient] = []

    def make(username: str, **kwargs: Any) -> TestClient:
        client = TestClient(app, **kwargs)
        clients.append(client)
        response = post_login(client, {"username": username, "password": PASSWORDS[username]})
        assert response.status_code == 303, response.text
        return client

    yield make
    for c in clients:
        c.close()


def login_token(client: TestClient) -> str:
    """The login form's CSRF token, as a browser gets it: GET /login (which sets its cookie)."""
    response = client.get("/login")
    assert response.status_code == 200, response.text
    token = response.context["csrf_token"]  # type: ignore[attr-defined]
    assert isinstance(token, str) and token
    assert f'name="csrf_token" value="{token}"' in response.text
    return token


def post_login(client: TestClient, data: dict[str, str], **kwargs: Any) -> Any:
    """POST /login as the form does: the CSRF token fetched first. No redirects followed
    unless asked."""
    kwargs.setdefault("follow_redirects", False)
    return client.post("/login", data={**data, "csrf_token": login_token(client)}, **kwargs)


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token a page's forms carry."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    token = response.context["csrf_token"]  # type: ignore[attr-defined]
    assert isinstance(token, str) and token
    # Every form must really carry it (a macro imported without context would send "").
    sent = re.findall(r'name="csrf_token" value="([^"]*)"', response.text)
    assert sent and set(sent) == {token}, sent
    return token


def template_of(response: Any) -> str:
    """The name of the template a page was rendered from (Starlette's TestClient keeps it)."""
    name: str = response.template.name
    return name


def context_of(response: Any) -> dict[str, Any]:
    """The context a page was rendered with."""
    return dict(response.context)
