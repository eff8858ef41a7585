"""The overdue board's query: every open case overdue or escalated that a user sees, most
urgent first (engine.urgency), one page of them with the total. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from engine.model import Case, Timer
from engine.reserved import ESCALATION_COUNT
from engine.store.queries import (
    MISSED_HERE,
    case_from_row,
    cases,
    missed_at,
    next_deadline,
    no_jit,
    overdue_clause,
    tier_of,
    timers,
    urgency_order,
    visible_clause,
)
from engine.store.repository import SqlTransaction, _timer_from
from engine.visibility import Visibility


@dataclass(frozen=True, slots=True)
class BoardRow:
    case: Case
    overdue: bool
    missed_at: datetime | None  # the earliest deadline it missed, while overdue
    next_deadline: datetime | None
    urges: int
    last_urged_at: datetime | None


@dataclass(frozen=True, slots=True)
class BoardPage:
    rows: list[BoardRow]
    total: int


def escalated_clause() -> ColumnElement[bool]:
    """The case climbed at least one tier (its `escalation_count`)."""
    count: ColumnElement[int] = func.coalesce(cases.c.data[ESCALATION_COUNT].as_integer(), 0)
    return count > 0


@dataclass(frozen=True, slots=True)
class Ranked:
    """A case's place on the board, before the case itself is read."""

    id: int
    overdue: bool
    missed_at: datetime | None
    next_deadline: datetime | None


def _ranked(
    tx: SqlTransaction,
    vis: Visibility,
    now: datetime,
    workflow: str | None,
    units: Collection[str] | None,
) -> tuple[Any, Any]:
    """The board's cases, most urgent first (with their total), and the count alone."""
    no_jit(tx)
    conditions: list[ColumnElement[bool]] = [
        cases.c.closed_at.is_(None),
        visible_clause(vis, tx.sqlite),
    ]
    if workflow:
        conditions.append(cases.c.workflow == workflow)
    if units is not None:
        wanted = sorted(units)
        conditions.append(or_(cases.c.org_unit.in_(wanted), cases.c.grid_unit.in_(wanted)))
    # Each open case's deadline lookups are made once, in a materialised CTE (the planners
    # would otherwise repeat them for every sort key); only the page's rows are read whole.
    candidates = (
        select(
            cases.c.id,
            overdue_clause(now).label("overdue"),
            escalated_clause().label("escalated"),
            missed_at(now).label("missed_at"),
            next_deadline().label("next_deadline"),
            tier_of().label("tier"),
        )
        .where(*conditions)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    c = candidates.c
    on_board = or_(c.overdue, c.escalated)
    ranked = (
        select(c.id, c.overdue, c.missed_at, c.next_deadline, func.count().over().label("total"))
        .where(on_board)
        .order_by(*urgency_order(c.overdue, c.tier, c.missed_at, c.next_deadline, c.id))
    )
    counted = select(func.count()).select_from(candidates).where(on_board)
    return ranked, counted


def board(
    tx: SqlTransaction,
    vis: Visibility,
    now: datetime,
    *,
    workflow: str | None = None,
    units: Collection[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> BoardPage:
    """Open cases `vis` sees that are overdue or escalated, of `workflow` and held by one of
    `units` (owned by, or in the grid of) when given; most urgent first."""
    if vis.nothing:
        return BoardPage([], 0)
    ranked, counted = _ranked(tx, vis, now, workflow, units)
    page = tx.conn.execute(ranked.limit(limit).offset(offset)).all()
    total = int(page[0].total) if page else int(tx.conn.execute(counted).scalar_one())
    return BoardPage(rows_of(tx, [_place(r) for r in page]), total)


def ranked_all(
    tx: SqlTransaction,
    vis: Visibility,
    now: datetime,
    *,
    workflow: str | None = None,
    units: Collection[str] | None = None,
) -> list[Ranked]:
    """Every case on the board, most urgent first, without the cases themselves (a few
    numbers each: an export reads the cases a page at a time with `rows_of`)."""
    if vis.nothing:
        return []
    ranked, _ = _ranked(tx, vis, now, workflow, units)
    return [_place(r) for r in tx.conn.execute(ranked)]


def _place(r: Any) -> Ranked:
    return Ranked(int(r.id), bool(r.overdue), r.missed_at, r.next_deadline)


def rows_of(tx: SqlTransaction, places: list[Ranked]) -> list[BoardRow]:
    """The board's lines of these cases, in their order."""
    ids = [p.id for p in places]
    full = {r.id: r for r in tx.conn.execute(select(cases).where(cases.c.id.in_(ids)))}
    out = []
    for p in places:
        row = full.get(p.id)
        if row is None:
            continue  # gone since it was ranked
        out.append(
            BoardRow(
                case=case_from_row(row),
                overdue=p.overdue,
                missed_at=p.missed_at if p.overdue else None,
                next_deadline=p.next_deadline,
                urges=int(row.urges),
                last_urged_at=row.last_urged_at,
            )
        )
    return out


def missed_deadlines(
    tx: SqlTransaction, case_ids: Sequence[int], now: datetime
) -> dict[int, Timer]:
    """The earliest deadline each case missed that keeps it overdue (as
    `engine.store.queries.missed_at` finds it), by case; cases without one are left out."""
    if not case_ids:
        return {}
    query = (
        select(timers)
        .join(cases, cases.c.id == timers.c.case_id)
        .where(
            timers.c.case_id.in_(list(case_ids)),
            timers.c.kind == "deadline",
            timers.c.fire_at <= now,
            or_(
                timers.c.status == "pending",
                and_(timers.c.status.in_(MISSED_HERE), timers.c.armed_seq == cases.c.entered_seq),
            ),
        )
        .order_by(timers.c.fire_at.desc(), timers.c.id.desc())
    )
    found: dict[int, Timer] = {}
    for row in tx.conn.execute(query):
        timer = _timer_from(row)
        found[timer.case_id] = timer  # the earliest comes last
    return found
