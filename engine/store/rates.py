"""What the rates are counted from, summed in the database per group and period; the reviewed
exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
)

from engine.definition import SYSTEM_ROLE as SYSTEM
from engine.reserved import CATEGORY_FIELDS, HANDLING_UNIT, MERGED_INTO, OUTCOME, RATING_FIELDS
from engine.store.queries import cases, events, timers, visible_clause
from engine.store.repository import SqlTransaction
from engine.store.tables import RateExclusionRow
from engine.visibility import Visibility

rate_exclusions = RateExclusionRow.__table__  # type: ignore[attr-defined]


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
    # Only cases whose area unit (grid unit, else handling unit, else owner) is one of these:
    # a community's own figures. None: no such restriction.
    area_units: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RateRules:
    """What the definitions say the rates need, per workflow (docs/RATES.md)."""

    deadlines: dict[str, tuple[str, ...]]  # workflow → names of its deadline timers
    responses: dict[str, tuple[str, str]]  # workflow → (state, timer) of its response deadline
    mediated: tuple[str, ...]  # outcomes of a case that went through mediation
    resolved: tuple[str, ...]  # outcomes that count as resolved (no outcome counts too)


@dataclass(frozen=True, slots=True)
class RateCount:
    """The counts of one group key in one period bucket (None: no buckets)."""

    key: str | None
    bucket: int | None
    cases: int
    excluded: int
    awaiting_response: int
    responded_in_time: int
    resolved: int
    rated: int
    satisfied: int
    closed: int
    closed_on_time: int
    mediated: int
    agreements: int
    close_seconds: float


GROUP_KEYS: tuple[str, ...] = ("none", "organisation", "grid", "area", "category", "workflow")


def _text(field: str) -> Any:
    return cases.c.data[field].as_string()


def _coalesce_text(fields: tuple[str, ...]) -> Any:
    return func.coalesce(*(_text(f) for f in fields))


def _coalesce_int(fields: tuple[str, ...]) -> Any:
    return func.coalesce(*(cases.c.data[f].as_integer() for f in fields))


def area_unit() -> Any:
    """The unit a case is handled in: its grid unit, else its handling unit, else its owner."""
    return func.coalesce(cases.c.grid_unit, _text(HANDLING_UNIT), cases.c.org_unit)


def _group_key(key: str) -> Any:
    if key == "organisation":
        return cases.c.org_unit
    if key == "grid":
        return cases.c.grid_unit
    if key == "area":
        return area_unit()
    if key == "category":
        return _coalesce_text(CATEGORY_FIELDS)
    if key == "workflow":
        return cases.c.workflow
    return literal("all")


def _by_workflow(values: dict[str, Any], default: Any) -> Any:
    if not values:
        return default
    return case(*((cases.c.workflow == w, v) for w, v in sorted(values.items())), else_=default)


def _missed(rules: RateRules) -> Any:
    """The first due moment of a deadline the case missed (a deadline timer that fired)."""
    named = [
        and_(cases.c.workflow == w, timers.c.name.in_(names))
        for w, names in sorted(rules.deadlines.items())
        if names
    ]
    return (
        select(func.min(timers.c.fire_at))
        .where(
            and_(
                timers.c.case_id == cases.c.id,
                timers.c.kind == "deadline",
                timers.c.status == "fired",
                or_(*named) if named else false(),
            )
        )
        .correlate(cases)
        .scalar_subquery()
    )


def _first_person_action(state: str | None) -> Any:
    """When a person first acted on the case after opening (from `state`, if given)."""
    where = [events.c.case_id == cases.c.id, events.c.seq > 1, events.c.role != SYSTEM]
    if state is not None:
        where.append(events.c.from_state == state)
    return select(func.min(events.c.at)).where(and_(*where)).correlate(cases).scalar_subquery()


def _response_due(timer: str) -> Any:
    """The first due moment of the case's response deadline (None: it was never called)."""
    return (
        select(func.min(timers.c.fire_at))
        .where(
            and_(
                timers.c.case_id == cases.c.id,
                timers.c.name == timer,
                timers.c.kind == "deadline",
            )
        )
        .correlate(cases)
        .scalar_subquery()
    )


def flag(cond: Any) -> Any:
    """1 where `cond` holds, else 0."""
    return case((cond, 1), else_=0)


def _close_seconds(sqlite: bool) -> Any:
    if sqlite:
        return (func.julianday(cases.c.closed_at) - func.julianday(cases.c.opened_at)) * 86400.0
    return func.extract("epoch", cases.c.closed_at - cases.c.opened_at)


