"""The rates' counts, summed in the database per group and period from the cases' facts
(engine.store.rate_facts); the reviewed exclusions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from engine.reserved import HANDLING_UNIT
from engine.store.queries import cases, visible_clause
from engine.store.rate_facts import RuleBook, fact_select, rate_facts
from engine.store.rate_months import month_of, month_start, rate_months
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
    urged: int


GROUP_KEYS: tuple[str, ...] = ("none", "organisation", "grid", "area", "category", "workflow")
facts = rate_facts.c


def visible_facts(vis: Visibility, sqlite: bool) -> Any:
    """engine.visibility.sees on the facts' own columns (the owner, the grid and its tier,
    the hand-off fields); a shared case (co-handlers, handed over) is asked of the case
    itself (engine.store.queries.visible_clause)."""
    if vis.everything:
        return true()
    if not vis.units:
        return false()
    # The shared cases the user sees, worked out once (not correlated: PostgreSQL ran a
    # correlated EXISTS in this OR at ~7 µs a case, though it never had to execute it).
    shared = rate_facts.alias("shared_facts")
    clauses = [
        facts.case_id.in_(
            select(shared.c.case_id)
            .join(cases, cases.c.id == shared.c.case_id)
            .where(shared.c.shared == literal_column("1"), visible_clause(vis, sqlite))
        )
    ]
    return or_(_visible_columns(facts, vis, sqlite), *clauses)


def _visible_columns(cols: Any, vis: Visibility, sqlite: bool) -> Any:
    """engine.visibility.sees on the owner, the grid and its tier, the hand-off fields, in
    columns named as the facts' (`cols`: the facts, the months); not the shared cases."""
    if not vis.units:
        return false()
    units = _units(vis.units, sqlite)
    clauses = [
        cols.org_unit.in_(units),
        cols.grid_unit.in_(units),
        # HANDOFF_FIELDS, one column each
        cols.organisation.in_(units),
        cols.handling_unit.in_(units),
        cols.lead_unit.in_(units),
    ]
    for k, grids in enumerate(vis.grids_by_tier, start=1):
        if grids:
            clauses.append(and_(cols.grid_unit.in_(_units(grids, sqlite)), cols.tier >= k))
    return or_(*clauses)


def _units(codes: frozenset[str], sqlite: bool) -> Any:
    """Unit codes for an IN list. PostgreSQL gets them as constants (rendered and quoted by
    SQLAlchemy when the statement runs): it hashes an IN list of constants, and searches one
    of parameters element by element, for every case, over thousands of units (the
    supervisor's month: 0.9 s instead of 0.1 s). SQLite indexes either."""
    values = sorted(codes)
    if sqlite:
        return values
    return bindparam("units", values, unique=True, expanding=True, literal_execute=True)


def _range(f: RateFilter, bounds: list[datetime] | None) -> tuple[Any, Any]:
    start = bounds[0] if bounds else f.start
    end = bounds[-1] if bounds else f.end
    if f.start is not None and (start is None or f.start > start):
        start = f.start
    if f.end is not None and (end is None or f.end < end):
        end = f.end
    return start, end


def _conditions(cols: Any, f: RateFilter, bounds: list[datetime] | None) -> list[Any]:
    """The filter `f` (and the buckets' span) on columns named as the facts' (`cols`)."""
    out = []
    start, end = _range(f, bounds)
    if start is not None:
        out.append(cols.opened_at >= start)
    if end is not None:
        out.append(cols.opened_at < end)
    if f.workflow:
        out.append(cols.workflow == f.workflow)
    if f.org_unit:
        out.append(cols.org_unit == f.org_unit)
    if f.grid_unit:
        out.append(cols.grid_unit == f.grid_unit)
    if f.area_units is not None:
        out.append(cols.area_unit.in_(sorted(f.area_units)))
    return out


def _group_key(cols: Any, key: str) -> Any:
    column = {
        "organisation": "org_unit",
        "grid": "grid_unit",
        "area": "area_unit",
        "category": "category",
        "workflow": "workflow",
    }.get(key)
    return cols[column] if column else literal("all")


