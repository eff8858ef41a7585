"""The Store and Transaction the service runs on, in SQLAlchemy Core over the SQLModel tables."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, and_, event, insert, select, update
from sqlalchemy.engine import Connection

from engine.model import REMINDER, TASK_OPEN, Case, Event, Notification, Task, Timer
from engine.opening_batch import Stamp
from engine.points import PointEntry
from engine.ports import DuplicateKeyError
from engine.store import webhooks
from engine.store.db import is_sqlite
from engine.store.errors import is_unique_violation, violated_constraint
from engine.store.multirow import insert_rows, reserve_ids
from engine.store.rate_facts import DefinitionLookup, RefreshStatements, refresh
from engine.store.statements import CASE_COLUMNS, Statements
from engine.store.tables import (
    CaseRow,
    EventRow,
    NotificationRow,
    PointRow,
    TaskRow,
    TimerRow,
    UnitRow,
)

_T = TypeVar("_T")

cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]
notifications = NotificationRow.__table__  # type: ignore[attr-defined]
units = UnitRow.__table__  # type: ignore[attr-defined]
case_tasks = TaskRow.__table__  # type: ignore[attr-defined]
points_ledger = PointRow.__table__  # type: ignore[attr-defined]

IDEM_KEY_CONSTRAINT = "events_idem_key_key"  # PostgreSQL's name for UNIQUE (idem_key)
_CHUNK = 500  # ids per IN (...) list: well under SQLite's limit of bound parameters
STAMP_COLUMNS = "external_source, external_id, lat, lng, cell"  # a Stamp, in its order


def _stamped(stamp: Stamp | None) -> tuple[Any, ...]:
    """A case's STAMP_COLUMNS: its ticket and its point and cell (NULL where not known)."""
    ref = None if stamp is None else stamp.ref
    point = None if stamp is None else stamp.point
    return (
        *((None, None) if ref is None else (ref.source, ref.ticket)),
        *((None, None, None) if point is None else point),
    )


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def ledger_row(e: PointEntry) -> dict[str, Any]:
    """A ledger entry as the row it is written as (no id: the database gives it)."""
    return {
        "at": e.at,
        "account_kind": e.account_kind,
        "account": e.account,
        "amount": e.amount,
        "category": e.category,
        "actor": e.actor,
        "reason_zh": e.reason_zh,
        "reason_en": e.reason_en,
        "case_id": e.case_id,
        "seq": e.seq,
        "action": e.action,
        "corrects": e.corrects,
        "partner": e.partner,
        "note": e.note,
    }


