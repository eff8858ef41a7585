"""What the rates count of each case, kept in `rate_facts`, one row per case.

A case's facts (docs/RATES.md: whether it was excluded, called for a response and got it in
time, closed, on time, resolved, rated, mediated, how long it took, how often it was urged)
are worked out in SQL from the case, its history, its timers and its exclusion, by the rules
of the definition version it runs on (`FactRules`: which timers are deadlines, which one a
response must beat). The transaction that changes a case notes its id (`SqlTransaction.touch`:
a firing, a sweep of due timers, a migration, an exclusion, a hand-over) and rewrites the
case's facts just before it commits (`refresh`), so the facts never lag the case. The rates
then sum the facts instead of looking every case's history up again (engine.store.rates).
An open case's row also holds what the overdue board ranks it by (`BOARD_COLUMNS`,
engine.store.deadlines; engine.store.board), and each refresh keeps the facts' sums per month
(engine.store.rate_months) that the trend reads.

`rebuild` writes the facts of every case from scratch, a range of ids per statement: the
back-fill of migration 0011, and the reference the incremental facts are tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Select

from engine.definition import SYSTEM_ROLE, Definition
from engine.errors import UnknownWorkflowError
from engine.model import DEADLINE
from engine.reserved import (
    CATEGORY_FIELDS,
    CO_HANDLERS,
    ESCALATION_COUNT,
    HANDLING_UNIT,
    LEAD_UNIT,
    MERGED_INTO,
    ORGANISATION,
    OUTCOME,
    RATING_FIELDS,
    TIER,
)
from engine.store import rate_months
from engine.store.deadlines import fired_here, missed_at, next_deadline
from engine.store.tables import (
    CaseAccessRow,
    CaseRow,
    EventRow,
    RateExclusionRow,
    RateFactRow,
    TimerRow,
)

cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]
case_access = CaseAccessRow.__table__  # type: ignore[attr-defined]
rate_exclusions = RateExclusionRow.__table__  # type: ignore[attr-defined]
rate_facts = RateFactRow.__table__  # type: ignore[attr-defined]

MEDIATED_OUTCOMES: tuple[str, ...] = ("agreement", "failed", "period_expired", "not_performed")
RESOLVED_OUTCOMES: tuple[str, ...] = ("agreement",)
URGE_ACTION = "urge"
# The rates' columns (migration 0011).
RATE_COLUMNS: tuple[str, ...] = (
    "workflow",
    "opened_at",
    "org_unit",
    "grid_unit",
    "area_unit",
    "category",
    "organisation",
    "handling_unit",
    "lead_unit",
    "tier",
    "shared",
    "excluded",
    "counted",
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
# The overdue board's columns of an open case (migration 0012; 0 and NULL once it is closed):
# what it is ranked and filtered by, besides the tier and the units above (engine.store.board).
BOARD_COLUMNS: tuple[str, ...] = ("is_open", "escalated", "missed_here", "next_due", "missed_due")
# The columns a refresh rewrites: all but the key and the urges, which only `add_urges` moves.
FACT_COLUMNS: tuple[str, ...] = (*RATE_COLUMNS, *BOARD_COLUMNS)
_IDS = "__fq_ids__"  # where a refresh's id placeholders go in its compiled text
_CHUNK = 500  # ids per refresh statement


@dataclass(frozen=True, slots=True)
class FactRules:
    """What one definition version says the rates need (docs/RATES.md)."""

    deadlines: tuple[str, ...] = ()  # names of its deadline timers
    response: tuple[str, str] | None = None  # (state, timer) of its response deadline


def rules_of(definition: Definition) -> FactRules:
    timer = definition.response_timer()
    response = (timer.state, timer.name) if timer is not None else None
    return FactRules(tuple(sorted(definition.deadline_timers())), response)


RuleBook = Mapping[tuple[str, int], FactRules]  # (workflow, version) → its rules
DefinitionLookup = Callable[[str, int], Definition]


class FactsTransaction(Protocol):
    """What the facts need of a transaction (engine.store.repository.SqlTransaction)."""

    conn: Connection
    sqlite: bool
    cursor: Any


# -- the facts of a case, in SQL ---------------------------------------------------------------
def _text(field: str) -> Any:
    return cases.c.data[field].as_string()


def _by_version(rules: RuleBook, pick: Callable[[FactRules], Any], default: Any) -> Any:
    """`pick(rules)` of the case's own version, `default` for a version without rules."""
    branches = [
        (and_(cases.c.workflow == w, cases.c.workflow_version == v), pick(r))
        for (w, v), r in sorted(rules.items())
    ]
    return case(*branches, else_=default) if branches else default


