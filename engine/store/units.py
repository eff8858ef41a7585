"""Organisations and areas: 工会, 妇联, a city, its districts, streets, communities and grids."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from engine.store.repository import SqlStore
from engine.store.tables import UnitRow
from engine.store.writing import write_connection

units = UnitRow.__table__  # type: ignore[attr-defined]

UNIT_KINDS: tuple[str, ...] = ("organisation", "city", "district", "street", "community", "grid")


@dataclass(frozen=True, slots=True)
class UnitRecord:
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None = None


def all_units(store: SqlStore) -> list[UnitRecord]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(units).order_by(units.c.code))
        return [UnitRecord(r.code, r.name_zh, r.name_en, r.kind, r.parent) for r in rows]


def save_units(store: SqlStore, items: list[UnitRecord]) -> None:
    """Insert units, or update the ones whose code exists already."""
    with write_connection(store) as conn:
        known = {r.code for r in conn.execute(select(units.c.code))}
        for u in items:
            values = {
                "name_zh": u.name_zh,
                "name_en": u.name_en,
                "kind": u.kind,
                "parent": u.parent,
            }
            if u.code in known:
                conn.execute(update(units).where(units.c.code == u.code).values(**values))
            else:
                conn.execute(insert(units), {"code": u.code, **values})
                known.add(u.code)
