"""The unit tree and the users as a whole: read for a check, written in bulk by an import
(engine.casework.directory_import)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from engine.directory_rows import UserLine
from engine.store.repository import SqlTransaction
from engine.store.tables import UnitRow, UserRow
from engine.store.units import all_units
from engine.units import UnitRecord

units = UnitRow.__table__  # type: ignore[attr-defined]
users = UserRow.__table__  # type: ignore[attr-defined]


def units_by_code(tx: SqlTransaction) -> dict[str, UnitRecord]:
    return {u.code: u for u in all_units(tx)}


def unit_kinds(tx: SqlTransaction) -> dict[str, str]:
    return dict(tx.conn.execute(select(units.c.code, units.c.kind)).tuples().all())


def insert_units(tx: SqlTransaction, items: Sequence[UnitRecord]) -> None:
    if items:
        tx.conn.execute(
            insert(units),
            [
                {
                    "code": u.code,
                    "name_zh": u.name_zh,
                    "name_en": u.name_en,
                    "kind": u.kind,
                    "parent": u.parent,
                }
                for u in items
            ],
        )


def update_units(tx: SqlTransaction, items: Sequence[UnitRecord]) -> None:
    if items:
        tx.conn.execute(
            update(units)
            .where(units.c.code == bindparam("b_code"))
            .values(
                name_zh=bindparam("b_name_zh"),
                name_en=bindparam("b_name_en"),
                kind=bindparam("b_kind"),
                parent=bindparam("b_parent"),
            ),
            [
                {
                    "b_code": u.code,
                    "b_name_zh": u.name_zh,
                    "b_name_en": u.name_en,
                    "b_kind": u.kind,
                    "b_parent": u.parent,
                }
                for u in items
            ],
        )


def user_lines(tx: SqlTransaction) -> dict[str, UserLine]:
    """Every user as a spreadsheet states them, by username, in the order they were made."""
    query = select(
        users.c.username,
        users.c.display_name,
        users.c.role,
        users.c.unit,
        users.c.grid_units,
        users.c.lang,
    ).order_by(users.c.id)
    return {
        r.username: UserLine(
            r.username, r.display_name, r.role, r.unit, tuple(r.grid_units or ()), r.lang
        )
        for r in tx.conn.execute(query)
    }


def insert_users(tx: SqlTransaction, items: Sequence[UserLine], at: datetime) -> None:
    """New users without a password (an empty hash never verifies): they log in once an
    administrator sets one."""
    if items:
        tx.conn.execute(
            insert(users),
            [
                {
                    "username": u.username,
                    "password_hash": "",
                    "display_name": u.display_name,
                    "role": u.role,
                    "unit": u.unit,
                    "grid_units": list(u.grid_units),
                    "lang": u.lang,
                    "active": True,
                    "created_at": at,
                }
                for u in items
            ],
        )


def update_users(tx: SqlTransaction, items: Sequence[UserLine]) -> None:
    """Update what a spreadsheet states of existing users; their password stays."""
    if items:
        tx.conn.execute(
            update(users)
            .where(users.c.username == bindparam("b_username"))
            .values(
                display_name=bindparam("b_display_name"),
                role=bindparam("b_role"),
                unit=bindparam("b_unit"),
                grid_units=bindparam("b_grid_units", type_=users.c.grid_units.type),
                lang=bindparam("b_lang"),
            ),
            [
                {
                    "b_username": u.username,
                    "b_display_name": u.display_name,
                    "b_role": u.role,
                    "b_unit": u.unit,
                    "b_grid_units": list(u.grid_units),
                    "b_lang": u.lang,
                }
                for u in items
            ],
        )