def _missed(rules: RuleBook) -> Any:
    """The first due moment of a deadline the case missed (a deadline timer that fired)."""
    named = [
        and_(
            cases.c.workflow == w,
            cases.c.workflow_version == v,
            timers.c.name.in_(r.deadlines),
        )
        for (w, v), r in sorted(rules.items())
        if r.deadlines
    ]
    return (
        select(func.min(timers.c.fire_at))
        .where(
            timers.c.case_id == cases.c.id,
            timers.c.kind == DEADLINE,
            timers.c.status == "fired",
            or_(*named) if named else false(),
        )
        .correlate(cases)
        .scalar_subquery()
    )


def _first_person_action(state: str | None) -> Any:
    """When a person first acted on the case after opening (from `state`, if given)."""
    where = [events.c.case_id == cases.c.id, events.c.seq > 1, events.c.role != SYSTEM_ROLE]
    if state is not None:
        where.append(events.c.from_state == state)
    return select(func.min(events.c.at)).where(*where).correlate(cases).scalar_subquery()


def _response_due(timer: str) -> Any:
    """The first due moment of the case's response deadline (None: it was never called)."""
    return (
        select(func.min(timers.c.fire_at))
        .where(
            timers.c.case_id == cases.c.id,
            timers.c.name == timer,
            timers.c.kind == DEADLINE,
        )
        .correlate(cases)
        .scalar_subquery()
    )


def _close_seconds(is_sqlite: bool) -> Any:
    if is_sqlite:
        return (func.julianday(cases.c.closed_at) - func.julianday(cases.c.opened_at)) * 86400.0
    return func.extract("epoch", cases.c.closed_at - cases.c.opened_at)


def flag(cond: Any) -> Any:
    """1 where `cond` holds, else 0."""
    return case((cond, 1), else_=0)


def _board_facts() -> list[Any]:
    """The board's facts of an open case (engine.store.deadlines), 0 and NULL for a closed
    one: its lookups are made for the open cases only."""
    is_open = cases.c.closed_at.is_(None)
    count = func.coalesce(cases.c.data[ESCALATION_COUNT].as_integer(), 0)
    no_moment = cast(null(), timers.c.fire_at.type)
    return [
        flag(is_open).label("is_open"),
        flag(and_(is_open, count > 0)).label("escalated"),
        flag(and_(is_open, fired_here().correlate(cases))).label("missed_here"),
        case((is_open, next_deadline().correlate(cases)), else_=no_moment).label("next_due"),
        case((is_open, missed_at(None).correlate(cases)), else_=no_moment).label("missed_due"),
    ]


def _raw(rules: RuleBook, is_sqlite: bool, where: Any) -> Any:
    """One row per case: what its facts are made of, each lookup made once (materialised)."""
    responses = {k: r.response for k, r in rules.items() if r.response is not None}
    responding = {k: FactRules(response=r) for k, r in responses.items()}
    return (
        select(
            cases.c.id.label("case_id"),
            cases.c.workflow,
            cases.c.opened_at,
            cases.c.org_unit,
            cases.c.grid_unit,
            func.coalesce(cases.c.grid_unit, _text(HANDLING_UNIT), cases.c.org_unit).label(
                "area_unit"
            ),
            func.coalesce(*(_text(f) for f in CATEGORY_FIELDS)).label("category"),
            _text(ORGANISATION).label("organisation"),
            _text(HANDLING_UNIT).label("handling_unit"),
            _text(LEAD_UNIT).label("lead_unit"),
            func.coalesce(cases.c.data[TIER].as_integer(), 0).label("tier"),
            flag(
                or_(
                    _text(CO_HANDLERS).is_not(None),
                    exists().where(case_access.c.case_id == cases.c.id),
                )
            ).label("shared"),
            flag(
                or_(
                    _text(MERGED_INTO).is_not(None),
                    exists().where(rate_exclusions.c.case_id == cases.c.id),
                )
            ).label("excluded"),
            _by_version(responding, lambda r: literal(1), literal(0)).label("has_timer"),
            _by_version(
                responding,
                lambda r: _first_person_action(r.response[0] if r.response else None),
                _first_person_action(None),
            ).label("response_at"),
            _by_version(
                responding,
                lambda r: _response_due(r.response[1] if r.response else ""),
                cast(null(), timers.c.fire_at.type),
            ).label("response_due"),
            _missed(rules).label("missed_at"),
            flag(cases.c.closed_at.is_not(None)).label("closed"),
            _text(OUTCOME).label("outcome"),
            func.coalesce(*(cases.c.data[f].as_integer() for f in RATING_FIELDS)).label("rating"),
            case((cases.c.closed_at.is_not(None), _close_seconds(is_sqlite)), else_=0.0).label(
                "close_s"
            ),
            *_board_facts(),
        )
        .where(where)
        .cte("raw")
        .prefix_with("MATERIALIZED")
    )


