"""Placing grids and routing services: an administrator of units sets a grid's box and words
and a service's organisation for an area; each is audited; bad ones are refused."""

from __future__ import annotations

import json

import pytest

from engine.casework.context import Casework
from engine.casework.errors import InvalidUnitError, NotPermittedError, UnknownUnitError
from engine.casework.grid_places import (
    GRID_AREA_SET,
    SERVICE_ROUTE_SET,
    grid_areas_of,
    set_grid_area,
    set_service_route,
)
from engine.routing import GridArea
from engine.store import audit
from engine.store.grid_areas import routes_of
from tests.engine.casework.conftest import person

AREA = GridArea("g1", 39.95, 116.40, 39.96, 116.41, ("和平里东街",))


def test_a_grid_is_placed_and_placed_again(cw: Casework) -> None:
    admin = person("admin")
    set_grid_area(cw, admin, AREA)
    moved = GridArea("g1", 39.0, 116.0, 39.5, 116.5)
    set_grid_area(cw, admin, moved)
    assert grid_areas_of(cw) == [moved]
    set_service_route(cw, admin, "mediation.labour", "d1", "union")
    with cw.store.transaction(write=False) as tx:
        assert routes_of(tx, "mediation.labour") == {"d1": "union"}
        actions = [e.action for e in audit.entries(tx, username="admin")]
        reasons = [json.loads(e.reason) for e in audit.entries(tx, username="admin")]
    assert sorted(actions) == sorted([GRID_AREA_SET, GRID_AREA_SET, SERVICE_ROUTE_SET])
    assert {"service": "mediation.labour", "area": "d1", "organisation": "union"} in reasons


def test_bad_places_and_routes_are_refused(cw: Casework) -> None:
    admin = person("admin")
    with pytest.raises(InvalidUnitError):
        set_grid_area(cw, admin, GridArea("g1", 40.0, 116.0, 39.0, 117.0))
    with pytest.raises(UnknownUnitError):
        set_grid_area(cw, admin, GridArea("cm1", 39.0, 116.0, 40.0, 117.0))  # not a grid
    with pytest.raises(NotPermittedError):
        set_grid_area(cw, person("supervisor"), AREA)
    with pytest.raises(InvalidUnitError):
        set_service_route(cw, admin, "mediation.nothing", "d1", "union")
    with pytest.raises(UnknownUnitError):
        set_service_route(cw, admin, "mediation.labour", "d1", "nowhere")
    assert grid_areas_of(cw) == []
