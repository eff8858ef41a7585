"""The use-case layer on a fresh database (SQLite and PostgreSQL), with a small unit tree and
one user per role."""

from __future__ import annotations

import pytest

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, new_key_text
from engine.store.units import save_units
from engine.units import UnitRecord, UnitTree
from engine.visibility import visibility_for
from engine.workcalendar import WorkCalendar

UNITS = (
    UnitRecord("d1", "东城区", "East District", "district"),
    UnitRecord("union", "区总工会", "Trade union", "organisation", "d1"),
    UnitRecord("women", "区妇联", "Women's federation", "organisation", "d1"),
    UnitRecord("s1", "和平里街道", "Heping Street", "street", "d1"),
    UnitRecord("cm1", "和平里一社区", "Heping Community 1", "community", "s1"),
    UnitRecord("g1", "第1网格", "Grid 1", "grid", "cm1"),
)
TREE = UnitTree.build(UNITS)
PEOPLE: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "mediator": ("mediator", "union", ()),
    "org_admin": ("org_admin", "union", ()),
    "grid_member": ("grid_member", None, ("g1",)),
    "handler": ("handler", "cm1", ()),
    "supervisor": ("supervisor", "d1", ()),
    "admin": ("admin", None, ()),
}


def person(name: str) -> User:
    role, unit, grids = PEOPLE[name]
    return User(
        id=list(PEOPLE).index(name) + 1,
        username=name,
        display_name=name,
        role=role,
        unit=unit,
        grid_units=list(grids),
        scope=visibility_for(TREE, role, unit, grids),
    )


@pytest.fixture
def cw(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> Casework:
    with store.transaction() as tx:
        save_units(tx, list(UNITS))
    registry = Registry(shipped)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    return Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))
