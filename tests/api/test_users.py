"""/api/users and POST /api/me/password: managing users over HTTP, the refusals as problem
documents, and a deactivated user's tokens failing in every process within the stated time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.caches import REVOCATION_S
from engine.store import users as user_store
from tests.api.conftest import PASSWORD, World, WorldTemplate, open_world
from tests.conftest import copy_sqlite

NEW_PASSWORD = "a brand new passphrase"


def _create(w: World, by: str = "admin", **body: Any) -> Any:
    payload = {"username": "li.ming", "role": "mediator", "unit": "union", "password": PASSWORD}
    payload.update(body)
    return w.client.post("/api/users", json=payload, headers=w.h(by))


def _login(w: World, username: str, password: str) -> Any:
    return w.client.post("/api/auth/login", json={"username": username, "password": password})


def _id(w: World, username: str) -> int:
    rec = w.user(username)
    assert rec is not None
    return rec.id


def test_an_admin_manages_a_user_end_to_end(any_world: World) -> None:
    w = any_world
    r = _create(w, display_name="李明")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["username"] == "li.ming" and body["has_password"] and body["active"]
    assert "password" not in body and "password_hash" not in body
    uid = body["id"]
    assert w.client.get(f"/api/users/{uid}", headers=w.h("admin")).json()["unit"] == "union"
    listed = w.client.get("/api/users", params={"unit": "union"}, headers=w.h("admin")).json()
    assert "li.ming" in [u["username"] for u in listed]

    token = _login(w, "li.ming", PASSWORD).json()["token"]
    me = {"Authorization": f"Bearer {token}"}
    assert w.client.get("/api/me", headers=me).status_code == 200

    r = w.client.patch(f"/api/users/{uid}", json={"role": "org_admin"}, headers=w.h("admin"))
    assert (r.status_code, r.json()["role"], r.json()["unit"]) == (200, "org_admin", "union")
    assert w.client.get("/api/me", headers=me).json()["role"] == "org_admin"

    r = w.client.post(f"/api/users/{uid}/deactivate", headers=w.h("admin"))
    assert r.status_code == 200 and not r.json()["active"]
    assert w.client.get("/api/me", headers=me).status_code == 401
    assert _login(w, "li.ming", PASSWORD).status_code == 401

    r = w.client.post(f"/api/users/{uid}/reactivate", headers=w.h("admin"))
    assert r.json()["active"]
    assert w.client.get("/api/me", headers=me).status_code == 401  # revoked for good

    r = w.client.post(
        f"/api/users/{uid}/reset-password", json={"password": NEW_PASSWORD}, headers=w.h("admin")
    )
    assert r.status_code == 200
    assert _login(w, "li.ming", PASSWORD).status_code == 401
    assert _login(w, "li.ming", NEW_PASSWORD).status_code == 200


def test_the_refusals_are_problems_that_write_nothing(world: World) -> None:
    w = world
    before = len(w.client.get("/api/users", headers=w.h("admin")).json())

    def problem(r: Any, status: int) -> dict[str, Any]:
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = r.json()
        return body

    assert problem(_create(w, role="wizard"), 422)["errors"][0]["pointer"] == "#/role"
    assert problem(_create(w, unit="mars"), 422)["type"] == "/problems/unknown-unit"
    short = problem(_create(w, password="short"), 422)
    assert short["errors"][0]["pointer"] == "#/password"
    assert "10 characters" in short["errors"][0]["detail"]
    no_unit = problem(_create(w, unit=None), 422)
    assert no_unit["type"] == "/problems/invalid-user"
    assert no_unit["errors"] == [{"pointer": "#/unit", "detail": "a mediator needs a unit"}]
    assert problem(_create(w, username="li ming"), 422)["errors"][0]["pointer"] == "#/username"
    assert problem(_create(w, username="mediator"), 409)["type"] == "/problems/user-exists"
    # an organisation admin of the union, reaching out of it or above its role
    assert problem(_create(w, "org_admin", unit="women"), 403)["type"] == "/problems/forbidden"
    granted = problem(_create(w, "org_admin", role="admin"), 403)
    assert granted["type"] == "/problems/role-not-grantable"
    assert problem(_create(w, "mediator"), 403)["type"] == "/problems/forbidden"
    women = _id(w, "mediator_women")
    r = w.client.get(f"/api/users/{women}", headers=w.h("org_admin"))
    assert problem(r, 404)["detail"] == "no such user"
    r = w.client.post(f"/api/users/{women}/deactivate", headers=w.h("org_admin"))
    problem(r, 404)
    assert len(w.client.get("/api/users", headers=w.h("admin")).json()) == before


def test_the_last_active_admin_stays(world: World) -> None:
    w = world
    west = _id(w, "admin_west")
    assert w.client.post(f"/api/users/{west}/deactivate", headers=w.h("admin")).status_code == 200
    me = _id(w, "admin")
    r = w.client.post(f"/api/users/{me}/deactivate", headers=w.h("admin"))
    assert r.status_code == 409 and r.json()["type"] == "/problems/last-admin"
    r = w.client.patch(f"/api/users/{me}", json={"role": "supervisor"}, headers=w.h("admin"))
    assert r.status_code == 409
    assert w.client.get("/api/me", headers=w.h("admin")).json()["role"] == "admin"


def test_an_org_admin_lists_its_organisation_only(world: World) -> None:
    listed = world.client.get("/api/users", headers=world.h("org_admin")).json()
    assert {u["unit"] for u in listed} == {"union"}
    assert {u["role"] for u in listed} <= {"mediator", "org_admin", "handler", "grid_member"}
    r = _create(world, "org_admin", username="u.new")
    assert r.status_code == 201 and r.json()["unit"] == "union"


def test_unlock_lets_a_throttled_user_log_in_at_once(world: World) -> None:
    w = world
    for _ in range(6):
        _login(w, "mediator", "wrong password!")
    assert _login(w, "mediator", PASSWORD).status_code == 429
    r = w.client.post(f"/api/users/{_id(w, 'mediator')}/unlock", headers=w.h("admin"))
    assert r.status_code == 200 and r.json()["username"] == "mediator"
    assert r.json()["forgotten_attempts"] > 0
    assert _login(w, "mediator", PASSWORD).status_code == 200


def test_changing_my_password_needs_the_current_one_and_ends_my_other_tokens(
    world: World,
) -> None:
    w = world
    other = _login(w, "mediator", PASSWORD).json()["token"]
    r = w.client.post(
        "/api/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=w.h("mediator"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/current_password"
    r = w.client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=w.h("mediator"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/new_password"
    r = w.client.post(
        "/api/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=w.h("mediator"),
    )
    assert r.status_code == 204
    assert w.client.get("/api/me", headers=w.h("mediator")).status_code == 200
    assert w.client.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert _login(w, "mediator", PASSWORD).status_code == 401
    assert _login(w, "mediator", NEW_PASSWORD).status_code == 200


def test_an_imported_user_without_a_password_logs_in_after_a_reset(world: World) -> None:
    w = world
    with w.ctx.store.transaction() as tx:
        uid = user_store.insert_user(
            tx,
            username="imported",
            password_hash="",
            display_name="",
            role="mediator",
            unit="union",
            lang="zh",
            at=w.clock.now(),
        )
    for typed in ("", "fengqiao: no such user", PASSWORD):
        if typed:
            assert _login(w, "imported", typed).status_code == 401
    got = w.client.get(f"/api/users/{uid}", headers=w.h("admin")).json()
    assert got["has_password"] is False
    r = w.client.post(
        f"/api/users/{uid}/reset-password", json={"password": NEW_PASSWORD}, headers=w.h("admin")
    )
    assert r.json()["has_password"] is True
    assert _login(w, "imported", NEW_PASSWORD).status_code == 200


def test_the_operations_are_in_openapi(world: World) -> None:
    paths = world.client.get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/users"])
    assert {"get", "patch"} <= set(paths["/api/users/{user_id}"])
    for action in ("deactivate", "reactivate", "reset-password", "unlock"):
        assert "post" in paths[f"/api/users/{{user_id}}/{action}"]
    assert "post" in paths["/api/me/password"]


@pytest.fixture
def two_apps(tmp_path: Path, sqlite_world: WorldTemplate) -> Iterator[tuple[World, World]]:
    """Two API processes (each its own app, caches and clock) on one database."""
    path = tmp_path / "api.db"
    copy_sqlite(Path(sqlite_world.database), path)
    a, ctx_a = open_world(f"sqlite:///{path}", sqlite_world)
    b, ctx_b = open_world(f"sqlite:///{path}", sqlite_world)
    with a.client, b.client:
        yield a, b
    ctx_a.close()
    ctx_b.close()


def test_a_deactivated_users_token_fails_in_every_process_within_the_cache_time(
    two_apps: tuple[World, World],
) -> None:
    a, b = two_apps
    token = _login(a, "mediator", PASSWORD).json()["token"]
    me = {"Authorization": f"Bearer {token}"}
    assert b.client.get("/api/me", headers=me).status_code == 200  # B caches the token now
    r = a.client.post(f"/api/users/{_id(a, 'mediator')}/deactivate", headers=a.h("admin"))
    assert r.status_code == 200
    assert a.client.get("/api/me", headers=me).status_code == 401  # at once where it was made
    b.clock.advance(timedelta(seconds=REVOCATION_S - 1))
    assert b.client.get("/api/me", headers=me).status_code == 200  # B's cache, for a while
    b.clock.advance(timedelta(seconds=1))
    assert b.client.get("/api/me", headers=me).status_code == 401  # and never after


def test_a_reset_password_ends_the_users_sessions_in_another_process_too(
    two_apps: tuple[World, World],
) -> None:
    a, b = two_apps
    me = b.h("handler")
    assert b.client.get("/api/me", headers=me).status_code == 200
    r = a.client.post(
        f"/api/users/{_id(a, 'handler')}/reset-password",
        json={"password": NEW_PASSWORD},
        headers=a.h("admin"),
    )
    assert r.status_code == 200
    b.clock.advance(timedelta(seconds=REVOCATION_S))
    assert b.client.get("/api/me", headers=me).status_code == 401