def fact_select(rules: RuleBook, is_sqlite: bool, where: Any) -> Select[Any]:
    """The facts of the cases `where` selects, in the columns of `rate_facts` (urges: the
    urges the history records)."""
    r = _raw(rules, is_sqlite, where)
    counted = r.c.excluded == 0
    awaiting = or_(r.c.has_timer == 0, r.c.response_due.is_not(None))
    in_time = and_(
        awaiting,
        r.c.response_at.is_not(None),
        or_(
            and_(r.c.has_timer == 1, r.c.response_at <= r.c.response_due),
            and_(
                r.c.has_timer == 0,
                or_(r.c.missed_at.is_(None), r.c.response_at <= r.c.missed_at),
            ),
        ),
    )
    closed = r.c.closed == 1

    def counts(cond: Any) -> Any:
        return flag(and_(counted, cond))

    return select(
        r.c.case_id,
        r.c.workflow,
        r.c.opened_at,
        r.c.org_unit,
        r.c.grid_unit,
        r.c.area_unit,
        r.c.category,
        r.c.organisation,
        r.c.handling_unit,
        r.c.lead_unit,
        r.c.tier,
        r.c.shared,
        r.c.excluded,
        flag(counted).label("counted"),
        counts(awaiting).label("awaiting"),
        counts(in_time).label("in_time"),
        counts(and_(closed, or_(r.c.outcome.is_(None), r.c.outcome.in_(RESOLVED_OUTCOMES)))).label(
            "resolved"
        ),
        counts(r.c.rating.is_not(None)).label("rated"),
        counts(r.c.rating >= 4).label("satisfied"),
        counts(closed).label("closed"),
        counts(and_(closed, r.c.missed_at.is_(None))).label("on_time"),
        counts(r.c.outcome.in_(MEDIATED_OUTCOMES)).label("mediated"),
        counts(r.c.outcome == "agreement").label("agreement"),
        case((and_(counted, closed), r.c.close_s), else_=0.0).label("close_s"),
        *(r.c[c] for c in BOARD_COLUMNS),
    ).where(r.c.case_id.is_not(None))  # SQLite: an INSERT … SELECT … ON CONFLICT needs a WHERE


def _upsert(
    rules: RuleBook,
    is_sqlite: bool,
    where: Any,
    urges: Any = None,
    columns: Sequence[str] = FACT_COLUMNS,
) -> Any:
    """INSERT the facts (`columns` of them) of the cases `where` selects, replacing theirs but
    for the urges: a new row takes `urges`, or (None) the case's own count, `cases.urges`."""
    query = fact_select(rules, is_sqlite, where)
    if tuple(columns) != FACT_COLUMNS:
        picked = query.selected_columns
        query = query.with_only_columns(picked.case_id, *(picked[c] for c in columns))
    if urges is None:
        urged = cases.alias("urged")
        own = select(urged.c.urges).where(urged.c.id == query.selected_columns.case_id)
        urges = own.scalar_subquery()
    query = query.add_columns(urges.label("urges"))
    names = ["case_id", *columns, "urges"]
    if is_sqlite:
        ins: Any = sqlite.insert(rate_facts).from_select(names, query, include_defaults=False)
    else:
        ins = postgresql.insert(rate_facts).from_select(names, query, include_defaults=False)
    return ins.on_conflict_do_update(
        index_elements=["case_id"], set_={c: ins.excluded[c] for c in columns}
    )


# -- keeping them --------------------------------------------------------------------------------
class RefreshStatements:
    """The refresh's SQL text per set of versions and number of ids, compiled once, and the
    rules of each version, worked out once (a published version never changes): a firing
    runs its refresh on the driver cursor like the rest of its statements
    (engine.store.statements)."""

    def __init__(self, is_sqlite: bool) -> None:
        self.sqlite = is_sqlite
        self._rules: dict[tuple[str, int], FactRules] = {}
        self._texts: dict[tuple[tuple[tuple[str, int], ...], int], str] = {}

    def rules(self, key: tuple[str, int], lookup: DefinitionLookup) -> FactRules:
        """The version's rules; none (no deadline, no response timer) for a version this
        process cannot load, not kept: the facts of its cases are still written (a sweep's
        other cases commit, engine.sweep), and right once the version loads and they change."""
        found = self._rules.get(key)
        if found is None:
            try:
                found = self._rules[key] = rules_of(lookup(*key))
            except UnknownWorkflowError:
                return FactRules()
        return found

    def text_for(
        self,
        versions: tuple[tuple[str, int], ...],
        n: int,
        lookup: DefinitionLookup,
        dialect: Dialect,
    ) -> str:
        """The upsert of `n` cases' facts, cases of these (sorted) versions."""
        sql = self._texts.get((versions, n))
        if sql is None:
            if len(self._texts) > 1024:
                self._texts.clear()
            book = {k: self.rules(k, lookup) for k in versions}
            stmt = _upsert(book, self.sqlite, text(f"cases.id IN ({_IDS})"), literal(0))
            literal_binds = {"literal_binds": True}
            compiled = str(stmt.compile(dialect=dialect, compile_kwargs=literal_binds))
            mark = "?" if self.sqlite else "%s"
            sql = compiled.replace(_IDS, ", ".join([mark] * n))
            if all(k in self._rules for k in versions):  # not with a version yet unknown
                self._texts[(versions, n)] = sql
        return sql


