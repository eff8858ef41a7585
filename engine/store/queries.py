"""Case lists for users: visibility, filters, pagination, deadlines. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql

from engine.external import ExternalRef
from engine.model import Case
from engine.reserved import (
    ASSIGNEE_FIELDS,
    HANDOFF_FIELDS,
    HANDOFF_LIST_FIELDS,
    TEXT_FIELDS,
    TIER,
)
from engine.store.deadlines import (
    fired_here,
    live_deadline,
    missed_at,
    next_deadline,
)
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseAccessRow, CaseRow, EventRow, TimerRow
from engine.visibility import Visibility

case_access = CaseAccessRow.__table__  # type: ignore[attr-defined]
cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]

# The workroom's queue sorts by urgency unless asked otherwise (engine.urgency).
SORTS: tuple[str, ...] = ("urgency", "newest", "oldest", "updated", "deadline")


@dataclass(frozen=True, slots=True)
class CaseFilter:
    workflow: str | None = None
    state: str | None = None
    org_unit: str | None = None
    grid_unit: str | None = None
    overdue: bool | None = None
    assigned_to: str | None = None
    text: str | None = None
    open_only: bool | None = None
    # A deadline that still counts falls due before this moment ("due soon").
    due_before: datetime | None = None
    # The source system and its ticket number (engine.external).
    external_source: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class CaseListItem:
    case: Case
    next_deadline: datetime | None
    overdue: bool
    external: ExternalRef | None = None


@dataclass(frozen=True, slots=True)
class CasePage:
    items: list[CaseListItem]
    total: int


def case_from_row(row: Row[Any]) -> Case:
    m = row._mapping
    return Case(
        id=m["id"],
        workflow=m["workflow"],
        workflow_version=m["workflow_version"],
        state=m["state"],
        data=dict(m["data"]),
        version=m["version"],
        opened_at=m["opened_at"],
        updated_at=m["updated_at"],
        state_entered_at=m["state_entered_at"],
        last_seq=m["last_seq"],
        entered_seq=m["entered_seq"],
        org_unit=m["org_unit"],
        grid_unit=m["grid_unit"],
        assignee=m["assignee"],
        opened_by=m["opened_by"],
        closed_at=m["closed_at"],
    )


def external_of(row: Row[Any]) -> ExternalRef | None:
    """The source and ticket number of a case's row, if it has them."""
    m = row._mapping
    source, ticket = m["external_source"], m["external_id"]
    return None if source is None or ticket is None else ExternalRef(source, ticket)


def _json_text(field: str) -> ColumnElement[Any]:
    text: ColumnElement[Any] = cases.c.data[field].as_string()
    return text


def visible_clause(vis: Visibility, sqlite: bool) -> ColumnElement[bool]:
    """SQL for "the user sees this case": engine.visibility.sees, as a filter."""
    if vis.everything:
        return true()
    if not vis.units:
        return false()
    units = sorted(vis.units)
    clauses: list[ColumnElement[bool]] = [
        cases.c.org_unit.in_(units),
        cases.c.grid_unit.in_(units),
        exists().where(and_(case_access.c.case_id == cases.c.id, case_access.c.unit.in_(units))),
    ]
    clauses += [_json_text(f).in_(units) for f in HANDOFF_FIELDS]
    for f in HANDOFF_LIST_FIELDS:
        if sqlite:
            each = func.json_each(cases.c.data, f"$.{f}").table_valued("value")
            clauses.append(exists().where(cast(each.c.value, String).in_(units)))
        else:
            clauses.append(cases.c.data[f].op("?|")(postgresql.array(units, type_=String)))
    tier = func.coalesce(cases.c.data[TIER].as_integer(), 0)
    for k, grids in enumerate(vis.grids_by_tier, start=1):
        if grids:
            clauses.append(and_(cases.c.grid_unit.in_(sorted(grids)), tier >= k))
    return or_(*clauses)


def tier_of() -> ColumnElement[int]:
    """The case's grid tier (0 without one)."""
    tier: ColumnElement[int] = func.coalesce(cases.c.data[TIER].as_integer(), 0)
    return tier


