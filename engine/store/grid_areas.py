"""Where grids lie (`grid_areas`) and which organisation takes a service from an area
(`service_routes`): the rows engine.routing places requests by."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from engine.routing import GridArea
from engine.store.repository import SqlTransaction
from engine.store.tables import GridAreaRow, ServiceRouteRow

grid_areas = GridAreaRow.__table__  # type: ignore[attr-defined]
service_routes = ServiceRouteRow.__table__  # type: ignore[attr-defined]


def all_areas(tx: SqlTransaction) -> dict[str, GridArea]:
    rows = tx.conn.execute(select(grid_areas))
    return {
        r.grid_unit: GridArea(r.grid_unit, r.south, r.west, r.north, r.east, tuple(r.words))
        for r in rows
    }


def save_area(tx: SqlTransaction, area: GridArea) -> None:
    """The grid's area, replacing the one it had."""
    tx.conn.execute(delete(grid_areas).where(grid_areas.c.grid_unit == area.grid_unit))
    tx.conn.execute(
        insert(grid_areas),
        {
            "grid_unit": area.grid_unit,
            "south": area.south,
            "west": area.west,
            "north": area.north,
            "east": area.east,
            "words": list(area.words),
        },
    )


def routes_of(tx: SqlTransaction, service_code: str) -> dict[str, str]:
    """The service's routes: area unit → organisation."""
    rows = tx.conn.execute(
        select(service_routes).where(service_routes.c.service_code == service_code)
    )
    return {r.area_unit: r.org_unit for r in rows}


def all_routes(tx: SqlTransaction) -> dict[str, dict[str, str]]:
    """Every service's routes, by service code."""
    out: dict[str, dict[str, str]] = {}
    for r in tx.conn.execute(select(service_routes)):
        out.setdefault(r.service_code, {})[r.area_unit] = r.org_unit
    return out


def save_route(tx: SqlTransaction, service_code: str, area_unit: str, org_unit: str) -> None:
    tx.conn.execute(
        delete(service_routes).where(
            (service_routes.c.service_code == service_code)
            & (service_routes.c.area_unit == area_unit)
        )
    )
    tx.conn.execute(
        insert(service_routes),
        {"service_code": service_code, "area_unit": area_unit, "org_unit": org_unit},
    )
