"""Migration runs and their previews per case (engine.casework.migration).

A run is one row of `migration_runs`; its cases, one row each of `migration_cases`, keyed
(run, case). The preview reads the cases a run selects and writes their verdicts a page at a
time, on the driver cursor (keyset pages on the case id: memory stays flat however many cases
there are); the pages and the apply read them back the same way.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import func, insert, select, update

from engine.migration_check import CasePreview, Deadline, MigrationRun, Refusal, Verdict
from engine.model import Case
from engine.store.queries import visible_clause
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseRow, MigrationCaseRow, MigrationRunRow
from engine.visibility import Visibility

runs_table = MigrationRunRow.__table__  # type: ignore[attr-defined]
cases_table = MigrationCaseRow.__table__  # type: ignore[attr-defined]
case_rows = CaseRow.__table__  # type: ignore[attr-defined]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MEMO = 4096  # texts of deadlines remembered while previewing


def _loads(text: str | bytes) -> Any:
    """JSON text as Python: orjson's parser (~3x the standard one), the standard one for what
    orjson refuses (NaN, integers beyond 64 bits) so that any stored text reads as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _dumps(value: Any) -> str:
    """JSON text as _encode writes it (compact, UTF-8 text unescaped): orjson's, else _encode's
    for what orjson refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _encode(value)


# What a preview reads of a case: no more (each column costs its conversion).
_CASE_COLUMNS = (
    "c.id, c.workflow, c.workflow_version, c.state, c.data, c.version, c.state_entered_at,"
    " c.last_seq, c.entered_seq, c.closed_at"
)
_PREVIEW_COLUMNS = (
    "run_id, case_id, state, to_state, movable, status, case_version, entered_by,"
    " refusals, before, after, moved_at"
)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which cases a run moves: the open cases of the workflow on its version (of `states`
    if any), or the cases listed."""

    workflow: str
    version: int
    states: tuple[str, ...] = ()
    case_ids: tuple[int, ...] = ()


class Selected(NamedTuple):
    """A selected case with what its preview needs (its opening and last change are not
    read: they hold when it entered its state), its entry event's action and changes."""

    case: Case
    entry_action: str | None
    entry_changes: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class ToApply:
    case_id: int
    case_version: int
    entered_by: str | None
    to_state: str | None


# -- runs -----------------------------------------------------------------------------------
def create_run(
    tx: SqlTransaction,
    *,
    workflow: str,
    from_version: int,
    to_version: int,
    reason: str,
    state_map: Mapping[str, str],
    states: Sequence[str],
    case_ids: Sequence[int],
    created_by: str,
    created_at: datetime,
    total: int,
) -> int:
    result = tx.conn.execute(
        insert(runs_table).returning(runs_table.c.id),
        {
            "workflow": workflow,
            "from_version": from_version,
            "to_version": to_version,
            "reason": reason,
            "state_map": dict(state_map),
            "states": list(states),
            "case_ids": list(case_ids),
            "created_by": created_by[:64],
            "created_at": created_at,
            "status": "planned",
            "total": total,
            "movable": 0,
            "refused": 0,
            "moved": 0,
            "failed": 0,
        },
    )
    return int(result.scalar_one())


def _run_from(r: Any) -> MigrationRun:
    return MigrationRun(
        id=r.id,
        workflow=r.workflow,
        from_version=r.from_version,
        to_version=r.to_version,
        reason=r.reason,
        state_map=dict(r.state_map),
        states=tuple(r.states),
        case_ids=tuple(r.case_ids),
        created_by=r.created_by,
        created_at=r.created_at,
        status=r.status,
        total=r.total,
        movable=r.movable,
        refused=r.refused,
        moved=r.moved,
        failed=r.failed,
        previewed_at=r.previewed_at,
        applied_at=r.applied_at,
    )


def get_run(tx: SqlTransaction, run_id: int, *, lock: bool = False) -> MigrationRun | None:
    """The run; `lock`: held until the transaction ends (PostgreSQL; SQLite's writer holds
    the whole database already)."""
    query = select(runs_table).where(runs_table.c.id == run_id)
    if lock and not tx.sqlite:
        query = query.with_for_update()
    row = tx.conn.execute(query).first()
    return _run_from(row) if row is not None else None