def refresh(
    tx: FactsTransaction,
    hot: RefreshStatements,
    touched: Mapping[int, tuple[str, int] | None],
    lookup: DefinitionLookup,
) -> None:
    """Rewrite the facts of the `touched` cases (id → (workflow, version), None where not
    known yet) by the rules of their versions."""
    cur = tx.cursor
    if len(touched) == 1:  # a firing: one case, its version known
        ((case_id, version),) = touched.items()
        if version is not None:
            with rate_months.kept(tx, (case_id,)):
                cur.execute(hot.text_for((version,), 1, lookup, tx.conn.dialect), (case_id,))
            return
    known = {i: k for i, k in touched.items() if k is not None}
    unknown = [i for i, k in touched.items() if k is None]
    mark = "?" if tx.sqlite else "%s"
    for i in range(0, len(unknown), _CHUNK):
        chunk = unknown[i : i + _CHUNK]
        cur.execute(
            f"SELECT id, workflow, workflow_version FROM cases WHERE id IN"
            f" ({', '.join([mark] * len(chunk))})",
            tuple(chunk),
        )
        known.update((int(r[0]), (str(r[1]), int(r[2]))) for r in cur.fetchall())
    ids = sorted(known)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        versions = tuple(sorted({known[c] for c in chunk}))
        sql = hot.text_for(versions, len(chunk), lookup, tx.conn.dialect)
        with rate_months.kept(tx, chunk):
            cur.execute(sql, tuple(chunk))


def add_urges(tx: FactsTransaction, case_ids: Sequence[int]) -> None:
    """Count one more urge (催办) on each of the cases (an id listed twice counts twice)."""
    times: dict[int, int] = {}
    for c in case_ids:
        times[c] = times.get(c, 0) + 1
    with rate_months.kept(tx, sorted(times)):
        for c, n in sorted(times.items()):
            tx.conn.execute(
                update(rate_facts)
                .where(rate_facts.c.case_id == c)
                .values(urges=rate_facts.c.urges + n)
            )


# -- from scratch --------------------------------------------------------------------------------
def rebuild(
    conn: Connection,
    rules: RuleBook,
    *,
    batch: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
    columns: Sequence[str] = FACT_COLUMNS,
    open_only: bool = False,
    months: bool = True,
) -> None:
    """Write the facts of every case from scratch, `batch` case ids per statement (each in
    the caller's transaction); `progress(last_id, top_id)` after each batch. `columns`: those
    of the schema the caller migrates to (0011: the rates' own); `open_only`: rewrite the
    open cases' rows only, keeping the others (0012: the board's columns of a closed case
    are their defaults); `months`: sum them into their months (`rate_months`) afterwards."""
    is_sqlite = conn.dialect.name == "sqlite"
    if not open_only:
        conn.execute(rate_facts.delete())
    found = conn.execute(select(func.max(cases.c.id))).scalar_one()
    top = -1 if found is None else int(found)
    for lo in range(0, top + 1, batch):
        where = and_(cases.c.id >= lo, cases.c.id < lo + batch)
        if open_only:
            where = and_(where, cases.c.closed_at.is_(None))
        conn.execute(_upsert(rules, is_sqlite, where, columns=columns))
        if progress is not None:
            progress(min(lo + batch - 1, top), top)
    if months:
        rate_months.rebuild(conn)


def book_of(definitions: Iterable[Definition]) -> dict[tuple[str, int], FactRules]:
    """The rule book of these definition versions."""
    return {(d.name, d.version): rules_of(d) for d in definitions}


def facts(conn: Connection) -> dict[int, tuple[Any, ...]]:
    """Every case's stored facts (case id → the row's values but the id), for comparing."""
    cols = [rate_facts.c[c] for c in (*FACT_COLUMNS, "urges")]
    rows = conn.execute(select(rate_facts.c.case_id, *cols).order_by(rate_facts.c.case_id))
    return {int(r[0]): tuple(r[1:]) for r in rows}
