"""The overdue board's query: every open case overdue or escalated that a user sees, most
urgent first (engine.urgency), one page of them with the total, ranked from the open cases'
kept facts (engine.store.rate_facts). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select

from engine.model import DEADLINE, Case, Timer
from engine.store.deadlines import MISSED_HERE
from engine.store.queries import case_from_row, cases, no_jit, timers, urgency_order
from engine.store.rate_facts import rate_facts
from engine.store.rates import visible_facts
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
) -> Any:
    """The board's cases, most urgent first, each with their count (`total`): read from the
    open cases' kept facts (engine.store.rate_facts, the partial index `ix_rate_facts_board`),
    which hold every moment the ranking compares with `now`; no history is looked up. The
    cases are selected once (a materialised CTE: the visibility filter, thousands of units,
    planned and run once), then ranked and counted."""
    no_jit(tx)
    f = rate_facts.c
    overdue = or_(f.missed_here == 1, f.next_due <= now)  # engine.store.queries.overdue_clause
    missed = case((f.missed_due <= now, f.missed_due))  # engine.store.queries.missed_at(now)
    conditions: list[ColumnElement[bool]] = [
        f.is_open == literal_column("1"),  # a constant: the partial index's own condition
        or_(overdue, f.escalated == 1),
        visible_facts(vis, tx.sqlite),
    ]
    if workflow:
        conditions.append(f.workflow == workflow)
    if units is not None:
        wanted = sorted(units)
        conditions.append(or_(f.org_unit.in_(wanted), f.grid_unit.in_(wanted)))
    seen = (
        select(
            f.case_id.label("id"),
            case((overdue, 1), else_=0).label("overdue"),
            missed.label("missed_at"),
            f.next_due.label("next_deadline"),
            f.tier,
        )
        .where(*conditions)
        .cte("seen")
        .prefix_with("MATERIALIZED")
    )
    c = seen.c
    total = select(func.count()).select_from(seen).scalar_subquery()
    return select(c.id, c.overdue, c.missed_at, c.next_deadline, total.label("total")).order_by(
        *urgency_order(c.overdue == 1, c.tier, c.missed_at, c.next_deadline, c.id)
    )


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
    ranked = _ranked(tx, vis, now, workflow, units)
    page = tx.conn.execute(ranked.limit(limit).offset(offset)).all()
    if page:
        total = int(page[0].total)
    elif offset:  # past the last page
        counted = select(func.count()).select_from(ranked.order_by(None).subquery())
        total = int(tx.conn.execute(counted).scalar_one())
    else:
        total = 0
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
    ranked = _ranked(tx, vis, now, workflow, units)
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
            timers.c.kind == DEADLINE,
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
