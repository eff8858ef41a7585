"""Security headers: pages run only their own scripts and cannot be framed; the API allows
nothing a browser could run."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import World, page_login

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_hardened(headers: Mapping[str, str]) -> dict[str, list[str]]:
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-frame-options"] == "DENY"
    assert lowered["x-content-type-options"] == "nosniff"
    assert lowered["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    policy = directives(lowered["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    return policy


def test_pages_run_only_their_own_scripts(world: World) -> None:
    page_login(world.client, "mediator")
    for path in ("/login", "/workroom", "/static/js/countdown.js", "/no-such-page"):
        r = world.client.get(path)
        policy = assert_hardened(r.headers)
        assert policy["script-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]


def test_api_answers_allow_nothing(world: World) -> None:
    answers = [
        world.client.get("/api/cases", headers=world.h("mediator")),
        world.client.get("/api/cases/999", headers=world.h("mediator")),
        world.client.get("/api/cases"),  # 401
        world.client.get("/api/openapi.json"),
    ]
    for r in answers:
        assert assert_hardened(r.headers)["default-src"] == ["'none'"], r.request.url


def test_an_unexpected_error_carries_the_headers_too(world: World) -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    app = create_app(world.ctx, uploads_dir=world.settings.uploads_dir)
    app.add_api_route("/api/fail", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/fail")
    assert r.status_code == 500
    assert_hardened(r.headers)


def test_a_too_large_body_carries_the_headers_too(world: World) -> None:
    with TestClient(
        create_app(world.ctx, uploads_dir=world.settings.uploads_dir, api_max_body=100)
    ) as client:
        r = client.post("/api/cases", content=b"x" * 1000, headers=world.h("mediator"))
    assert r.status_code == 413
    assert_hardened(r.headers)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_have_no_inline_script(template: Path) -> None:
    """An inline script or event handler would be blocked by the policy: none may exist."""
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", text)
    assert "javascript:" not in text