def _timer_from(row: Row[Any]) -> Timer:
    m = row._mapping
    return Timer(
        id=m["id"],
        case_id=m["case_id"],
        name=m["name"],
        kind=m["kind"],
        action=m["action"],
        fire_at=m["fire_at"],
        armed_seq=m["armed_seq"],
        status=m["status"],
        fired_at=m["fired_at"],
        lateness_s=m["lateness_s"],
        note=m["note"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        next_attempt_at=m["next_attempt_at"],
        occurrence=m["occurrence"],
    )


def task_from(row: Row[Any]) -> Task:
    m = row._mapping
    return Task(
        id=m["id"],
        case_id=m["case_id"],
        state=m["state"],
        armed_seq=m["armed_seq"],
        unit=m["unit"],
        title=m["title"],
        due_at=m["due_at"],
        created_at=m["created_at"],
        created_by=m["created_by"],
        assignee=m["assignee"],
        status=m["status"],
        note=m["note"],
        reason=m["reason"],
        finished_at=m["finished_at"],
        finished_by=m["finished_by"],
    )


class SqlTransaction:
    """One open database transaction (implements engine.ports.Transaction)."""

    def __init__(
        self,
        conn: Connection,
        sqlite: bool,
        hot: Statements,
        cursor: Any,
        facts: tuple[RefreshStatements, DefinitionLookup] | None = None,
    ) -> None:
        self.conn = conn
        self.sqlite = sqlite
        self.hot = hot
        self.cursor = cursor
        self._parents: dict[str, str | None] = {}  # units' parents read so far
        # The cases changed so far (id → workflow and version where known): their rate facts
        # are rewritten before the commit (engine.store.rate_facts).
        self._facts = facts
        self.touched: dict[int, tuple[str, int] | None] = {}
        # Events that moved a case to another state (case id, seq): a webhook to the case's
        # source system is written for each before the commit (engine.store.webhooks).
        self.state_changes: list[tuple[int, int]] = []

    def touch(self, case_ids: Iterable[int]) -> None:
        """Note cases whose rate facts may have changed in this transaction."""
        if self._facts is not None:
            for c in case_ids:
                self.touched.setdefault(c, None)

    def lock_for_facts(self, case_id: int) -> None:
        """Lock the case's row before a change its rate facts read besides the case itself
        (an exclusion, a hand-over): on PostgreSQL a firing of the same case then waits, or is
        waited for, so that whichever commits last rewrites the facts from both changes.
        SQLite runs one writer at a time."""
        if not self.sqlite and self._facts is not None:
            self.cursor.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (case_id,))

    def _touch_case(self, case: Case) -> None:
        if self._facts is not None:
            self.touched[case.id] = (case.workflow, case.workflow_version)

    def _note_changes(self, items: Sequence[Event]) -> None:
        self.state_changes.extend(
            (e.case_id, e.seq)
            for e in items
            if e.from_state is not None and e.from_state != e.to_state
        )

    def before_commit(self) -> None:
        """Write what the transaction's changes call for, in it: the webhooks of the cases'
        changes of state, then the rate facts of the cases it changed."""
        if self.state_changes:
            webhooks.enqueue_changes(self, self.state_changes)
            self.state_changes = []
        self.keep_facts()

    def keep_facts(self) -> None:
        """Rewrite the rate facts of the cases this transaction changed (before it commits)."""
        if self._facts is not None and self.touched:
            hot, lookup = self._facts
            refresh(self, hot, self.touched, lookup)
            self.touched = {}

    def get_case(self, case_id: int) -> Case | None:
        self.cursor.execute(self.hot.get_case, (case_id,))
        row = self.cursor.fetchone()
        return self.hot.case_from(row) if row is not None else None

    def event_by_key(self, key: str) -> Event | None:
        self.cursor.execute(self.hot.event_by_key, (key,))
        row = self.cursor.fetchone()
        return self.hot.event_from(row) if row is not None else None

    def insert_case(self, case: Case) -> int:
        self.cursor.execute(self.hot.insert_case, self.hot.insert_params(case))
        new_id = int(self.cursor.fetchone()[0])
        if self._facts is not None:
            self.touched[new_id] = (case.workflow, case.workflow_version)
        return new_id

    def reserve_case_ids(self, n: int) -> list[int]:
        """`n` ids for cases this transaction inserts (insert_cases), in one statement: the
        ids inserting them one at a time would have given (engine.store.multirow)."""
        return reserve_ids(self.cursor, self.sqlite, "cases", n)

    def insert_cases(self, items: Sequence[Case], stamps: Sequence[Stamp | None] = ()) -> None:
        """Insert cases whose ids were reserved (reserve_case_ids), in order; with `stamps`
        (one a case), each case's ticket and point in its row (engine.opening_batch.Stamp):
        DuplicateKeyError when a ticket opened a case already."""
        if not items:
            return
        if self.sqlite:
            marks = ", ".join(["?"] * 16)
        else:
            marks = "%s, %s, %s, %s, %s::jsonb, " + ", ".join(["%s"] * 11)
        params = self.hot.insert_params
        if not any(stamps):
            insert_rows(
                self.cursor,
                self.sqlite,
                f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({marks})",
                [(c.id, *params(c)) for c in items],
            )
        else:
            p = ", ?" if self.sqlite else ", %s"
            try:
                insert_rows(
                    self.cursor,
                    self.sqlite,
                    f"INSERT INTO cases ({CASE_COLUMNS}, {STAMP_COLUMNS}) VALUES ({marks}{p * 5})",
                    [(c.id, *params(c), *_stamped(s)) for c, s in zip(items, stamps, strict=True)],
                )
            except Exception as exc:  # the driver's integrity error, raised on its cursor
                if is_unique_violation(exc):
                    raise DuplicateKeyError("a ticket opened a case already") from exc
                raise
        if self._facts is not None:
            for c in items:
                self.touched[c.id] = (c.workflow, c.workflow_version)

    def update_case(self, case: Case, expected_version: int) -> bool:
        self.cursor.execute(self.hot.update_case, self.hot.update_params(case, expected_version))
        self._touch_case(case)
        return bool(self.cursor.rowcount == 1)

    def update_workflow_version(self, case: Case, expected_version: int) -> bool:
        if not self.update_case(case, expected_version):
            return False
        self.cursor.execute(self.hot.update_workflow_version, (case.workflow_version, case.id))
        return True

    def append_event(self, event: Event) -> None:
        self.touch((event.case_id,))
        if event.idem_key is None:
            self.cursor.execute(self.hot.insert_event, self.hot.event_params(event))
            self._note_changes((event,))
            return
        # A concurrent retry with the same key loses here, inside a savepoint so the
        # caller can roll back cleanly and replay the winner's result. The savepoint is the
        # driver's own: SQLAlchemy's costs ~120 µs here, the driver's ~2 µs.
        cur = self.cursor
        cur.execute("SAVEPOINT fq_idem")
        try:
            cur.execute(self.hot.insert_event, self.hot.event_params(event))
        except Exception as exc:  # the driver's integrity error, raised on its cursor
            cur.execute("ROLLBACK TO SAVEPOINT fq_idem")
            cur.execute("RELEASE SAVEPOINT fq_idem")
            if is_unique_violation(exc) and self._repeats_key(exc, event.idem_key):
                raise DuplicateKeyError(event.idem_key) from exc
            raise
        cur.execute("RELEASE SAVEPOINT fq_idem")
        self._note_changes((event,))

    def _repeats_key(self, exc: BaseException, key: str) -> bool:
        """Whether a unique violation was the idempotency key's: PostgreSQL names the
        constraint; SQLite does not, so the key is looked up (the winner has committed)."""
        constraint = violated_constraint(exc)
        if constraint is not None:
            return constraint == IDEM_KEY_CONSTRAINT
        return self.event_by_key(key) is not None

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        self.cursor.execute(self.hot.cancel_timers, (self.hot.dt_out(at), case_id))

    def cancel_named_timers(self, items: Sequence[tuple[int, str]], at: datetime) -> None:
        if items:
            when = self.hot.dt_out(at)
            self.cursor.executemany(
                self.hot.cancel_named_timer, [(when, c, name) for c, name in items]
            )

    def arm_timers(self, items: Sequence[Timer]) -> None:
        self.touch(t.case_id for t in items)
        dt = self.hot.dt_out
        insert_rows(
            self.cursor,
            self.sqlite,
            self.hot.insert_timer,
            [
                (
                    t.case_id,
                    t.name,
                    t.kind,
                    t.action,
                    dt(t.fire_at),
                    t.armed_seq,
                    t.status,
                    t.occurrence,
                )
                for t in items
            ],
        )

    def add_notifications(self, notes: Sequence[Notification]) -> None:
        if not notes:
            return
        dt = self.hot.dt_out
        insert_rows(
            self.cursor,
            self.sqlite,
            self.hot.insert_notification,
            [(n.case_id, n.role, n.unit, n.kind, n.subject, dt(n.created_at)) for n in notes],
        )

    def open_tasks(self, items: Sequence[Task]) -> list[int]:
        self.touch(t.case_id for t in items)
        ids = []
        for t in items:
            row = self.conn.execute(
                insert(case_tasks).returning(case_tasks.c.id),
                {
                    "case_id": t.case_id,
                    "state": t.state,
                    "armed_seq": t.armed_seq,
                    "unit": t.unit,
                    "title": t.title,
                    "assignee": t.assignee,
                    "due_at": t.due_at,
                    "status": t.status,
                    "created_at": t.created_at,
                    "created_by": t.created_by[:64],
                },
            ).one()
            ids.append(int(row.id))
        return ids

    def add_points(self, entries: Sequence[PointEntry]) -> None:
        if entries:
            self.conn.execute(insert(points_ledger), [ledger_row(e) for e in entries])

    def carry_tasks(self, case_id: int, from_seq: int, state: str, to_seq: int) -> list[Task]:
        mine = and_(
            case_tasks.c.case_id == case_id,
            case_tasks.c.armed_seq == from_seq,
            case_tasks.c.status == TASK_OPEN,
        )
        ids = [r.id for r in self.conn.execute(select(case_tasks.c.id).where(mine))]
        if not ids:
            return []
        self.touch((case_id,))
        self.conn.execute(
            update(case_tasks).where(case_tasks.c.id.in_(ids)).values(state=state, armed_seq=to_seq)
        )
        rows = self.conn.execute(
            select(case_tasks).where(case_tasks.c.id.in_(ids)).order_by(case_tasks.c.id)
        )
        return [task_from(r) for r in rows]

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        # On PostgreSQL the timer and its case together, skipping what another sweeper or a
        # user's transaction holds: sweepers never wait for each other, and a case a user is
        # changing is swept a moment later instead of deadlocking with that user. Run on the
        # driver cursor, like a firing's statements (engine.store.statements).
        at = self.hot.dt_out(now)
        self.cursor.execute(self.hot.claim_due_timers, (at, at, limit))
        claimed = [self.hot.timer_from(r) for r in self.cursor.fetchall()]
        # Each case's timers in the order they fell due.
        claimed.sort(key=lambda t: (t.case_id, t.fire_at))
        return claimed

    def finish_timer(self, timer: Timer) -> None:
        self.finish_timers([timer])

    def finish_timers(self, items: Sequence[Timer]) -> None:
        # A reminder's outcome is none of the facts' business (they read deadlines only).
        self.touch(t.case_id for t in items if t.kind != REMINDER)
        dt = self.hot.dt_out
        # Nearly every timer fires at its first attempt: its row is written without the
        # columns of failed firings, which stay 0 and NULL.
        first = [t for t in items if not t.attempts]
        if first:
            self.cursor.executemany(
                self.hot.finish_timer,
                [(t.status, dt(t.fired_at), t.lateness_s, t.note, t.id) for t in first],
            )
        if len(first) < len(items):
            self.cursor.executemany(
                self.hot.finish_failing_timer,
                [
                    (
                        t.status,
                        dt(t.fired_at),
                        t.lateness_s,
                        t.note,
                        t.attempts,
                        t.last_error,
                        dt(t.next_attempt_at),
                        t.id,
                    )
                    for t in items
                    if t.attempts
                ],
            )

    def get_cases(self, case_ids: Sequence[int]) -> dict[int, Case]:
        found: dict[int, Case] = {}
        for chunk in _chunks(case_ids):
            self.cursor.execute(self.hot.get_cases(len(chunk)), tuple(chunk))
            for row in self.cursor.fetchall():
                case = self.hot.case_from(row)
                found[case.id] = case
        return found

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            self.cursor.execute(self.hot.existing_keys(len(chunk)), tuple(chunk))
            found.update(row[0] for row in self.cursor.fetchall())
        return found

    def update_cases(self, items: Sequence[tuple[Case, int]]) -> int:
        if not items:
            return 0
        params = [self.hot.update_params(case, expected) for case, expected in items]
        for case, _ in items:
            self._touch_case(case)
        self.cursor.executemany(self.hot.update_case, params)
        return int(self.cursor.rowcount)

    def set_workflow_versions(self, cases: Sequence[Case]) -> None:
        if cases:
            self.cursor.executemany(
                self.hot.update_workflow_version, [(c.workflow_version, c.id) for c in cases]
            )

    def append_events(self, items: Sequence[Event]) -> None:
        if items:
            self.touch(e.case_id for e in items)
            params = self.hot.event_params
            insert_rows(self.cursor, self.sqlite, self.hot.insert_event, [params(e) for e in items])
            self._note_changes(items)

    def cancel_timers_of(self, case_ids: Sequence[int], at: datetime) -> None:
        if case_ids:
            when = self.hot.dt_out(at)
            self.cursor.executemany(self.hot.cancel_timers, [(when, c) for c in case_ids])

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.conn.begin_nested():
            yield

    def events(self, case_id: int) -> list[Event]:
        self.cursor.execute(self.hot.events_of_case, (case_id,))
        return [self.hot.event_from(r) for r in self.cursor.fetchall()]

    def timers(self, case_id: int, pending_only: bool = True) -> list[Timer]:
        query = select(timers).where(timers.c.case_id == case_id)
        if pending_only:
            query = query.where(timers.c.status == "pending")
        return [_timer_from(r) for r in self.conn.execute(query.order_by(timers.c.fire_at))]

    def unit_at_tier(self, grid_unit: str, tier: int) -> str:
        unit = grid_unit
        for _ in range(tier):
            if unit not in self._parents:
                row = self.conn.execute(select(units.c.parent).where(units.c.code == unit)).first()
                self._parents[unit] = row.parent if row is not None else None
            parent = self._parents[unit]
            if parent is None:
                break
            unit = parent
        return unit