def _summed(cols: Any, key: str, bounds: list[datetime] | None, where: list[Any]) -> Any:
    """The counts per group key (and bucket) of the facts `cols` (a table or a subquery) that
    `where` selects. With buckets, one branch per bucket, each a range of opening moments:
    no database has to sort the whole range to group it by a bucket worked out per row
    (SQLite would, through a temporary B-tree)."""
    k = _group_key(cols, key).label("key")
    sums = (
        *(func.coalesce(func.sum(cols[c]), 0).label(c) for c in SUMMED),
        func.coalesce(func.sum(case((cols.urges > 0, cols.counted), else_=0)), 0).label("urged"),
    )
    if not bounds:
        query = select(k, literal(None).label("bucket"), *sums).where(*where)
        return query.group_by(k) if key != "none" else query
    branches = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        query = select(k, literal(i).label("bucket"), *sums).where(
            cols.opened_at >= lo, cols.opened_at < hi, *where
        )
        branches.append(query.group_by(k) if key != "none" else query)
    return union_all(*branches)


SUMMED: tuple[str, ...] = (
    "counted",
    "excluded",
    "awaiting",
    "in_time",
    "resolved",
    "rated",
    "satisfied",
    "closed",
    "on_time",
    "mediated",
    "agreement",
    "close_s",
)


def _counts(tx: SqlTransaction, query: Any, bounds: list[datetime] | None) -> list[RateCount]:
    return [
        RateCount(
            key=r.key,
            bucket=r.bucket,
            cases=int(r.counted),
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
            urged=int(r.urged),
        )
        for r in tx.conn.execute(query)
        if r.counted or r.excluded  # a bucket without cases sums to nothing
    ]


def rate_counts(
    tx: SqlTransaction,
    vis: Visibility,
    f: RateFilter,
    key: str = "none",
    bounds: list[datetime] | None = None,
) -> list[RateCount]:
    """The rates' counts over the cases `vis` allows that `f` selects, summed from their
    facts (engine.store.rate_facts) per group key and, with `bounds` (ascending moments), per
    bucket [bounds[i], bounds[i+1]) of opening."""
    if vis.nothing or (f.area_units is not None and not f.area_units):
        return []
    if bounds and _by_months(f, key, bounds):
        return _month_counts(tx, vis, f, key, bounds)
    return _fact_counts(tx, vis, f, key, bounds)


def _fact_counts(
    tx: SqlTransaction,
    vis: Visibility,
    f: RateFilter,
    key: str,
    bounds: list[datetime] | None,
    *only: Any,
) -> list[RateCount]:
    """`rate_counts` summed from the cases' facts (those `only` selects, if given)."""
    where = [*only, visible_facts(vis, tx.sqlite), *_conditions(facts, f, bounds)]
    if not bounds or vis.everything or tx.sqlite:
        return _counts(tx, _summed(facts, key, bounds, where), bounds)
    # PostgreSQL: the visibility filter (thousands of units) written once, not once per
    # bucket; the branches read it as a CTE it folds into each of them (SQLite would not push
    # the branches' ranges into it, and scan every case in every branch).
    seen = select(rate_facts).where(*where).cte("seen").prefix_with("NOT MATERIALIZED")
    return _counts(tx, _summed(seen.c, key, bounds, []), bounds)


# The group keys the months' sums keep (engine.store.rate_months).
MONTH_KEYS: tuple[str, ...] = ("none", "organisation", "grid", "area", "workflow")


def _by_months(f: RateFilter, key: str, bounds: list[datetime]) -> bool:
    """Whether the months' sums answer: buckets of whole months one after the other (China
    Standard Time), no narrower span asked, a key they keep."""
    if key not in MONTH_KEYS or len(bounds) < 2 or _range(f, bounds) != (bounds[0], bounds[-1]):
        return False
    first = month_of(bounds[0])
    return all(b == month_start(first + i) for i, b in enumerate(bounds))


