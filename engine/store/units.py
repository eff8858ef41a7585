"""Organisations and areas: 工会, 妇联, a city, its districts, streets, communities and grids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import UnitRow
from engine.units import UnitRecord, UnitTree

units = UnitRow.__table__  # type: ignore[attr-defined]


def all_units(tx: SqlTransaction) -> list[UnitRecord]:
    rows = tx.conn.execute(select(units).order_by(units.c.code))
    return [UnitRecord(r.code, r.name_zh, r.name_en, r.kind, r.parent, r.retired_at) for r in rows]


def unit_tree(tx: SqlTransaction) -> UnitTree:
    """The whole stored tree, retired units included."""
    return UnitTree.build(all_units(tx))


def get_unit(tx: SqlTransaction, code: str) -> UnitRecord | None:
    r = tx.conn.execute(select(units).where(units.c.code == code)).first()
    if r is None:
        return None
    return UnitRecord(r.code, r.name_zh, r.name_en, r.kind, r.parent, r.retired_at)


def save_units(tx: SqlTransaction, items: list[UnitRecord]) -> None:
    """Insert units, or update the ones whose code exists already."""
    known = {r.code for r in tx.conn.execute(select(units.c.code))}
    for u in items:
        values = {
            "name_zh": u.name_zh,
            "name_en": u.name_en,
            "kind": u.kind,
            "parent": u.parent,
            "retired_at": u.retired_at,
        }
        if u.code in known:
            tx.conn.execute(update(units).where(units.c.code == u.code).values(**values))
        else:
            tx.conn.execute(insert(units), {"code": u.code, **values})
            known.add(u.code)


def add_missing_units(tx: SqlTransaction, items: list[UnitRecord]) -> int:
    """Insert the units whose code is not there yet; those that are stay as they were
    administered (renamed, moved, retired). How many were inserted."""
    known = {r.code for r in tx.conn.execute(select(units.c.code))}
    for u in items:
        if u.code not in known:
            insert_unit(tx, u)
            known.add(u.code)
    return len(known)


def insert_unit(tx: SqlTransaction, u: UnitRecord) -> None:
    tx.conn.execute(
        insert(units),
        {
            "code": u.code,
            "name_zh": u.name_zh,
            "name_en": u.name_en,
            "kind": u.kind,
            "parent": u.parent,
            "retired_at": None,
        },
    )


def rename_unit(tx: SqlTransaction, code: str, name_zh: str, name_en: str) -> None:
    tx.conn.execute(
        update(units).where(units.c.code == code).values(name_zh=name_zh, name_en=name_en)
    )


def set_parent(tx: SqlTransaction, code: str, parent: str | None) -> None:
    tx.conn.execute(update(units).where(units.c.code == code).values(parent=parent))


def reparent_children(tx: SqlTransaction, old: str, new: str) -> list[str]:
    """Every unit under `old` goes under `new`; their codes."""
    moved = [
        r.code
        for r in tx.conn.execute(
            select(units.c.code).where(units.c.parent == old).order_by(units.c.code)
        )
    ]
    tx.conn.execute(update(units).where(units.c.parent == old).values(parent=new))
    return moved


def retire_unit(tx: SqlTransaction, code: str, at: datetime) -> None:
    tx.conn.execute(update(units).where(units.c.code == code).values(retired_at=at))


def unit_exists(tx: SqlTransaction, code: str) -> bool:
    """Whether a unit of that code is in service (a retired unit takes no new case)."""
    query = select(units.c.code).where(units.c.code == code, units.c.retired_at.is_(None))
    return tx.conn.execute(query).first() is not None


def parents(tx: SqlTransaction) -> dict[str, str | None]:
    """Every unit's parent, by code."""
    return dict(tx.conn.execute(select(units.c.code, units.c.parent)).tuples().all())