def list_runs(
    tx: SqlTransaction, workflow: str | None = None, limit: int = 200
) -> list[MigrationRun]:
    """Newest first."""
    query = select(runs_table).order_by(runs_table.c.id.desc()).limit(limit)
    if workflow is not None:
        query = query.where(runs_table.c.workflow == workflow)
    return [_run_from(r) for r in tx.conn.execute(query)]


def set_previewed(
    tx: SqlTransaction, run_id: int, *, total: int, movable: int, refused: int, at: datetime
) -> None:
    tx.conn.execute(
        update(runs_table)
        .where(runs_table.c.id == run_id)
        .values(
            status="previewed",
            total=total,
            movable=movable,
            refused=refused,
            moved=0,
            failed=0,
            previewed_at=at,
        )
    )


def set_status(
    tx: SqlTransaction, run_id: int, status: str, applied_at: datetime | None = None
) -> None:
    values: dict[str, Any] = {"status": status}
    if applied_at is not None:
        values["applied_at"] = applied_at
    tx.conn.execute(update(runs_table).where(runs_table.c.id == run_id).values(**values))


def add_counts(tx: SqlTransaction, run_id: int, *, moved: int, refused: int, failed: int) -> None:
    """Add an applied batch's outcomes to the run's counts."""
    if moved or refused or failed:
        c = runs_table.c
        tx.conn.execute(
            update(runs_table)
            .where(c.id == run_id)
            .values(moved=c.moved + moved, refused=c.refused + refused, failed=c.failed + failed)
        )


# -- the cases a run selects ------------------------------------------------------------------
def count_selected(tx: SqlTransaction, sel: Selection, vis: Visibility | None = None) -> int:
    """How many cases the selection holds (of those `vis`, if given, sees)."""
    if sel.case_ids:
        return len(sel.case_ids)
    c = case_rows.c
    query = select(func.count()).where(
        c.workflow == sel.workflow, c.workflow_version == sel.version, c.closed_at.is_(None)
    )
    if vis is not None and not vis.everything:
        query = query.where(visible_clause(vis, tx.sqlite))
    if sel.states:
        query = query.where(c.state.in_(sel.states))
    return int(tx.conn.execute(query).scalar_one())


def unknown_cases(
    tx: SqlTransaction, case_ids: Sequence[int], vis: Visibility | None = None
) -> list[int]:
    """The ids of `case_ids` no case has, or none that `vis` (if given) sees: a hidden case
    and a missing one answer alike."""
    found: set[int] = set()
    seen = [visible_clause(vis, tx.sqlite)] if vis is not None else []
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start : start + 500])
        query = select(case_rows.c.id).where(case_rows.c.id.in_(chunk), *seen)
        found.update(tx.conn.execute(query).scalars())
    return [i for i in case_ids if i not in found]