def _month_counts(
    tx: SqlTransaction, vis: Visibility, f: RateFilter, key: str, bounds: list[datetime]
) -> list[RateCount]:
    """`rate_counts` per month from the months' sums; for a user who does not see
    everything, the shared cases (co-handlers, handed over) are asked case by case of their
    facts, and the months read without them."""
    m = rate_months.c
    first = month_of(bounds[0])
    where = [m.month >= first, m.month < first + len(bounds) - 1]
    for column, value in (("workflow", f.workflow), ("org_unit", f.org_unit)):
        if value:
            where.append(m[column] == value)
    if f.grid_unit:
        where.append(m.grid_unit == f.grid_unit)
    if f.area_units is not None:
        where.append(m.area_unit.in_(sorted(f.area_units)))
    if not vis.everything:
        where += [m.shared == 0, _visible_columns(m, vis, tx.sqlite)]
    k = _group_key(m, key)
    bucket = (m.month - first).label("bucket")
    sums = [func.coalesce(func.sum(m[c]), 0).label(c) for c in (*SUMMED, "urged")]
    query = select(k.label("key"), bucket, *sums).where(*where)
    query = query.group_by(m.month) if key == "none" else query.group_by(k, m.month)
    found = [replace(c, key=c.key or None) for c in _counts(tx, query, bounds)]
    if vis.everything:
        return found
    # The shared cases the user sees, found once (the partial index ix_rate_facts_shared, the
    # full filter asked of each case), then summed by their ids.
    shared_only = facts.shared == literal_column("1")
    seen = (
        select(facts.case_id)
        .join(cases, cases.c.id == facts.case_id)
        .where(shared_only, visible_clause(vis, tx.sqlite), *_conditions(facts, f, bounds))
    )
    ids = [int(i) for i in tx.conn.execute(seen).scalars()]
    if not ids:
        return found
    if len(ids) > _MAX_IDS:
        return _merged([*found, *_fact_counts(tx, vis, f, key, bounds, shared_only)])
    where = [facts.case_id.in_(ids), *_conditions(facts, f, bounds)]
    return _merged([*found, *_counts(tx, _summed(facts, key, bounds, where), bounds)])


_MAX_IDS = 5_000  # more shared cases than these: asked as the facts are


def _merged(counts: list[RateCount]) -> list[RateCount]:
    """The counts of the same key and bucket added up."""
    out: dict[tuple[str | None, int | None], RateCount] = {}
    for c in counts:
        had = out.get((c.key, c.bucket))
        if had is None:
            out[(c.key, c.bucket)] = c
            continue
        out[(c.key, c.bucket)] = RateCount(
            c.key,
            c.bucket,
            *(getattr(had, n) + getattr(c, n) for n in _COUNT_FIELDS),
        )
    return list(out.values())


_COUNT_FIELDS: tuple[str, ...] = (
    "cases",
    "excluded",
    "awaiting_response",
    "responded_in_time",
    "resolved",
    "rated",
    "satisfied",
    "closed",
    "closed_on_time",
    "mediated",
    "agreements",
    "close_seconds",
    "urged",
)


def live_rate_counts(
    tx: SqlTransaction,
    vis: Visibility,
    f: RateFilter,
    rules: RuleBook,
    key: str = "none",
    bounds: list[datetime] | None = None,
) -> list[RateCount]:
    """`rate_counts` with every case's facts worked out from its history on the spot, by
    `rules`: what the rates did before the facts were kept, and the reference the kept facts
    are checked against (tests, bench/rates.py)."""
    if vis.nothing or (f.area_units is not None and not f.area_units):
        return []
    on_cases = _conditions(_CaseColumns(), f, bounds)
    live = fact_select(rules, tx.sqlite, and_(visible_clause(vis, tx.sqlite), *on_cases))
    sub = live.add_columns(literal(0).label("urges")).subquery("facts")
    return _counts(tx, _summed(sub.c, key, bounds, []), bounds)


class _CaseColumns:
    """The cases' columns under the facts' names, for filtering cases like facts."""

    opened_at = cases.c.opened_at
    workflow = cases.c.workflow
    org_unit = cases.c.org_unit
    grid_unit = cases.c.grid_unit
    # the unit the case is handled in: its grid unit, else its handling unit, else its owner
    area_unit = func.coalesce(
        cases.c.grid_unit, cases.c.data[HANDLING_UNIT].as_string(), cases.c.org_unit
    )


def opened_range(tx: SqlTransaction) -> tuple[datetime | None, datetime | None]:
    """The first and the last moment a case was opened (None, None without cases)."""
    r = tx.conn.execute(select(func.min(cases.c.opened_at), func.max(cases.c.opened_at))).one()
    lo, hi = r
    return lo, hi


def exclude(tx: SqlTransaction, case_id: int, reason: str, reviewer: str, at: datetime) -> bool:
    """Exclude a case from the rates; False if it was excluded already (reason kept)."""
    tx.lock_for_facts(case_id)
    known = tx.conn.execute(
        select(rate_exclusions.c.case_id).where(rate_exclusions.c.case_id == case_id)
    ).first()
    if known is not None:
        return False
    tx.conn.execute(
        insert(rate_exclusions),
        {"case_id": case_id, "reason": reason, "reviewer": reviewer, "at": at},
    )
    tx.touch((case_id,))
    return True


def include_again(tx: SqlTransaction, case_id: int) -> bool:
    tx.lock_for_facts(case_id)
    result = tx.conn.execute(delete(rate_exclusions).where(rate_exclusions.c.case_id == case_id))
    tx.touch((case_id,))
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
