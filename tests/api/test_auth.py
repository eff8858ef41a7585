"""Logging in: argon2 passwords, bearer tokens, page sessions with CSRF, growing waits after
failures, a bounded number of password hashes at once, expired tokens purged."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    PageUser,
    hash_password,
    login_page_session,
    require_csrf,
    set_session_cookie,
    verify_password,
)
from api.hash_gate import GATE, HashGate
from api.problems import ProblemError
from engine.login_throttle import POLICY
from engine.store import audit
from engine.store.login_attempts import attempts
from engine.store.users import drop_expired_tokens, tokens
from tests.api.conftest import PASSWORD, World


def login(w: World, username: str, password: str) -> tuple[int, dict[str, Any]]:
    r = w.client.post("/api/auth/login", json={"username": username, "password": password})
    return r.status_code, r.json()


def login_from(w: World, address: str, username: str, password: str) -> Any:
    """A login from another client address."""
    client = TestClient(w.client.app, client=(address, 40000))
    return client.post("/api/auth/login", json={"username": username, "password": password})


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


def test_failures_make_the_next_attempt_wait_longer_and_the_right_password_works_after(
    world: World,
) -> None:
    free = POLICY.pair.free
    for _ in range(free):
        assert login(world, "mediator", "wrong")[0] == 401
    r = world.client.post("/api/auth/login", json={"username": "mediator", "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "1"
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["retry_after"] == 1
    # A refused attempt is not a failure: it neither counts nor moves the wait.
    assert login(world, "mediator", PASSWORD)[0] == 429
    assert login(world, "org_admin", PASSWORD)[0] == 200  # other users do not wait
    world.clock.advance(timedelta(seconds=1))
    assert login(world, "mediator", "wrong")[0] == 401
    r = world.client.post("/api/auth/login", json={"username": "mediator", "password": PASSWORD})
    assert (r.status_code, r.headers["Retry-After"]) == (429, "2")  # the wait doubles
    world.clock.advance(timedelta(seconds=2))
    assert login(world, "mediator", PASSWORD)[0] == 200  # no lockout of the right password
    # The success forgets this address's failures for the account.
    assert login(world, "mediator", "wrong")[0] == 401
    assert login(world, "mediator", "wrong")[0] == 401


def test_the_throttle_counts_in_the_database_on_sqlite_and_postgresql(any_world: World) -> None:
    for _ in range(POLICY.pair.free):
        assert login(any_world, "mediator", "wrong")[0] == 401
    assert login(any_world, "mediator", PASSWORD)[0] == 429
    any_world.clock.advance(timedelta(seconds=1))
    assert login(any_world, "mediator", PASSWORD)[0] == 200
    assert login(any_world, "nobody", "wrong")[0] == 401
    assert attempts_stored(any_world) == 1  # the success forgot mediator's failures
    any_world.clock.advance(POLICY.window)
    assert login(any_world, "org_admin", PASSWORD)[0] == 200
    assert attempts_stored(any_world) == 0  # failures older than the window are purged


def attempts_stored(w: World) -> int:
    with w.ctx.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(attempts)).scalar_one())


def test_an_attackers_failures_delay_the_owner_elsewhere_by_seconds_only(world: World) -> None:
    """Many addresses guessing one account: the owner, typing from elsewhere, waits at most
    the account rule's small cap, and then logs in."""
    statuses = [
        login_from(world, f"203.0.113.{i}", "mediator", "guess").status_code
        for i in range(12)
        for _ in range(POLICY.pair.free)
    ]
    assert set(statuses) == {401, 429}  # the account rule slowed the guessers too
    assert statuses.count(401) == POLICY.account.free
    owner = login_from(world, "198.51.100.7", "mediator", PASSWORD)
    assert owner.status_code == 429
    wait = int(owner.headers["Retry-After"])
    assert 1 <= wait <= POLICY.account.cap.total_seconds()
    world.clock.advance(timedelta(seconds=wait))
    assert login_from(world, "198.51.100.7", "mediator", PASSWORD).status_code == 200


