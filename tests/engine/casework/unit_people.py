"""Users in the database for the unit administration's tests (the casework conftest's people
are only in memory), and a user whose scope is computed from the tree as it is now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.casework import cases
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.model import Case
from engine.store.units import all_units
from engine.store.users import save_user
from engine.units import UnitTree
from engine.visibility import visibility_for

INTAKE: dict[str, Any] = {
    "category": "family",
    "source": "walk_in",
    "description": "邻里纠纷",
    "notice_given": True,
}


def add_user(
    cw: Casework, username: str, role: str, unit: str | None, grids: tuple[str, ...] = ()
) -> None:
    with cw.store.transaction() as tx:
        save_user(
            tx,
            username=username,
            password_hash="x",
            display_name=username,
            role=role,
            unit=unit,
            grid_units=list(grids),
            lang="zh",
            at=datetime(2026, 11, 1, tzinfo=UTC),
        )


def fresh(
    cw: Casework, username: str, role: str, unit: str | None, grids: tuple[str, ...] = ()
) -> User:
    """The user as a request would see them after the last change to the tree."""
    with cw.store.transaction(write=False) as tx:
        tree = UnitTree.build(all_units(tx))
    return User(
        id=abs(hash(username)) % 10_000,
        username=username,
        display_name=username,
        role=role,
        unit=unit,
        grid_units=list(grids),
        scope=visibility_for(tree, role, unit, grids),
    )


def open_mediation(cw: Casework, user: User, org_unit: str | None = None) -> Case:
    return cases.open_case(cw, user, "mediation", INTAKE, org_unit=org_unit).case


def ids_seen(cw: Casework, user: User) -> set[int]:
    """The ids of the open cases the user's lists show."""
    page = cases.list_cases(cw, user, cases.CaseFilter(open_only=True), limit=500)
    return {i.case.id for i in page.items}
