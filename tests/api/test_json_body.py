"""JSON bodies are parsed within bounds: non-finite numbers, integers no column can hold,
objects with too many keys and bodies nested too deeply are 422 problems, found while parsing."""

from __future__ import annotations

import json

import pytest

from api.json_body import MAX_KEYS, loads
from tests.api.conftest import MEDIATION_INTAKE, World


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param('{"x": NaN}', "NaN", id="nan"),
        pytest.param('{"x": Infinity}', "Infinity", id="infinity"),
        pytest.param('{"x": -Infinity}', "-Infinity", id="minus-infinity"),
        pytest.param('{"x": 1e999}', "finite", id="overflowing-float"),
        pytest.param('{"x": ' + "9" * 4300 + "}", "64 bits", id="4300-digit-int"),
        pytest.param('{"x": 9223372036854775808}', "64 bits", id="int64-plus-one"),
        pytest.param('{"x": ' + "9" * 5000 + "}", "64 bits", id="5000-digit-int"),
        pytest.param("[" * 100_000 + "]" * 100_000, "nested", id="deep"),
        pytest.param(json.dumps({f"k{i}": i for i in range(MAX_KEYS + 1)}), "keys", id="keys"),
    ],
)
def test_out_of_bounds_bodies_are_json_errors(body: str, says: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=says):
        loads(body)


def test_bodies_within_bounds_parse_as_json_does() -> None:
    body = json.dumps({"a": [1, -2.5, 9223372036854775807, -9223372036854775808], "b": {"c": None}})
    assert loads(body) == json.loads(body)
    assert loads(json.dumps({f"k{i}": i for i in range(MAX_KEYS)}))["k0"] == 0


def test_the_api_answers_422_for_a_non_finite_number(world: World) -> None:
    body = json.dumps({"workflow": "mediation", "data": MEDIATION_INTAKE})
    body = body.replace('"notice_given": true', '"notice_given": true, "x": NaN')
    r = world.client.post(
        "/api/cases",
        content=body,
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_fifty_thousand_unknown_keys_are_refused_while_parsing(world: World) -> None:
    data = {**MEDIATION_INTAKE, **{f"k{i}": i for i in range(50_000)}}
    r = world.client.post(
        "/api/cases",
        content=json.dumps({"workflow": "mediation", "data": data}),
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 422
    assert len(r.content) < 2_000  # one error, not fifty thousand
