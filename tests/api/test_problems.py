"""One error format: RFC 9457 problem details with field paths; size limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import World


def test_unknown_route_is_a_problem(world: World) -> None:
    r = world.client.get("/api/nothing-here", headers=world.h("mediator"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/api/nothing-here",
    }


def test_validation_errors_name_field_paths(world: World) -> None:
    r = world.client.post(
        "/api/cases/1/actions/register",
        json={"expected_version": 0, "data": [], "extra": 1},
        headers=world.h("mediator"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/validation"
    assert {e["pointer"] for e in body["errors"]} == {
        "#/expected_version",
        "#/data",
        "#/extra",
    }


def test_query_errors_name_the_parameter(world: World) -> None:
    r = world.client.get("/api/cases?limit=0", headers=world.h("mediator"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "query:limit"


def test_malformed_json_is_a_problem(world: World) -> None:
    r = world.client.post(
        "/api/cases",
        content=b"{not json",
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


@pytest.fixture
def small(world: World) -> Iterator[TestClient]:
    app = create_app(
        world.ctx, uploads_dir=world.settings.uploads_dir, api_max_body=2048, page_max_body=4096
    )
    with TestClient(app) as client:
        yield client


def test_a_body_over_the_limit_is_413(world: World, small: TestClient) -> None:
    big = {"workflow": "mediation", "data": {"description": "x" * 5000}}
    r = small.post("/api/cases", json=big, headers=world.h("mediator"))
    assert r.status_code == 413
    assert r.json()["type"] == "/problems/too-large"
    assert world.client.get("/api/cases", headers=world.h("mediator")).json()["total"] == 0


def test_a_streamed_body_over_the_limit_is_413(world: World, small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"workflow": "mediation", "data": {"description": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    r = small.post(
        "/api/cases",
        content=chunks(),
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


def test_pages_get_a_larger_limit(world: World, small: TestClient) -> None:
    r = small.post("/no-such-page", content=b"x" * 3000)
    assert r.status_code != 413
    r = small.post("/no-such-page", content=b"x" * 5000)
    assert r.status_code == 413