def selected_page(tx: SqlTransaction, sel: Selection, after: int, limit: int) -> list[Selected]:
    """The next `limit` selected cases with ids above `after`, by id, with their entry event's
    action and changes."""
    p = "?" if tx.sqlite else "%s"
    params: list[Any]
    if sel.case_ids:
        ids = sorted(sel.case_ids)
        start = bisect.bisect_right(ids, after)
        chunk = ids[start : start + limit]
        if not chunk:
            return []
        where = f"c.id IN ({', '.join([p] * len(chunk))})"
        params = list(chunk)
    else:
        where = (
            f"c.id > {p} AND c.workflow = {p} AND c.workflow_version = {p} AND c.closed_at IS NULL"
        )
        params = [after, sel.workflow, sel.version]
        if sel.states:
            where += f" AND c.state IN ({', '.join([p] * len(sel.states))})"
            params += list(sel.states)
    sql = (
        f"SELECT {_CASE_COLUMNS}, e.action, e.changes FROM cases c"
        " LEFT JOIN events e ON e.case_id = c.id AND e.seq = c.entered_seq"
        f" WHERE {where} ORDER BY c.id LIMIT {int(limit)}"
    )
    cur = tx.cursor
    cur.execute(sql, tuple(params))
    dt_in = tx.hot.dt_in
    moments: dict[Any, Any] = {}  # a page's cases often entered their states at the same time

    def dt(value: Any) -> Any:
        found = moments.get(value)
        if found is None:
            found = moments[value] = dt_in(value)
        return found

    def js(value: Any) -> Any:
        found = _loads(value) if isinstance(value, str | bytes) else value
        assert isinstance(found, dict)
        return found

    out: list[Selected] = []
    append = out.append
    for (
        id_,
        workflow,
        version,
        state,
        data,
        row_version,
        at,
        last,
        entered_seq,
        closed,
        action,
        changes,
    ) in cur.fetchall():
        entered = dt(at)
        # Positional: id, workflow, workflow_version, state, data, version, opened_at,
        # updated_at, state_entered_at, last_seq, entered_seq, org_unit, grid_unit, assignee,
        # opened_by, closed_at.
        case = Case(
            id_,
            workflow,
            version,
            state,
            js(data),
            row_version,
            entered,
            entered,
            entered,
            last,
            entered_seq,
            None,
            None,
            None,
            "",
            dt(closed) if closed is not None else None,
        )
        entry = js(changes) if action == "migrate" and changes is not None else None
        append(Selected(case, action, entry))
    return out


def pending_before(
    tx: SqlTransaction, case_ids: Sequence[int], now: datetime
) -> dict[int, tuple[Deadline, ...]]:
    """The pending deadlines of each of `case_ids` (a page's) by due time, as a preview
    shows them at `now`: cases with the same deadlines share one tuple (of shared
    Deadlines), so what is worked out of it (its JSON text) is worked out once."""
    out: dict[int, tuple[Deadline, ...]] = {}
    if not case_ids:
        return out
    p = "?" if tx.sqlite else "%s"
    cur = tx.cursor
    cur.execute(
        "SELECT case_id, name, fire_at FROM timers WHERE status = 'pending'"
        f" AND kind = 'deadline' AND case_id IN ({', '.join([p] * len(case_ids))})"
        " ORDER BY case_id, fire_at",
        tuple(case_ids),
    )
    dt = tx.hot.dt_in
    deadlines: dict[tuple[str, Any], Deadline] = {}
    shared: dict[tuple[Deadline, ...], tuple[Deadline, ...]] = {}
    raw: dict[int, list[Deadline]] = {}
    for case_id, name, fire_at in cur.fetchall():
        key = (name, fire_at)
        found = deadlines.get(key)
        if found is None:
            due = dt(fire_at)
            assert due is not None
            found = deadlines[key] = Deadline(name, due, due <= now)
        listed = raw.get(case_id)
        if listed is None:
            raw[case_id] = [found]
        else:
            listed.append(found)
    for case_id, items in raw.items():
        # Deadlines are shared, so equal tuples compare by identity first: cheap.
        items_t = tuple(items)
        out[case_id] = shared.setdefault(items_t, items_t)
    return out


# -- previews ---------------------------------------------------------------------------------
def clear_previews(tx: SqlTransaction, run_id: int) -> None:
    tx.conn.execute(cases_table.delete().where(cases_table.c.run_id == run_id))


def _deadlines_out(items: Iterable[Deadline]) -> str:
    return _dumps([[d.timer, d.due_at.isoformat(), d.overdue] for d in items])


