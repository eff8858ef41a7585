"""Routing an outside request: by its point (the smallest box holding it), else by its
address words, to a grid in service; its organisation by the service's route of the nearest
area, else the organisation nearest up the tree."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from engine.routing import (
    GridArea,
    Router,
    area_problem,
    coordinate_problem,
    organisation_for,
    route,
)
from engine.units import UnitRecord, UnitTree

TREE = UnitTree.build(
    [
        UnitRecord("d1", "东城区", "East", "district"),
        UnitRecord("women", "区妇联", "Women", "organisation", "d1"),
        UnitRecord("union", "区总工会", "Union", "organisation", "d1"),
        UnitRecord("s1", "和平街道", "Heping", "street", "d1"),
        UnitRecord("cm1", "和平里一社区", "Hepingli 1", "community", "s1"),
        UnitRecord("g1", "第1网格", "Grid 1", "grid", "cm1"),
        UnitRecord("g2", "第2网格", "Grid 2", "grid", "cm1"),
        UnitRecord("g3", "旧网格", "Old grid", "grid", "cm1", datetime(2026, 1, 1, tzinfo=UTC)),
    ]
)
AREAS = {
    "g1": GridArea("g1", 39.0, 116.0, 40.0, 117.0, ("和平里东街",)),
    "g2": GridArea("g2", 39.4, 116.4, 39.6, 116.6, ("和平里东街3号",)),
    "g3": GridArea("g3", 39.45, 116.45, 39.55, 116.55),
}


def grid_at(lat: float, long: float) -> str | None:
    found = route(AREAS, TREE, lat=lat, long=long, address=None)
    return found.grid_unit if found else None


def test_a_point_goes_to_the_smallest_box_in_service_holding_it() -> None:
    assert grid_at(39.5, 116.5) == "g2"  # g3 is smaller, but retired
    assert grid_at(39.1, 116.1) == "g1"
    assert grid_at(10.0, 10.0) is None


def test_an_address_goes_to_the_grid_of_its_longest_word_or_name() -> None:
    found = route(AREAS, TREE, lat=None, long=None, address="北京市和平里东街3号楼2单元")
    assert found is not None and found.grid_unit == "g2"
    by_name = route(AREAS, TREE, lat=None, long=None, address="和平里一社区第1网格旁")
    assert by_name is not None and by_name.grid_unit == "g1"
    assert route(AREAS, TREE, lat=None, long=None, address="别处") is None
    # A point outside every box falls back to the address.
    both = route(AREAS, TREE, lat=10.0, long=10.0, address="和平里东街")
    assert both is not None and both.grid_unit == "g1"


def test_the_organisation_is_the_services_route_else_the_nearest() -> None:
    assert organisation_for(TREE, "g1") == "union"  # under the district, the first by code
    assert organisation_for(TREE, "g1", {"d1": "women"}) == "women"
    assert organisation_for(TREE, "g1", {"s1": "women", "d1": "union"}) == "women"
    found = route(AREAS, TREE, lat=39.5, long=116.5, address=None, routes={"cm1": "women"})
    assert found is not None and found.org_unit == "women"


def test_boxes_and_coordinates_out_of_range_are_refused() -> None:
    assert area_problem(GridArea("g1", 39.0, 116.0, 40.0, 117.0)) is None
    assert area_problem(GridArea("g1", 40.0, 116.0, 39.0, 117.0)) is not None
    assert area_problem(GridArea("g1", -91.0, 116.0, 39.0, 117.0)) is not None
    assert area_problem(GridArea("g1", 39.0, 116.0, 40.0, 181.0)) is not None
    assert area_problem(GridArea("g1", 39.0, 116.0, 40.0, 117.0, ("",))) is not None
    assert coordinate_problem(91.0, 0.0) is not None
    assert coordinate_problem(0.0, -181.0) is not None
    assert coordinate_problem(-90.0, 180.0) is None


def _scanned(areas: dict[str, GridArea], tree: UnitTree, address: str) -> str | None:
    """The address's grid as the router found it before it indexed words by their length:
    every word tried, longest first, then by grid code."""
    words = sorted(
        (
            (word, a.grid_unit)
            for a in areas.values()
            if (u := tree.units.get(a.grid_unit)) is not None and u.kind == "grid" and not u.retired
            for word in (*a.words, u.name_zh)
            if word
        ),
        key=lambda w: (-len(w[0]), w[1]),
    )
    return next((grid for word, grid in words if word in address), None)


def test_an_address_finds_the_grid_the_scan_of_every_word_found() -> None:
    chance = random.Random(15)
    alphabet = "和平里东街路号楼"
    grids = [UnitRecord(f"g{i:02d}", f"第{i}网格", f"Grid {i}", "grid", "cm1") for i in range(40)]
    tree = UnitTree.build([*TREE.units.values(), *grids])
    areas = {
        g.code: GridArea(
            g.code,
            39.0,
            116.0,
            40.0,
            117.0,
            tuple(
                "".join(chance.choices(alphabet, k=chance.randint(1, 5)))
                for _ in range(chance.randint(0, 4))
            ),
        )
        for g in grids
    }
    router = Router(areas, tree)
    for _ in range(2000):
        address = "".join(chance.choices(alphabet + "第1网格", k=chance.randint(0, 12)))
        assert router.grid_by_address(address) == _scanned(areas, tree, address), address
