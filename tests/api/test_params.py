"""Parameters a route reads itself: validated, reported and documented as FastAPI does."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import Field

from api.params import Param, ParamSet
from api.problems import install
from tests.api.conftest import World

PARAMS = ParamSet(
    Param("item_id", "path", Annotated[int, Field(ge=1, le=99)], "Item id"),
    Param("name", "path", Annotated[str, Field(max_length=5)]),
    Param("X-Key", "header", Annotated[str, Field(max_length=4)], "A key", required=False),
    Param("X-Need", "header", str),
)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install(app)

    @app.get("/items/{item_id}/{name}", openapi_extra=PARAMS.openapi())
    async def item(request: Request) -> dict[str, object]:
        item_id, name, key, need = PARAMS.read(request)
        return {"item_id": item_id, "name": name, "key": key, "need": need}

    return TestClient(app)


def test_values_are_read_and_converted(client: TestClient) -> None:
    r = client.get("/items/7/ab", headers={"X-Need": "n"})
    assert r.json() == {"item_id": 7, "name": "ab", "key": None, "need": "n"}
    r = client.get("/items/7/ab", headers={"x-key": "k", "X-Need": "n"})
    assert r.json()["key"] == "k"  # header names are case-insensitive


def test_every_bad_parameter_is_one_field_error_of_one_422(client: TestClient) -> None:
    r = client.get("/items/0/toolong", headers={"X-Key": "12345"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    errors = {e["pointer"]: e["detail"] for e in r.json()["errors"]}
    assert set(errors) == {"path:item_id", "path:name", "header:X-Key", "header:X-Need"}
    assert "greater than or equal to 1" in errors["path:item_id"]
    assert errors["header:X-Need"] == "Field required"
    r = client.get("/items/x/ab", headers={"X-Need": "n"})
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["path:item_id"]


def test_the_openapi_parameters_are_declared_as_fastapi_declares_its_own(
    client: TestClient,
) -> None:
    op = client.get("/openapi.json").json()["paths"]["/items/{item_id}/{name}"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["item_id"] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": 99,
            "title": "Item Id",
            "description": "Item id",
        },
        "description": "Item id",
    }
    assert params["X-Key"]["in"] == "header"
    assert params["X-Key"]["required"] is False
    assert params["X-Key"]["schema"]["maxLength"] == 4


def test_the_firing_route_declares_its_parameters(world: World) -> None:
    op = world.client.get("/api/openapi.json").json()["paths"][
        "/api/cases/{case_id}/actions/{action}"
    ]["post"]
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
        ("case_id", "path", True),
        ("action", "path", True),
        ("Idempotency-Key", "header", False),
    ]
    r = world.client.post(
        "/api/cases/1/actions/register",
        json={"expected_version": 1},
        headers={**world.h("mediator"), "Idempotency-Key": "k" * 101},
    )
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["header:Idempotency-Key"]