class _Link:
    """A connection the store keeps between transactions, with its driver and cursor."""

    __slots__ = ("conn", "cursor", "driver", "generation")

    def __init__(self, conn: Connection, generation: int) -> None:
        self.conn = conn
        driver: Any = conn.connection.driver_connection
        self.driver = driver
        self.cursor: Any = driver.cursor()
        self.generation = generation

    def broken(self) -> bool:
        """Whether the connection to the server is lost (PostgreSQL went away, a terminated
        backend): its peers kept by the store are likely lost as well."""
        return bool(self.conn.invalidated or getattr(self.driver, "broken", False))

    def close(self, discard: bool = False) -> None:
        """Give the connection back to the pool, or (`discard`: its pool was disposed) close
        it for good: checked in to a disposed pool it would stay open until collected."""
        try:
            self.cursor.close()
            if discard:
                self.conn.invalidate()
        finally:
            self.conn.close()


def _close_links(idle: list[_Link]) -> None:
    while idle:
        try:
            link = idle.pop()
        except IndexError:
            break
        link.close(discard=True)


class SqlStore:
    """Implements engine.ports.Store on a SQLAlchemy engine.

    Between transactions the store keeps up to `keep_idle` connections checked out of the
    engine's pool and hands them to the next transaction: checking a connection out of the
    pool and back in (a `Connection` object, the pool's queue, its reset) costs ~16 µs in a
    tight loop and about twice that between database calls. A single writer thus always runs
    on one connection; on PostgreSQL psycopg prepares its repeated statements. `engine.dispose()`
    closes the kept connections; a connection whose transaction failed is kept only if its
    rollback succeeded. In-memory SQLite (one database per connection) keeps none.
    """

    def __init__(self, engine: Engine, *, keep_idle: int = 2) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(str(engine.url))
        self.hot = Statements(self.sqlite)
        self.facts_sql = RefreshStatements(self.sqlite)
        # The definitions the rate facts are worked out by (`follow_definitions`); without
        # them the store keeps no rate facts.
        self.definitions: DefinitionLookup | None = None
        memory = self.sqlite and (engine.url.database or ":memory:") == ":memory:"
        self._keep = 0 if memory else keep_idle
        self._idle: list[_Link] = []
        # A store dropped before its engine is disposed closes its kept connections.
        weakref.finalize(self, _close_links, self._idle)
        self._generation = 0
        # SQLite lets one transaction write at a time; a second writer waits in SQLite's busy
        # handler, which sleeps in steps of up to 100 ms, and under concurrent requests that
        # sleeping sets the pace. Queued on a lock in the process, writers get the database
        # handed over at once. PostgreSQL writers run concurrently.
        self._writer = threading.Lock()
        if self._keep:
            ref = weakref.ref(self)

            def _disposed(_engine: Engine) -> None:
                store = ref()
                if store is not None:
                    store.release()

            event.listen(engine, "engine_disposed", _disposed)

    def follow_definitions(self, lookup: DefinitionLookup) -> None:
        """Keep the rate facts of every case a transaction changes, by the rules of the
        definition version `lookup(workflow, version)` (engine.store.rate_facts)."""
        self.definitions = lookup

    def release(self) -> None:
        """Close the connections kept between transactions (on `engine.dispose()`)."""
        self._generation += 1
        while self._idle:
            try:
                link = self._idle.pop()
            except IndexError:  # taken by another thread meanwhile
                break
            link.close(discard=True)

    def _checkout(self) -> _Link:
        while self._idle:
            try:
                link = self._idle.pop()
            except IndexError:
                break
            if link.generation == self._generation:
                return link
            link.close(discard=True)
        return _Link(self.engine.connect(), self._generation)

    def _drop(self, link: _Link) -> None:
        link.close(discard=link.generation != self._generation)

    def _checkin(self, link: _Link) -> None:
        if link.generation != self._generation:
            link.close(discard=True)
        elif len(self._idle) < self._keep and not link.conn.invalidated:
            self._idle.append(link)
        else:
            link.close()

    def transaction(self, write: bool = True) -> _Scope:
        """One transaction, begun and ended on the driver connection: the only way to open
        one. Driver statements (``tx.cursor``) and SQLAlchemy Core (``tx.conn``) run in it
        alike. On SQLite a writer takes the process's writer lock, then the write lock.

        SQLAlchemy's own begin/commit costs ~90 µs a transaction more than the driver's; the
        Core statements run inside it all the same (its begin event sees the open transaction
        and leaves it alone, see engine.store.db).
        """
        return _Scope(self, write)


