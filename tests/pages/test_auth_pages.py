"""Logging in and out, the landing redirect, the language switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import SESSION_COOKIE
from api.pages.auth_pages import LOGIN_CSRF_COOKIE, safe_next
from engine.clock import ManualClock
from tests.pages.conftest import (
    PASSWORDS,
    LoginAs,
    context_of,
    csrf_of,
    login_token,
    post_login,
    template_of,
)


def test_login_page(app: FastAPI) -> None:
    response = TestClient(app).get("/login?next=/workroom")
    assert template_of(response) == "auth/login.html"
    assert context_of(response)["next"] == "/workroom"
    assert context_of(response)["lang"] == "zh"


def test_a_page_without_a_session_redirects_to_login(app: FastAPI) -> None:
    response = TestClient(app).get("/workroom?view=overdue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/workroom%3Fview%3Doverdue"


def test_wrong_password_shows_the_form_again_with_the_user_name(app: FastAPI) -> None:
    client = TestClient(app)
    response = post_login(client, {"username": "mediator", "password": "nope", "next": "/workroom"})
    assert response.status_code == 401
    assert template_of(response) == "auth/login.html"
    assert context_of(response)["error_key"] == "login.failed"
    assert context_of(response)["username"] == "mediator"


def test_the_login_form_carries_a_token_in_a_cookie_and_a_field(app: FastAPI) -> None:
    client = TestClient(app)
    page = client.get("/login")
    token = context_of(page)["csrf_token"]
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{LOGIN_CSRF_COOKIE}={token};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/login" in cookie
    assert f'name="csrf_token" value="{token}"' in page.text
    assert login_token(client) == token  # the same token while the cookie lasts: tabs agree


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("no-token", id="no-token"),
        pytest.param("no-cookie", id="no-cookie"),
        pytest.param("other-token", id="other-token"),
    ],
)
def test_a_login_without_the_form_token_is_refused(app: FastAPI, how: str) -> None:
    """Login CSRF: another site's form posting the attacker's credentials signs nobody in."""
    client = TestClient(app)
    data = {"username": "mediator", "password": PASSWORDS["mediator"]}
    if how == "no-token":
        login_token(client)
    elif how == "no-cookie":
        data["csrf_token"] = TestClient(app).get("/login").context["csrf_token"]  # type: ignore[attr-defined]
    else:
        login_token(client)
        data["csrf_token"] = TestClient(app).get("/login").context["csrf_token"]  # type: ignore[attr-defined]
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert template_of(response) == "errors/error.html"
    assert context_of(response)["message"] == context_of(response)["t"]("error.csrf")
    assert SESSION_COOKIE not in client.cookies


def test_failures_make_the_next_login_wait_then_the_right_password_works(
    app: FastAPI, clock: ManualClock
) -> None:
    client = TestClient(app)
    for _ in range(5):
        post_login(client, {"username": "mediator", "password": "nope"})
    right = {"username": "mediator", "password": PASSWORDS["mediator"]}
    response = post_login(client, right)
    assert response.status_code == 429
    assert context_of(response)["error_key"] == "login.locked"
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 4  # two failures past the free three: 2**2 seconds after the last
    clock.advance(timedelta(seconds=wait))
    assert post_login(client, right).status_code == 303


@pytest.mark.parametrize(
    ("username", "home"),
    [
        pytest.param("mediator", "/workroom", id="mediator"),
        pytest.param("handler", "/workroom", id="handler"),
        pytest.param("grid_member", "/grid/reports", id="grid-member"),
        pytest.param("supervisor", "/supervisor/definitions", id="supervisor"),
    ],
)
def test_login_lands_on_the_role_home(app: FastAPI, username: str, home: str) -> None:
    client = TestClient(app)
    response = post_login(client, {"username": username, "password": PASSWORDS[username]})
    assert response.status_code == 303
    assert response.headers["location"] == home
    assert client.get("/", follow_redirects=False).headers["location"] == home


def test_login_follows_next_but_only_on_this_site(app: FastAPI) -> None:
    client = TestClient(app)
    data = {"username": "mediator", "password": PASSWORDS["mediator"]}
    ok = post_login(client, {**data, "next": "/cases/3"})
    assert ok.headers["location"] == "/cases/3"
    evil = post_login(client, {**data, "next": "//evil.example"})
    assert evil.headers["location"] == "/workroom"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("/cases/1", "/cases/1", id="path"),
        pytest.param("//evil.example/x", "/", id="protocol-relative"),
        pytest.param("https://evil.example", "/", id="absolute"),
        pytest.param("/\\evil.example", "/", id="backslash"),
        pytest.param("", "/", id="empty"),
    ],
)
def test_safe_next(target: str, expected: str) -> None:
    assert safe_next(target) == expected


def test_logout_needs_the_form_token_and_ends_the_session(login_as: LoginAs) -> None:
    client = login_as("mediator")
    refused = client.post("/logout", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert template_of(refused) == "errors/error.html"
    token = csrf_of(client, "/workroom")
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.headers["location"] == "/login"
    assert client.get("/workroom", follow_redirects=False).status_code == 303


def test_language_switch_sets_a_cookie_and_pages_follow_it(login_as: LoginAs) -> None:
    client = login_as("mediator")
    switched = client.get("/lang/en?next=/workroom", follow_redirects=False)
    assert switched.headers["location"] == "/workroom"
    assert "lang=en" in switched.headers["set-cookie"]
    page = client.get("/workroom")
    assert context_of(page)["lang"] == "en"
    assert "Mediation workroom" in page.text
    assert context_of(client.get("/workroom?lang=zh"))["lang"] == "zh"
