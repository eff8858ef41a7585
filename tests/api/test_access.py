"""Who sees which case: organisation, hand-off fields, grid tiers, subtrees."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from engine.model import Case
from engine.units import UnitRecord, UnitTree
from engine.visibility import sees, visibility_for
from tests.api.conftest import MEDIATION_INTAKE, PASSWORD, World

TREE = UnitTree.build(
    [
        UnitRecord("city", "市", "City", "city"),
        UnitRecord("district", "区", "District", "district", "city"),
        UnitRecord("street", "街道", "Street", "street", "district"),
        UnitRecord("community", "社区", "Community", "community", "street"),
        UnitRecord("grid", "网格", "Grid", "grid", "community"),
        UnitRecord("grid2", "网格二", "Grid 2", "grid", "community"),
        UnitRecord("union", "工会", "Union", "organisation", "district"),
        UnitRecord("women", "妇联", "Women", "organisation", "district"),
    ]
)
T0 = datetime(2026, 11, 23, tzinfo=UTC)


def case(org: str | None = None, grid: str | None = None, **data: Any) -> Case:
    return Case(1, "w", 1, "s", dict(data), 1, T0, T0, T0, 1, 1, org, grid)


@pytest.mark.parametrize(
    ("role", "unit", "grids", "c", "seen"),
    [
        pytest.param("mediator", "union", (), case("union"), True, id="own-org"),
        pytest.param("mediator", "union", (), case("women"), False, id="other-org"),
        pytest.param(
            "mediator",
            "union",
            (),
            case("women", organisation="union"),
            True,
            id="transferred-to-us",
        ),
        pytest.param(
            "handler",
            "community",
            (),
            case(grid="grid", handling_unit="community"),
            True,
            id="handling-unit",
        ),
        pytest.param(
            "handler", "women", (), case(grid="grid", co_handlers=["women"]), True, id="co-handler"
        ),
        pytest.param("grid_member", None, ("grid",), case(grid="grid"), True, id="own-grid"),
        pytest.param("grid_member", None, ("grid",), case(grid="grid2"), False, id="other-grid"),
        pytest.param(
            "handler", "community", (), case(grid="grid", tier=0), False, id="community-before-call"
        ),
        pytest.param(
            "handler", "community", (), case(grid="grid", tier=1), True, id="community-at-tier-1"
        ),
        pytest.param(
            "handler", "street", (), case(grid="grid", tier=1), False, id="street-at-tier-1"
        ),
        pytest.param(
            "handler", "street", (), case(grid="grid", tier=2), True, id="street-at-tier-2"
        ),
        pytest.param(
            "handler",
            "community",
            (),
            case(grid="grid", tier=4),
            True,
            id="lower-tiers-keep-seeing",
        ),
        pytest.param("handler", "city", (), case(grid="grid", tier=3), False, id="city-at-3"),
        pytest.param("handler", "city", (), case(grid="grid", tier=4), True, id="city-at-4"),
        pytest.param(
            "supervisor", "street", (), case(grid="grid", tier=0), True, id="supervisor-subtree"
        ),
        pytest.param("supervisor", "district", (), case("women"), True, id="district-orgs"),
        pytest.param("org_admin", "union", (), case("women"), False, id="org-admin-own-only"),
        pytest.param("admin", None, (), case("women"), True, id="admin-everything"),
        pytest.param("admin", "street", (), case("women"), False, id="admin-of-a-street"),
        pytest.param("mediator", None, (), case("women"), False, id="no-unit"),
    ],
)
def test_sees(role: str, unit: str | None, grids: tuple[str, ...], c: Case, seen: bool) -> None:
    assert sees(visibility_for(TREE, role, unit, grids), c) is seen


def test_handed_to_units_see_the_case() -> None:
    vis = visibility_for(TREE, "mediator", "women", ())
    assert not sees(vis, case("union"))
    assert sees(vis, case("union"), handed_to=["women"])


def test_tree_walks() -> None:
    assert TREE.ancestors("grid") == ["community", "street", "district", "city"]
    assert TREE.subtree("street") == {"street", "community", "grid", "grid2"}
    assert TREE.label("union", "en") == "Union"
    assert TREE.label("unknown") == "unknown"


# A hidden case and a missing one are answered alike -------------------------------------


def traced_statements(world: World, path: str, username: str) -> list[str]:
    """The SQL statements the SQLite driver runs to answer `path`, numbers masked (ids
    differ; the statements must not). Traced on the driver, so statements the store runs
    on its raw cursor count too."""
    traced: list[str] = []
    engine = world.ctx.store.engine

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(traced.append)

    event.listen(engine, "connect", on_connect)
    engine.dispose()  # the next request connects, traced
    try:
        r = world.client.get(path, headers=world.h(username))
        assert r.status_code == 404
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()
    return [re.sub(r"\b\d+\b", "N", s) for s in traced]


@pytest.mark.parametrize("prefix", ["/api/cases/", "/cases/"])
def test_a_hidden_case_runs_the_same_statements_as_a_missing_one(world: World, prefix: str) -> None:
    """Time would tell a hidden case from a missing one if either ran a statement more."""
    r = world.client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": MEDIATION_INTAKE},
        headers=world.h("mediator"),
    )
    hidden = r.json()["case"]["id"]  # the union's case; the west union's mediator is outside
    if prefix == "/cases/":
        form = world.client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        signed_in = world.client.post(
            "/login",
            data={"username": "mediator_west", "password": PASSWORD, "csrf_token": token[1]},
        )
        assert signed_in.status_code == 200
    missing = hidden + 1000
    traced_statements(world, f"{prefix}{missing}", "mediator_west")  # caches warmed
    for_missing = traced_statements(world, f"{prefix}{missing}", "mediator_west")
    for_hidden = traced_statements(world, f"{prefix}{hidden}", "mediator_west")
    assert for_missing  # the trace sees the statements
    assert for_hidden == for_missing