def _facts(
    tx: SqlTransaction,
    vis: Visibility,
    f: RateFilter,
    rules: RateRules,
    key: str,
    bounds: list[datetime] | None,
) -> Any:
    """One row per case: what the rates need, each correlated lookup made once."""
    outcome = _text(OUTCOME)
    rating = _coalesce_int(RATING_FIELDS)
    responses = sorted(rules.responses.items())
    bucket = (
        case(*((cases.c.opened_at < b, i) for i, b in enumerate(bounds[1:])), else_=None)
        if bounds
        else literal(None)
    )
    has_timer = cases.c.workflow.in_([w for w, _ in responses]) if responses else false()
    response_at = _by_workflow(
        {w: _first_person_action(state) for w, (state, _) in responses},
        _first_person_action(None),
    )
    response_due = _by_workflow({w: _response_due(timer) for w, (_, timer) in responses}, null())
    query = select(
        _group_key(key).label("key"),
        bucket.label("bucket"),
        flag(
            or_(
                _text(MERGED_INTO).is_not(None),
                exists().where(rate_exclusions.c.case_id == cases.c.id),
            )
        ).label("out"),
        flag(has_timer).label("has_timer"),
        response_at.label("response_at"),
        response_due.label("response_due"),
        _missed(rules).label("missed_at"),
        flag(cases.c.closed_at.is_not(None)).label("closed"),
        flag(or_(outcome.is_(None), outcome.in_(rules.resolved))).label("resolved_outcome"),
        flag(outcome.in_(rules.mediated)).label("mediated"),
        flag(outcome == "agreement").label("agreement"),
        rating.label("rating"),
        case((cases.c.closed_at.is_not(None), _close_seconds(tx.sqlite)), else_=0.0).label(
            "close_s"
        ),
    ).where(visible_clause(vis, tx.sqlite))
    conditions = []
    start = bounds[0] if bounds else f.start
    end = bounds[-1] if bounds else f.end
    if f.start is not None and (start is None or f.start > start):
        start = f.start
    if f.end is not None and (end is None or f.end < end):
        end = f.end
    if start is not None:
        conditions.append(cases.c.opened_at >= start)
    if end is not None:
        conditions.append(cases.c.opened_at < end)
    if f.workflow:
        conditions.append(cases.c.workflow == f.workflow)
    if f.org_unit:
        conditions.append(cases.c.org_unit == f.org_unit)
    if f.grid_unit:
        conditions.append(cases.c.grid_unit == f.grid_unit)
    if f.area_units is not None:
        conditions.append(area_unit().in_(sorted(f.area_units)))
    if conditions:
        query = query.where(and_(*conditions))
    # Materialised: each lookup runs once per case, not once per sum that reads it.
    return query.cte("facts").prefix_with("MATERIALIZED")


def rate_counts(
    tx: SqlTransaction,
    vis: Visibility,
    f: RateFilter,
    rules: RateRules,
    key: str = "none",
    bounds: list[datetime] | None = None,
) -> list[RateCount]:
    """The rates' counts over the cases `vis` allows that `f` selects, summed per group key
    and, with `bounds` (ascending moments), per bucket [bounds[i], bounds[i+1]) of opening."""
    if vis.nothing or (f.area_units is not None and not f.area_units):
        return []
    p = _facts(tx, vis, f, rules, key, bounds)
    counted = p.c.out == 0
    awaiting = or_(p.c.has_timer == 0, p.c.response_due.is_not(None))
    in_time = and_(
        awaiting,
        p.c.response_at.is_not(None),
        or_(
            and_(p.c.has_timer == 1, p.c.response_at <= p.c.response_due),
            and_(
                p.c.has_timer == 0,
                or_(p.c.missed_at.is_(None), p.c.response_at <= p.c.missed_at),
            ),
        ),
    )

    def total(cond: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((and_(counted, cond), value), else_=0)), 0)

    closed = p.c.closed == 1
    query = select(
        p.c.key,
        p.c.bucket,
        total(true()).label("cases"),
        func.sum(p.c.out).label("excluded"),
        total(awaiting).label("awaiting"),
        total(in_time).label("in_time"),
        total(and_(closed, p.c.resolved_outcome == 1)).label("resolved"),
        total(p.c.rating.is_not(None)).label("rated"),
        total(p.c.rating >= 4).label("satisfied"),
        total(closed).label("closed"),
        total(and_(closed, p.c.missed_at.is_(None))).label("on_time"),
        total(p.c.mediated == 1).label("mediated"),
        total(p.c.agreement == 1).label("agreement"),
        total(closed, p.c.close_s).label("close_s"),
    ).group_by(p.c.key, p.c.bucket)
    return [
        RateCount(
            key=r.key,
            bucket=r.bucket,
            cases=int(r.cases),
            excluded=int(r.excluded),
            awaiting_response=int(r.awaiting),
            responded_in_time=int(r.in_time),
            resolved=int(r.resolved),
            rated=int(r.rated),
            satisfied=int(r.satisfied),
            closed=int(r.closed),
            closed_on_time=int(r.on_time),
            mediated=int(r.mediated),
            agreements=int(r.agreement),
            close_seconds=float(r.close_s),
        )
        for r in tx.conn.execute(query)
        if r.bucket is not None or not bounds
    ]


def opened_range(tx: SqlTransaction) -> tuple[datetime | None, datetime | None]:
    """The first and the last moment a case was opened (None, None without cases)."""
    r = tx.conn.execute(select(func.min(cases.c.opened_at), func.max(cases.c.opened_at))).one()
    lo, hi = r
    return lo, hi


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