class _Scope:
    """`with store.transaction() as tx:` — commit on success, roll back on any exception."""

    __slots__ = ("link", "locked", "store", "tx", "write")

    def __init__(self, store: SqlStore, write: bool) -> None:
        self.store = store
        self.write = write
        self.locked = False

    def __enter__(self) -> SqlTransaction:
        store = self.store
        if store.sqlite and self.write:
            store._writer.acquire()
            self.locked = True
        try:
            link = self.link = store._checkout()
        except BaseException:
            self._unlock()
            raise
        if store.sqlite:
            try:
                link.cursor.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
            except BaseException:
                store._drop(link)
                self._unlock()
                raise
        facts = (store.facts_sql, store.definitions) if store.definitions is not None else None
        self.tx = SqlTransaction(link.conn, store.sqlite, store.hot, link.cursor, facts)
        return self.tx

    def _unlock(self) -> None:
        if self.locked:
            self.locked = False
            self.store._writer.release()

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            if exc_type is None and (self.tx.touched or self.tx.state_changes):
                try:
                    self.tx.before_commit()  # in the transaction, before it commits
                except BaseException as exc:
                    self._end(type(exc))
                    raise
            self._end(exc_type)
        finally:
            self._unlock()

    def _end(self, exc_type: type[BaseException] | None) -> None:
        store, link = self.store, self.link
        conn = link.conn
        try:
            if exc_type is None:
                if conn.in_transaction():
                    conn.commit()
                else:
                    link.driver.commit()
            elif conn.in_transaction():
                conn.rollback()
            else:
                link.driver.rollback()
        except BaseException:
            store._drop(link)
            if link.broken():
                store.release()  # the server went away: the kept connections are gone too
            raise
        if link.broken():
            store._drop(link)
            store.release()
            return
        store._checkin(link)