def urgency_order(
    overdue: ColumnElement[Any],
    tier: ColumnElement[Any],
    missed: ColumnElement[Any],
    deadline: ColumnElement[Any],
    case_id: ColumnElement[Any],
) -> list[Any]:
    """ORDER BY for engine.urgency.urgency_key: overdue first, then the higher tier, the
    earliest missed deadline, the nearest next deadline, the lower case number."""
    missed_known = and_(overdue, missed.is_not(None))
    return [
        case((overdue, 0), else_=1),
        case((overdue, tier), else_=0).desc(),
        case((missed_known, 0), else_=1),
        case((missed_known, missed), else_=None).asc(),
        deadline.is_(None),
        deadline.asc(),
        case_id.asc(),
    ]


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Open, and a deadline is past due (pending, or missed and unmet in this stay: skipped
    at the top tier, given up after failing), or one fired while the case stayed in its
    state."""
    past_due = exists().where(and_(live_deadline(), timers.c.fire_at <= now))
    return and_(cases.c.closed_at.is_(None), or_(past_due, fired_here()))


def _filtered(
    query: Select[Any], vis: Visibility, f: CaseFilter, now: datetime, sqlite: bool
) -> Select[Any]:
    query = query.where(visible_clause(vis, sqlite))
    if f.workflow:
        query = query.where(cases.c.workflow == f.workflow)
    if f.state:
        query = query.where(cases.c.state == f.state)
    if f.org_unit:
        query = query.where(cases.c.org_unit == f.org_unit)
    if f.grid_unit:
        query = query.where(cases.c.grid_unit == f.grid_unit)
    if f.external_source:
        query = query.where(cases.c.external_source == f.external_source)
    if f.external_id:
        query = query.where(cases.c.external_id == f.external_id)
    if f.open_only is not None:
        query = query.where(
            cases.c.closed_at.is_(None) if f.open_only else cases.c.closed_at.is_not(None)
        )
    if f.overdue is not None:
        clause = overdue_clause(now)
        query = query.where(clause if f.overdue else ~clause)
    if f.due_before is not None:
        query = query.where(exists().where(and_(live_deadline(), timers.c.fire_at <= f.due_before)))
    if f.assigned_to:
        # Assigned to the person: the case's assignee (claimed, assigned by the workroom
        # head, or set by the workflow); a case nobody was assigned to by its fields
        # (`mediator`, `assignee`). An assignee set wins over the fields.
        query = query.where(
            or_(
                cases.c.assignee == f.assigned_to,
                and_(
                    cases.c.assignee.is_(None),
                    or_(*(_json_text(a) == f.assigned_to for a in ASSIGNEE_FIELDS)),
                ),
            )
        )
    if f.text:
        # The text is matched literally: % and _ in it are not wildcards.
        literal_text = f.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        needle = f"%{literal_text}%"
        matches: list[ColumnElement[bool]] = [
            func.lower(_json_text(t)).like(needle, escape="\\") for t in TEXT_FIELDS
        ]
        # A case number: ASCII digits only (str.isdigit also accepts ² and ①, which int()
        # refuses), and short enough for a 64-bit id.
        number = f.text.strip()
        if number.isascii() and number.isdigit() and len(number) <= 18:
            matches.append(cases.c.id == int(number))
        matches.append(cases.c.external_id == number)  # a source's ticket number
        query = query.where(or_(*matches))
    return query


def list_cases(
    tx: SqlTransaction,
    vis: Visibility,
    f: CaseFilter,
    now: datetime,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str = "newest",
) -> CasePage:
    """One page of the cases `vis` allows, newest first by default, with the total count."""
    if vis.nothing:
        return CasePage([], 0)
    deadline = next_deadline().label("next_deadline")
    overdue = overdue_clause(now).label("overdue")
    count = _filtered(select(func.count()).select_from(cases), vis, f, now, tx.sqlite)
    total = int(tx.conn.execute(count).scalar_one())
    if sort == "urgency":
        return CasePage(_by_urgency(tx, vis, f, now, limit, offset), total)
    query = _filtered(select(cases, deadline, overdue), vis, f, now, tx.sqlite)
    order: list[Any] = {
        "newest": [cases.c.id.desc()],
        "oldest": [cases.c.id.asc()],
        "updated": [cases.c.updated_at.desc(), cases.c.id.desc()],
        "deadline": [deadline.is_(None), deadline.asc(), cases.c.id.asc()],
    }[sort]
    return CasePage(_items(tx, query.order_by(*order).limit(limit).offset(offset)), total)


def _by_urgency(
    tx: SqlTransaction, vis: Visibility, f: CaseFilter, now: datetime, limit: int, offset: int
) -> list[CaseListItem]:
    """One page of the cases most urgent first (engine.urgency). Each case's deadline lookups
    are made once, in a materialised CTE (the planners would otherwise repeat them for every
    sort key); only the page's rows are read whole."""
    no_jit(tx)
    keys = select(
        cases.c.id,
        overdue_clause(now).label("overdue"),
        missed_at(now).label("missed_at"),
        next_deadline().label("next_deadline"),
        tier_of().label("tier"),
    )
    ranked = _filtered(keys, vis, f, now, tx.sqlite).cte("ranked").prefix_with("MATERIALIZED")
    c = ranked.c
    page = tx.conn.execute(
        select(c.id, c.overdue, c.next_deadline)
        .order_by(*urgency_order(c.overdue, c.tier, c.missed_at, c.next_deadline, c.id))
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [r.id for r in page]
    rows = {r.id: r for r in tx.conn.execute(select(cases).where(cases.c.id.in_(ids)))}
    return [
        CaseListItem(
            case_from_row(rows[r.id]), r.next_deadline, bool(r.overdue), external_of(rows[r.id])
        )
        for r in page
    ]


def no_jit(tx: SqlTransaction) -> None:
    """PostgreSQL compiles a query it expects to be costly (JIT); for the many short
    correlated lookups of a ranking that costs more than it saves (docs/PERFORMANCE.md,
    the overdue board). For the rest of this transaction only."""
    if not tx.sqlite:
        tx.conn.execute(text("SET LOCAL jit = off"))


def _items(tx: SqlTransaction, query: Select[Any]) -> list[CaseListItem]:
    return [
        CaseListItem(
            case_from_row(r),
            r._mapping["next_deadline"],
            bool(r._mapping["overdue"]),
            external_of(r),
        )
        for r in tx.conn.execute(query)
    ]


def case_batch(
    tx: SqlTransaction,
    vis: Visibility,
    f: CaseFilter,
    now: datetime,
    *,
    before_id: int | None,
    limit: int,
) -> list[CaseListItem]:
    """The next `limit` cases `vis` allows, newest first, with an id below `before_id` (from
    the newest when None): a keyset page, as cheap at the end of a long list as at its start."""
    if vis.nothing:
        return []
    deadline = next_deadline().label("next_deadline")
    overdue = overdue_clause(now).label("overdue")
    query = _filtered(select(cases, deadline, overdue), vis, f, now, tx.sqlite)
    if before_id is not None:
        query = query.where(cases.c.id < before_id)
    rows = tx.conn.execute(query.order_by(cases.c.id.desc()).limit(limit)).all()
    return [
        CaseListItem(
            case_from_row(r),
            r._mapping["next_deadline"],
            bool(r._mapping["overdue"]),
            external_of(r),
        )
        for r in rows
    ]


def count_cases(tx: SqlTransaction, vis: Visibility, f: CaseFilter, now: datetime) -> int:
    """How many cases `vis` allows under the filter."""
    if vis.nothing:
        return 0
    count = _filtered(select(func.count()).select_from(cases), vis, f, now, tx.sqlite)
    return int(tx.conn.execute(count).scalar_one())


def is_overdue(tx: SqlTransaction, case_id: int, now: datetime) -> bool:
    query = (
        select(literal(1))
        .select_from(cases)
        .where(and_(cases.c.id == case_id, overdue_clause(now)))
    )
    return tx.conn.execute(query).first() is not None


def handed_units(tx: SqlTransaction, case_id: int) -> list[str]:
    """Units the case was explicitly handed to (referral, joint handling)."""
    rows = tx.conn.execute(select(case_access.c.unit).where(case_access.c.case_id == case_id))
    return [r.unit for r in rows]


def hand_over(tx: SqlTransaction, case_id: int, unit: str, reason: str, at: datetime) -> bool:
    """Give `unit` access to the case; False if it had it already."""
    tx.lock_for_facts(case_id)
    known = tx.conn.execute(
        select(case_access.c.unit).where(
            and_(case_access.c.case_id == case_id, case_access.c.unit == unit)
        )
    ).first()
    if known is not None:
        return False
    tx.conn.execute(
        insert(case_access),
        {"case_id": case_id, "unit": unit, "granted_at": at, "reason": reason},
    )
    tx.touch((case_id,))  # its rate facts: handed over, it is shared
    return True


def open_cases_by_version(
    tx: SqlTransaction, workflow: str, vis: Visibility | None = None
) -> dict[int, int]:
    """How many cases of `workflow` are open (not closed: not in a final state) on each of
    its versions, of those `vis` sees (all without it); versions without an open case are
    left out. One GROUP BY."""
    conditions = [cases.c.workflow == workflow, cases.c.closed_at.is_(None)]
    if vis is not None:
        conditions.append(visible_clause(vis, tx.sqlite))
    rows = tx.conn.execute(
        select(cases.c.workflow_version, func.count())
        .where(*conditions)
        .group_by(cases.c.workflow_version)
        .order_by(cases.c.workflow_version)
    )
    return {int(version): int(count) for version, count in rows}