def test_one_address_trying_many_user_names_is_slowed(world: World) -> None:
    for i in range(POLICY.address.free):
        assert login(world, f"name{i}", "guess")[0] == 401
    assert login(world, "another-name", "guess")[0] == 429
    assert login_from(world, "198.51.100.7", "mediator", PASSWORD).status_code == 200
    world.clock.advance(timedelta(seconds=1))
    assert login(world, "another-name", "guess")[0] == 401


def test_concurrent_logins_never_hash_more_than_the_gate_allows(world: World) -> None:
    """Memory: argon2 takes 19 MiB a check, so the number at once is what must be bounded."""
    GATE.reset_counts()
    n = 12
    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(lambda i: login(world, f"nobody{i}", "wrong")[0], range(n)))
    assert set(statuses) <= {401, 503}
    assert GATE.entered == statuses.count(401) >= 1
    assert 1 <= GATE.peak <= GATE.slots == 2
    assert GATE.active == 0


def test_a_full_gate_makes_others_wait_then_answers_503() -> None:
    gate = HashGate(slots=2, wait_seconds=0)
    inside = threading.Barrier(3)
    leave = threading.Event()
    threads: set[str] = set()

    def hash_slowly() -> str:
        threads.add(threading.current_thread().name)
        inside.wait(timeout=30)
        leave.wait(timeout=30)
        return "hashed"

    with ThreadPoolExecutor(max_workers=2) as callers:
        held = [callers.submit(gate.run, hash_slowly) for _ in range(2)]
        inside.wait(timeout=30)
        assert (gate.active, gate.peak) == (2, 2)
        with pytest.raises(ProblemError) as refused:
            gate.run(str, "never run")
        assert refused.value.status == 503
        assert refused.value.headers["Retry-After"] == "1"
        leave.set()
        assert [f.result() for f in held] == ["hashed", "hashed"]
    assert gate.run(lambda: gate.active) == 1
    assert (gate.active, gate.peak, gate.entered) == (0, 2, 3)
    # The hashes ran on the gate's own threads, not the callers'.
    assert all(name.startswith("password-hash") for name in threads)


def test_when_the_queue_is_full_a_login_is_refused_at_once() -> None:
    """Waiting logins hold server threads: only `queue` of them may wait."""
    gate = HashGate(slots=1, wait_seconds=600, queue=1)
    inside = threading.Event()
    leave = threading.Event()

    def hold() -> str:
        inside.set()
        leave.wait(timeout=30)
        return "first"

    with ThreadPoolExecutor(max_workers=2) as callers:
        first = callers.submit(gate.run, hold)
        assert inside.wait(timeout=30)
        second = callers.submit(gate.run, str, "second")
        for _ in range(30_000):  # until the second caller is queued (a condition, not a time)
            if gate.waiting == 1:
                break
            leave.wait(timeout=0.001)
        assert gate.waiting == 1
        with pytest.raises(ProblemError) as refused:
            gate.run(str, "third")  # would wait 600 s if the queue were not bounded
        assert refused.value.status == 503
        leave.set()
        assert (first.result(), second.result()) == ("first", "second")
    assert (gate.entered, gate.waiting) == (2, 0)


def test_a_login_purges_expired_tokens(world: World) -> None:
    def count() -> int:
        with world.ctx.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tokens)).scalar_one())

    before = count()  # the world's own tokens
    for _ in range(3):
        assert login(world, "mediator", PASSWORD)[0] == 200
    assert count() == before + 3
    world.clock.advance(timedelta(hours=12, seconds=1))
    assert login(world, "mediator", PASSWORD)[0] == 200
    assert count() == 1  # every earlier token had expired: only the new one is left


def test_purging_expired_tokens_is_bounded(world: World) -> None:
    for _ in range(5):
        assert login(world, "mediator", PASSWORD)[0] == 200
    later = world.clock.now() + timedelta(hours=13)
    with world.ctx.store.transaction() as tx:
        expired = drop_expired_tokens(tx, later, limit=2)
    assert expired == 2
    with world.ctx.store.transaction() as tx:
        assert drop_expired_tokens(tx, later) >= 3
    with world.ctx.store.transaction() as tx:
        assert drop_expired_tokens(tx, later) == 0


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
    for _ in range(POLICY.pair.free):
        login(world, "mediator", "wrong")
    client = page_app(world)
    assert client.post("/login-test").status_code == 429