class _Texts:
    """The JSON texts of deadlines, each worked out once per tuple while it recurs: the
    preview shares one tuple between the cases with the same deadlines (pending_before, and
    engine.migration_check's memo of the deadlines after), so a tuple is looked up by
    identity (it is kept with its text, so its identity is not reused) and never hashed."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[tuple[Deadline, ...], str]] = {}

    def __call__(self, items: tuple[Deadline, ...]) -> str:
        if not items:
            return "[]"
        found = self._texts.get(id(items))
        if found is not None and found[0] is items:
            return found[1]
        text = _deadlines_out(items)
        if len(self._texts) >= _MEMO:
            self._texts.clear()
        self._texts[id(items)] = (items, text)
        return text


def _deadlines_in(text: str) -> tuple[Deadline, ...]:
    return tuple(
        Deadline(name, datetime.fromisoformat(due), bool(overdue))
        for name, due, overdue in _loads(text)
    )


def refusals_out(items: Iterable[Refusal]) -> str:
    return _dumps([[r.code, r.zh, r.en] for r in items])


def _refusals_in(text: str) -> tuple[Refusal, ...]:
    return tuple(Refusal(code, zh, en) for code, zh, en in _loads(text))


def insert_previews(
    tx: SqlTransaction,
    run_id: int,
    items: Sequence[tuple[Verdict, int, str | None]],
) -> None:
    """Store verdicts: each with the case's version the preview saw and its entry action."""
    if not items:
        return
    p = "?" if tx.sqlite else "%s"
    texts = _Texts()
    tx.cursor.executemany(
        f"INSERT INTO migration_cases ({_PREVIEW_COLUMNS}) VALUES ({', '.join([p] * 12)})",
        [
            (
                run_id,
                v.case_id,
                v.state,
                v.to_state,
                v.movable,
                "previewed" if v.movable else "refused",
                case_version,
                entered,
                refusals_out(v.refusals) if v.refusals else "[]",
                texts(v.before),
                texts(v.after),
                None,
            )
            for v, case_version, entered in items
        ],
    )


def previews(
    tx: SqlTransaction,
    run_id: int,
    *,
    state: str | None = None,
    movable: bool | None = None,
    after_case_id: int = 0,
    limit: int = 100,
) -> list[CasePreview]:
    """A page of a run's cases by id, after `after_case_id`."""
    c = cases_table.c
    query = (
        select(cases_table)
        .where(c.run_id == run_id, c.case_id > after_case_id)
        .order_by(c.case_id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(c.state == state)
    if movable is not None:
        query = query.where(c.movable == movable)
    return [
        CasePreview(
            case_id=r.case_id,
            state=r.state,
            to_state=r.to_state,
            movable=bool(r.movable),
            refusals=_refusals_in(r.refusals),
            before=_deadlines_in(r.before),
            after=_deadlines_in(r.after),
            status=r.status,
        )
        for r in tx.conn.execute(query)
    ]


def states_of(tx: SqlTransaction, run_id: int) -> dict[str, int]:
    """How many of a run's cases are in each state."""
    c = cases_table.c
    query = select(c.state, func.count()).where(c.run_id == run_id).group_by(c.state)
    return {state: int(n) for state, n in tx.conn.execute(query)}


# -- applying ---------------------------------------------------------------------------------
def to_apply(tx: SqlTransaction, run_id: int, after: int, limit: int) -> list[ToApply]:
    """The next cases the preview accepted and nobody moved yet, by id."""
    p = "?" if tx.sqlite else "%s"
    cur = tx.cursor
    cur.execute(
        "SELECT case_id, case_version, entered_by, to_state FROM migration_cases"
        f" WHERE run_id = {p} AND status = 'previewed' AND case_id > {p}"
        f" ORDER BY case_id LIMIT {int(limit)}",
        (run_id, after),
    )
    return [ToApply(*row) for row in cur.fetchall()]


def mark_cases(
    tx: SqlTransaction, run_id: int, items: Sequence[tuple[int, str, str, datetime | None]]
) -> None:
    """Record what applying did to cases: (case id, status, refusals JSON, moved at)."""
    if not items:
        return
    p = "?" if tx.sqlite else "%s"
    dt = tx.hot.dt_out
    tx.cursor.executemany(
        f"UPDATE migration_cases SET status = {p}, refusals = {p}, moved_at = {p}"
        f" WHERE run_id = {p} AND case_id = {p}",
        [(status, refusals, dt(at), run_id, case_id) for case_id, status, refusals, at in items],
    )


def left_to_apply(tx: SqlTransaction, run_id: int) -> int:
    c = cases_table.c
    query = select(func.count()).where(c.run_id == run_id, c.status == "previewed")
    return int(tx.conn.execute(query).scalar_one())
