"""Where grids lie and who takes a service where, for routing outside requests
(engine.routing): a grid's bounding box and address words, and a service's organisation for
an area; set by an administrator of units."""

from __future__ import annotations

import json

from engine.casework.context import Casework
from engine.casework.errors import InvalidUnitError, UnknownUnitError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.routing import GridArea, area_problem
from engine.store import audit, grid_areas
from engine.store.units import unit_tree

GRID_AREA_SET = "grid_area_set"
SERVICE_ROUTE_SET = "service_route_set"


def set_grid_area(cw: Casework, user: User, area: GridArea) -> GridArea:
    """Place a grid (its box and words replace those it had); audit `grid_area_set`."""
    require(user, Permission.MANAGE_UNITS)
    if (problem := area_problem(area)) is not None:
        raise InvalidUnitError("area", problem)
    with cw.store.transaction() as tx:
        unit = unit_tree(tx).units.get(area.grid_unit)
        if unit is None or unit.kind != "grid" or unit.retired:
            raise UnknownUnitError(area.grid_unit, "grid")
        grid_areas.save_area(tx, area)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=GRID_AREA_SET,
            reason=json.dumps(
                {
                    "grid": area.grid_unit,
                    "box": [area.south, area.west, area.north, area.east],
                    "words": list(area.words),
                },
                ensure_ascii=False,
            ),
        )
    return area


def grid_areas_of(cw: Casework) -> list[GridArea]:
    """Every grid's area, by grid."""
    with cw.store.transaction(write=False) as tx:
        return sorted(grid_areas.all_areas(tx).values(), key=lambda a: a.grid_unit)


def set_service_route(
    cw: Casework, user: User, service_code: str, area_unit: str, org_unit: str
) -> None:
    """Requests for the service from the area (and below it) go to the organisation;
    audit `service_route_set`."""
    require(user, Permission.MANAGE_UNITS)
    workflow, _, category = service_code.partition(".")
    definition = cw.registry.latest(workflow) if workflow in cw.registry.names() else None
    field = definition.fields.get("category") if definition is not None else None
    if field is None or category not in field.values:
        raise InvalidUnitError("service_code", f"no service {service_code!r}")
    with cw.store.transaction() as tx:
        tree = unit_tree(tx)
        for code, arg in ((area_unit, "area"), (org_unit, "organisation")):
            unit = tree.units.get(code)
            if unit is None or unit.retired:
                raise UnknownUnitError(code, arg)
        grid_areas.save_route(tx, service_code, area_unit, org_unit)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=SERVICE_ROUTE_SET,
            reason=json.dumps(
                {"service": service_code, "area": area_unit, "organisation": org_unit}
            ),
        )
