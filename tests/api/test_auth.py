"""Logging in: argon2 passwords, bearer tokens, page sessions with CSRF, 429 after failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient

from api.auth import (
    CSRF_HEADER,
    MAX_FAILED_LOGINS,
    SESSION_COOKIE,
    PageUser,
    hash_password,
    login_page_session,
    require_csrf,
    set_session_cookie,
    verify_password,
)
from engine.store import audit
from tests.api.conftest import PASSWORD, World


def login(w: World, username: str, password: str) -> tuple[int, dict[str, Any]]:
    r = w.client.post("/api/auth/login", json={"username": username, "password": password})
    return r.status_code, r.json()


def test_password_hashes_are_argon2_and_salted() -> None:
    a, b = hash_password("secret"), hash_password("secret")
    assert a.startswith("$argon2id$")
    assert a != b
    assert verify_password(a, "secret")
    assert not verify_password(a, "Secret")
    assert not verify_password("not a hash", "secret")


def test_login_gives_a_bearer_token(world: World) -> None:
    status, body = login(world, "mediator", PASSWORD)
    assert status == 200
    assert body["user"] == {
        "id": body["user"]["id"],
        "username": "mediator",
        "display_name": "mediator",
        "role": "mediator",
        "unit": "union",
        "grid_units": [],
        "lang": "zh",
    }
    me = world.client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["username"] == "mediator"


def test_wrong_password_is_401_and_audited(world: World) -> None:
    status, body = login(world, "mediator", "wrong")
    assert status == 401
    assert body["type"] == "/problems/bad-credentials"
    with world.ctx.store.transaction(write=False) as tx:
        entries = audit.entries(tx)
    assert [(e.username, e.action) for e in entries] == [("mediator", "login_failed")]


def test_unknown_user_is_the_same_401(world: World) -> None:
    assert login(world, "nobody", "wrong")[1]["type"] == "/problems/bad-credentials"


def test_repeated_failures_answer_429_until_the_window_passes(world: World) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert login(world, "mediator", "wrong")[0] == 401
    r = world.client.post("/api/auth/login", json={"username": "mediator", "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "900"
    assert r.headers["content-type"] == "application/problem+json"
    assert login(world, "org_admin", PASSWORD)[0] == 200  # other users are not locked
    world.clock.advance(timedelta(minutes=16))
    assert login(world, "mediator", PASSWORD)[0] == 200


def test_no_token_or_a_bad_one_is_401(world: World) -> None:
    assert world.client.get("/api/cases").status_code == 401
    r = world.client.get("/api/cases", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_tokens_expire_after_12_hours(world: World) -> None:
    token = login(world, "mediator", PASSWORD)[1]["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/api/me", headers=h).status_code == 200
    world.clock.advance(timedelta(hours=12, seconds=1))
    assert world.client.get("/api/me", headers=h).status_code == 401


def test_logout_revokes_the_token(world: World) -> None:
    token = login(world, "mediator", PASSWORD)[1]["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert world.client.post("/api/auth/logout", headers=h).status_code == 204
    assert world.client.get("/api/me", headers=h).status_code == 401


def page_app(world: World) -> TestClient:
    """The API plus two small pages using the page dependencies."""
    router = APIRouter()

    @router.post("/login-test")
    def do_login(request: Request, response: Response) -> dict[str, str]:
        session = login_page_session(request, "mediator", PASSWORD)
        set_session_cookie(response, session)
        return {"csrf": session.csrf}

    @router.get("/page")
    def page(user: PageUser) -> dict[str, str]:
        return {"user": user.username}

    @router.post("/form", dependencies=[Depends(require_csrf)])
    def form(user: PageUser) -> dict[str, str]:
        return {"ok": user.username}

    app: FastAPI = world.client.app  # type: ignore[assignment]
    app.include_router(router)
    return TestClient(app, follow_redirects=False)


def test_page_session_cookie_and_csrf(world: World) -> None:
    client = page_app(world)
    r = client.get("/page?tab=mine")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/page%3Ftab%3Dmine"
    r = client.post("/login-test")
    csrf = r.json()["csrf"]
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert client.get("/page").json() == {"user": "mediator"}
    assert client.post("/form", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/form", data={"csrf_token": csrf}).json() == {"ok": "mediator"}
    # The JSON API takes the cookie too; changes need the X-CSRF-Token header.
    assert client.get("/api/me").status_code == 200
    body = {"workflow": "mediation", "data": {}}
    assert client.post("/api/cases", json=body).status_code == 403
    assert client.post("/api/cases", json=body, headers={CSRF_HEADER: csrf}).status_code == 201


def test_a_session_is_not_a_bearer_token(world: World) -> None:
    client = page_app(world)
    client.post("/login-test")
    session = client.cookies[SESSION_COOKIE]
    r = world.client.get("/api/me", headers={"Authorization": f"Bearer {session}"})
    assert r.status_code == 401


def test_page_login_failures_count_too(world: World) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        login(world, "mediator", "wrong")
    client = page_app(world)
    assert client.post("/login-test").status_code == 429
