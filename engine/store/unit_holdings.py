"""The open cases a unit holds, and moving them to another unit (a merge, a grid redrawn, a
grid member leaving): SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from engine.store.queries import case_access, cases, visible_clause
from engine.store.repository import SqlTransaction
from engine.visibility import Visibility


@dataclass(frozen=True, slots=True)
class HeldCase:
    id: int
    workflow: str
    state: str
    org_unit: str | None
    grid_unit: str | None
    assignee: str | None


def _open_cases(*conditions: Any, limit: int | None = None) -> Any:
    query = (
        select(
            cases.c.id,
            cases.c.workflow,
            cases.c.state,
            cases.c.org_unit,
            cases.c.grid_unit,
            cases.c.assignee,
        )
        .where(cases.c.closed_at.is_(None), *conditions)
        .order_by(cases.c.id)
    )
    return query.limit(limit) if limit is not None else query


def open_cases_held(tx: SqlTransaction, code: str, limit: int | None = None) -> list[HeldCase]:
    """Open cases `code` holds itself (owner, grid, hand-off field or hand-over; not the
    grid cases it sees by tier), by id."""
    vis = Visibility(units=frozenset({code}))
    query = _open_cases(visible_clause(vis, tx.sqlite), limit=limit)
    return [HeldCase(*r) for r in tx.conn.execute(query)]


def open_grid_cases(tx: SqlTransaction, grid: str) -> list[HeldCase]:
    """Open cases reported in `grid`, by id."""
    return [HeldCase(*r) for r in tx.conn.execute(_open_cases(cases.c.grid_unit == grid))]


def open_cases_assigned(tx: SqlTransaction, username: str) -> list[HeldCase]:
    """Open cases assigned to `username` (the assignee column), by id."""
    query = _open_cases(cases.c.assignee == username)
    return [HeldCase(*r) for r in tx.conn.execute(query)]


def move_cases(
    tx: SqlTransaction,
    held: Sequence[HeldCase],
    old: str,
    new: str,
    reason: str,
    at: datetime,
) -> None:
    """The cases `old` held go to `new`: as owner or grid where `old` was, else (a hand-off
    field or a hand-over named `old`) handed over to `new`."""
    ids = [c.id for c in held]
    if not ids:
        return
    tx.conn.execute(
        update(cases).where(cases.c.id.in_(ids), cases.c.org_unit == old).values(org_unit=new)
    )
    tx.conn.execute(
        update(cases).where(cases.c.id.in_(ids), cases.c.grid_unit == old).values(grid_unit=new)
    )
    others = [c.id for c in held if old not in (c.org_unit, c.grid_unit)]
    if not others:
        return
    present = {
        r.case_id
        for r in tx.conn.execute(
            select(case_access.c.case_id).where(
                case_access.c.case_id.in_(others), case_access.c.unit == new
            )
        )
    }
    rows = [
        {"case_id": i, "unit": new, "granted_at": at, "reason": reason}
        for i in others
        if i not in present
    ]
    if rows:
        tx.conn.execute(insert(case_access), rows)


def set_assignee(tx: SqlTransaction, case_ids: Sequence[int], old: str, new: str) -> None:
    """Open cases of `case_ids` assigned to `old` are assigned to `new`."""
    if case_ids:
        tx.conn.execute(
            update(cases)
            .where(cases.c.id.in_(list(case_ids)), cases.c.assignee == old)
            .values(assignee=new, version=cases.c.version + 1)
        )
