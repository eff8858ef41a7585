"""Routing a request from outside (Open311, a hotline's row) to a grid and an organisation.

Units carry no geometry; a grid's place is a row of `grid_areas` (engine.store.grid_areas,
set with `fengqiao areas set`): a bounding box in WGS-84 degrees and the address words it
covers (road, estate, building names). A request is placed

1. by its point: the grid whose box holds it (the smallest box when several do);
2. else by its address: the grid whose words (or whose Chinese name) the address holds, the
   longest word winning;

and its organisation by its service (a workflow's category) and its place: the route set for
the service at the nearest area up from the grid (`service_routes`: mediation.labour from
d-east → the district's trade union), else the organisation nearest up the tree (the first, by
code, under the grid's community, street, district …). A request placed nowhere is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.units import UnitTree

MIN_LAT, MAX_LAT = -90.0, 90.0
MIN_LONG, MAX_LONG = -180.0, 180.0
MAX_WORDS = 50
MAX_WORD = 64


@dataclass(frozen=True, slots=True)
class GridArea:
    grid_unit: str
    south: float
    west: float
    north: float
    east: float
    words: tuple[str, ...] = field(default=())

    def holds(self, lat: float, long: float) -> bool:
        return self.south <= lat <= self.north and self.west <= long <= self.east

    @property
    def size(self) -> float:
        return (self.north - self.south) * (self.east - self.west)


@dataclass(frozen=True, slots=True)
class Route:
    grid_unit: str
    org_unit: str | None


def area_problem(area: GridArea) -> str | None:
    """Why the area cannot be stored (None: it can)."""
    for name, value, low, high in (
        ("south", area.south, MIN_LAT, MAX_LAT),
        ("north", area.north, MIN_LAT, MAX_LAT),
        ("west", area.west, MIN_LONG, MAX_LONG),
        ("east", area.east, MIN_LONG, MAX_LONG),
    ):
        if not low <= value <= high:
            return f"{name} must lie within {low} and {high}"
    if area.south > area.north or area.west > area.east:
        return "the box's south lies above its north, or its west beyond its east"
    if len(area.words) > MAX_WORDS or any(not w or len(w) > MAX_WORD for w in area.words):
        return f"at most {MAX_WORDS} words of 1 to {MAX_WORD} characters"
    return None


def coordinate_problem(lat: float, long: float) -> str | None:
    if not MIN_LAT <= lat <= MAX_LAT:
        return f"lat must lie within {MIN_LAT} and {MAX_LAT}"
    if not MIN_LONG <= long <= MAX_LONG:
        return f"long must lie within {MIN_LONG} and {MAX_LONG}"
    return None


def grid_at(areas: Iterable[GridArea], lat: float, long: float) -> str | None:
    """The grid whose box holds the point, the smallest when several do."""
    holding = [a for a in areas if a.holds(lat, long)]
    if not holding:
        return None
    return min(holding, key=lambda a: (a.size, a.grid_unit)).grid_unit


def grid_by_address(areas: Iterable[GridArea], tree: UnitTree, address: str) -> str | None:
    """The grid whose address word (or Chinese name) the address holds; the longest wins."""
    best: tuple[int, str] | None = None
    for a in areas:
        unit = tree.units.get(a.grid_unit)
        names = [*a.words, unit.name_zh] if unit is not None else list(a.words)
        for word in names:
            if word and word in address and (best is None or len(word) > best[0]):
                best = (len(word), a.grid_unit)
    return best[1] if best else None


def organisation_for(
    tree: UnitTree, grid: str, routes: Mapping[str, str] | None = None
) -> str | None:
    """The organisation for a request from the grid: the service's route (area → unit) of
    the nearest area up from it, else the organisation nearest up the tree (under its
    community, its street, its district …, the first by code), in service either way."""
    for area in [grid, *tree.ancestors(grid)]:
        routed = (routes or {}).get(area)
        unit = tree.units.get(routed) if routed else None
        if unit is not None and not unit.retired:
            return unit.code
    for area in tree.ancestors(grid):
        for child in tree.children.get(area, ()):
            unit = tree.units[child]
            if unit.kind == "organisation" and not unit.retired:
                return child
    return None


BUCKET = 0.01  # degrees: the cells of the index of boxes
MAX_CELLS = 4096  # a box over more cells is looked at for every point


def _cell(value: float) -> int:
    return math.floor(value / BUCKET)


class Router:
    """The grids in service with their areas, indexed once for many requests (an import):
    boxes by the cells of a 0.01° grid they cover, address words by their length."""

    def __init__(self, areas: Mapping[str, GridArea], tree: UnitTree) -> None:
        self.tree = tree
        live = [
            a
            for a in areas.values()
            if (u := tree.units.get(a.grid_unit)) is not None and u.kind == "grid" and not u.retired
        ]
        self.cells: dict[tuple[int, int], list[GridArea]] = {}
        self.wide: list[GridArea] = []
        for a in live:
            rows = range(_cell(a.south), _cell(a.north) + 1)
            cols = range(_cell(a.west), _cell(a.east) + 1)
            if len(rows) * len(cols) > MAX_CELLS:
                self.wide.append(a)
                continue
            for r in rows:
                for c in cols:
                    self.cells.setdefault((r, c), []).append(a)
        # Address words by their length, longest first, each word's grid the first by code:
        # an address is looked up a slice of each length at a time, never against every word.
        by_length: dict[int, dict[str, str]] = {}
        for a in live:
            for word in (*a.words, tree.units[a.grid_unit].name_zh):
                if word:
                    grids = by_length.setdefault(len(word), {})
                    if word not in grids or a.grid_unit < grids[word]:
                        grids[word] = a.grid_unit
        self.words = sorted(by_length.items(), reverse=True)

    def grid_at(self, lat: float, long: float) -> str | None:
        near = self.cells.get((_cell(lat), _cell(long)), [])
        return grid_at([*near, *self.wide], lat, long)

    def grid_by_address(self, address: str) -> str | None:
        """The grid of the longest word the address holds (of several, the first by code)."""
        for length, grids in self.words:
            found = [
                g
                for i in range(len(address) - length + 1)
                if (g := grids.get(address[i : i + length])) is not None
            ]
            if found:
                return min(found)
        return None

    def route(
        self,
        *,
        lat: float | None,
        long: float | None,
        address: str | None,
        routes: Mapping[str, str] | None = None,
    ) -> Route | None:
        """Where a request goes (None: placed nowhere)."""
        grid = None
        if lat is not None and long is not None:
            grid = self.grid_at(lat, long)
        if grid is None and address:
            grid = self.grid_by_address(address)
        if grid is None:
            return None
        return Route(grid, organisation_for(self.tree, grid, routes))


def route(
    areas: Mapping[str, GridArea],
    tree: UnitTree,
    *,
    lat: float | None,
    long: float | None,
    address: str | None,
    routes: Mapping[str, str] | None = None,
) -> Route | None:
    """Where one request goes (None: placed nowhere). Retired or unknown grids are skipped."""
    return Router(areas, tree).route(lat=lat, long=long, address=address, routes=routes)
