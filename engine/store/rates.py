"""What the rates are computed from: one row per case, and the reviewed exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select

from engine.reserved import CATEGORY_FIELDS, MERGED_INTO, OUTCOME, RATING_FIELDS
from engine.store.queries import cases, events, visible_clause
from engine.store.repository import SqlTransaction
from engine.store.tables import RateExclusionRow
from engine.visibility import Visibility

rate_exclusions = RateExclusionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class RateRow:
    case_id: int
    workflow: str
    state: str
    org_unit: str | None
    grid_unit: str | None
    category: str | None
    outcome: str | None
    rating: int | None
    merged: bool
    opened_at: datetime
    closed_at: datetime | None
    first_human_seq: int | None  # the first action after opening taken by a person
    first_system_seq: int | None  # the first action a missed deadline fired
    excluded: bool


@dataclass(frozen=True, slots=True)
class Exclusion:
    case_id: int
    reason: str
    reviewer: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RateFilter:
    start: datetime | None = None
    end: datetime | None = None
    workflow: str | None = None
    org_unit: str | None = None
    grid_unit: str | None = None


def _coalesce_text(fields: tuple[str, ...]) -> Any:
    return func.coalesce(*(cases.c.data[f].as_string() for f in fields))


def _coalesce_int(fields: tuple[str, ...]) -> Any:
    return func.coalesce(*(cases.c.data[f].as_integer() for f in fields))


def rate_rows(tx: SqlTransaction, vis: Visibility, f: RateFilter) -> list[RateRow]:
    """Cases opened in [start, end) that `vis` allows, with what the rates need."""
    if vis.nothing:
        return []
    human = (
        select(func.min(events.c.seq))
        .where(and_(events.c.case_id == cases.c.id, events.c.seq > 1, events.c.role != "system"))
        .scalar_subquery()
    )
    system = (
        select(func.min(events.c.seq))
        .where(and_(events.c.case_id == cases.c.id, events.c.role == "system"))
        .scalar_subquery()
    )
    excluded = select(func.count()).where(rate_exclusions.c.case_id == cases.c.id).scalar_subquery()
    query = select(
        cases.c.id,
        cases.c.workflow,
        cases.c.state,
        cases.c.org_unit,
        cases.c.grid_unit,
        _coalesce_text(CATEGORY_FIELDS).label("category"),
        cases.c.data[OUTCOME].as_string().label("outcome"),
        _coalesce_int(RATING_FIELDS).label("rating"),
        case((cases.c.data[MERGED_INTO].as_string().is_not(None), 1), else_=0).label("merged"),
        cases.c.opened_at,
        cases.c.closed_at,
        human.label("first_human_seq"),
        system.label("first_system_seq"),
        excluded.label("excluded"),
    ).where(visible_clause(vis, tx.sqlite))
    if f.start is not None:
        query = query.where(cases.c.opened_at >= f.start)
    if f.end is not None:
        query = query.where(cases.c.opened_at < f.end)
    if f.workflow:
        query = query.where(cases.c.workflow == f.workflow)
    if f.org_unit:
        query = query.where(cases.c.org_unit == f.org_unit)
    if f.grid_unit:
        query = query.where(cases.c.grid_unit == f.grid_unit)
    rows = tx.conn.execute(query.order_by(cases.c.id)).all()
    return [
        RateRow(
            case_id=r.id,
            workflow=r.workflow,
            state=r.state,
            org_unit=r.org_unit,
            grid_unit=r.grid_unit,
            category=r.category,
            outcome=r.outcome,
            rating=r.rating,
            merged=bool(r.merged),
            opened_at=r.opened_at,
            closed_at=r.closed_at,
            first_human_seq=r.first_human_seq,
            first_system_seq=r.first_system_seq,
            excluded=bool(r.excluded),
        )
        for r in rows
    ]


def exclude(tx: SqlTransaction, case_id: int, reason: str, reviewer: str, at: datetime) -> bool:
    """Exclude a case from the rates; False if it was excluded already (reason kept)."""
    known = tx.conn.execute(
        select(rate_exclusions.c.case_id).where(rate_exclusions.c.case_id == case_id)
    ).first()
    if known is not None:
        return False
    tx.conn.execute(
        insert(rate_exclusions),
        {"case_id": case_id, "reason": reason, "reviewer": reviewer, "at": at},
    )
    return True


def include_again(tx: SqlTransaction, case_id: int) -> bool:
    result = tx.conn.execute(delete(rate_exclusions).where(rate_exclusions.c.case_id == case_id))
    return bool(result.rowcount)


def exclusions(tx: SqlTransaction, vis: Visibility) -> list[Exclusion]:
    if vis.nothing:
        return []
    query = (
        select(rate_exclusions)
        .join(cases, cases.c.id == rate_exclusions.c.case_id)
        .where(visible_clause(vis, tx.sqlite))
        .order_by(rate_exclusions.c.at.desc(), rate_exclusions.c.case_id)
    )
    return [Exclusion(r.case_id, r.reason, r.reviewer, r.at) for r in tx.conn.execute(query)]


def exclusion_of(tx: SqlTransaction, case_id: int) -> Exclusion | None:
    r = tx.conn.execute(select(rate_exclusions).where(rate_exclusions.c.case_id == case_id)).first()
    return Exclusion(r.case_id, r.reason, r.reviewer, r.at) if r is not None else None
