"""Who belongs to a unit: the users whose unit it is, the grid members holding a grid.

Reads and writes only the `unit` and `grid_units` values of the users table (the table and
its other columns are the accounts' business, engine.store.users)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import UserRow

users = UserRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Member:
    username: str
    display_name: str
    role: str
    unit: str | None
    grid_units: tuple[str, ...]
    active: bool


def _members(tx: SqlTransaction) -> list[Member]:
    rows = tx.conn.execute(
        select(
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.unit,
            users.c.grid_units,
            users.c.active,
        ).order_by(users.c.username)
    )
    return [
        Member(r.username, r.display_name, r.role, r.unit, tuple(r.grid_units or ()), r.active)
        for r in rows
    ]


def member(tx: SqlTransaction, username: str) -> Member | None:
    found = _members_named(tx, username)
    return found[0] if found else None


def _members_named(tx: SqlTransaction, username: str) -> list[Member]:
    rows = tx.conn.execute(
        select(
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.unit,
            users.c.grid_units,
            users.c.active,
        ).where(users.c.username == username)
    )
    return [
        Member(r.username, r.display_name, r.role, r.unit, tuple(r.grid_units or ()), r.active)
        for r in rows
    ]


def members_of(tx: SqlTransaction, code: str, active_only: bool = True) -> list[Member]:
    """The users of unit `code`, and the grid members holding it as a grid, by user name.
    (grid_units is a JSON list: filtered here, a district has a few hundred users.)"""
    return [
        m
        for m in _members(tx)
        if (m.active or not active_only) and (m.unit == code or code in m.grid_units)
    ]


def members_with_role(tx: SqlTransaction, role: str) -> list[Member]:
    """The active users of `role`, by user name."""
    return [m for m in _members(tx) if m.active and m.role == role]


def set_grid_units(tx: SqlTransaction, username: str, grids: list[str]) -> None:
    tx.conn.execute(
        update(users).where(users.c.username == username).values(grid_units=list(grids))
    )


def move_members(tx: SqlTransaction, old: str, new: str) -> list[str]:
    """Every user of `old` goes to `new`, and every grid member holding `old` holds `new`
    instead (once); the user names changed."""
    moved: list[str] = []
    for m in _members(tx):
        changes: dict[str, object] = {}
        if m.unit == old:
            changes["unit"] = new
        if old in m.grid_units:
            grids: list[str] = []
            for g in m.grid_units:
                g = new if g == old else g
                if g not in grids:
                    grids.append(g)
            changes["grid_units"] = grids
        if changes:
            tx.conn.execute(update(users).where(users.c.username == m.username).values(**changes))
            moved.append(m.username)
    return moved
