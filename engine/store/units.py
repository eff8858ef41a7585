"""Organisations and areas: 工会, 妇联, a city, its districts, streets, communities and grids."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import UnitRow
from engine.units import UnitRecord

units = UnitRow.__table__  # type: ignore[attr-defined]


def all_units(tx: SqlTransaction) -> list[UnitRecord]:
    rows = tx.conn.execute(select(units).order_by(units.c.code))
    return [UnitRecord(r.code, r.name_zh, r.name_en, r.kind, r.parent) for r in rows]


def save_units(tx: SqlTransaction, items: list[UnitRecord]) -> None:
    """Insert units, or update the ones whose code exists already."""
    known = {r.code for r in tx.conn.execute(select(units.c.code))}
    for u in items:
        values = {
            "name_zh": u.name_zh,
            "name_en": u.name_en,
            "kind": u.kind,
            "parent": u.parent,
        }
        if u.code in known:
            tx.conn.execute(update(units).where(units.c.code == u.code).values(**values))
        else:
            tx.conn.execute(insert(units), {"code": u.code, **values})
            known.add(u.code)


def unit_exists(tx: SqlTransaction, code: str) -> bool:
    return tx.conn.execute(select(units.c.code).where(units.c.code == code)).first() is not None


def parents(tx: SqlTransaction) -> dict[str, str | None]:
    """Every unit's parent, by code."""
    return dict(tx.conn.execute(select(units.c.code, units.c.parent)).tuples().all())
