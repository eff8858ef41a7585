"""The Store and Transaction the service runs on, in SQLAlchemy Core over the SQLModel tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, and_, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.model import Case, Event, Notification, Timer
from engine.ports import DuplicateKeyError
from engine.store.db import is_sqlite
from engine.store.hotpath import HotPath
from engine.store.tables import CaseRow, EventRow, NotificationRow, TimerRow

_T = TypeVar("_T")

cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]
notifications = NotificationRow.__table__  # type: ignore[attr-defined]

_CHUNK = 500  # ids per IN (...) list: well under SQLite's limit of bound parameters


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


# Statements built once: building them per call costs more than running them.
_EVENT_BY_KEY = select(events).where(events.c.idem_key == bindparam("p_key"))
_INSERT_CASE = insert(cases).returning(cases.c.id)


def _case_values(case: Case) -> dict[str, Any]:
    return {
        "workflow": case.workflow,
        "workflow_version": case.workflow_version,
        "state": case.state,
        "data": case.data,
        "version": case.version,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
        "state_entered_at": case.state_entered_at,
        "last_seq": case.last_seq,
        "entered_seq": case.entered_seq,
        "org_unit": case.org_unit,
        "grid_unit": case.grid_unit,
        "assignee": case.assignee,
        "opened_by": case.opened_by,
        "closed_at": case.closed_at,
    }


def _event_from(row: Row[Any]) -> Event:
    m = row._mapping
    return Event(
        case_id=m["case_id"],
        seq=m["seq"],
        at=m["at"],
        actor=m["actor"],
        role=m["role"],
        action=m["action"],
        from_state=m["from_state"],
        to_state=m["to_state"],
        data=dict(m["data"]),
        changes=dict(m["changes"]),
        case_version=m["case_version"],
        idem_key=m["idem_key"],
        lateness_s=m["lateness_s"],
        note=m["note"],
    )


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
    )


class SqlTransaction:
    """One open database transaction (implements engine.ports.Transaction)."""

    def __init__(self, conn: Connection, sqlite: bool, hot: HotPath) -> None:
        self.conn = conn
        self.sqlite = sqlite
        self.hot = hot
        self.cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def get_case(self, case_id: int) -> Case | None:
        self.cursor.execute(self.hot.get_case, (case_id,))
        row = self.cursor.fetchone()
        return self.hot.case_from(row) if row is not None else None

    def event_by_key(self, key: str) -> Event | None:
        row = self.conn.execute(_EVENT_BY_KEY, {"p_key": key}).first()
        return _event_from(row) if row is not None else None

    def insert_case(self, case: Case) -> int:
        new_id = self.conn.execute(_INSERT_CASE, _case_values(case)).scalar_one()
        return int(new_id)

    def update_case(self, case: Case, expected_version: int) -> bool:
        self.cursor.execute(self.hot.update_case, self.hot.update_params(case, expected_version))
        return bool(self.cursor.rowcount == 1)

    def update_workflow_version(self, case: Case, expected_version: int) -> bool:
        if not self.update_case(case, expected_version):
            return False
        self.conn.execute(
            update(cases)
            .where(cases.c.id == case.id)
            .values(workflow_version=case.workflow_version)
        )
        return True

    def append_event(self, event: Event) -> None:
        if event.idem_key is None:
            self.cursor.execute(self.hot.insert_event, self.hot.event_params(event))
            return
        # A concurrent retry with the same key loses here, inside a savepoint so the
        # caller can roll back cleanly and replay the winner's result.
        try:
            with self.conn.begin_nested():
                self.cursor.execute(self.hot.insert_event, self.hot.event_params(event))
        except IntegrityError as exc:
            raise DuplicateKeyError(event.idem_key) from exc
        except Exception as exc:  # the driver's own integrity error, raised on its cursor
            if "idem_key" in str(exc):
                raise DuplicateKeyError(event.idem_key) from exc
            raise

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        self.cursor.execute(self.hot.cancel_timers, (self.hot.dt_out(at), case_id))

    def arm_timers(self, items: Sequence[Timer]) -> None:
        dt = self.hot.dt_out
        self.cursor.executemany(
            self.hot.insert_timer,
            [
                (t.case_id, t.name, t.kind, t.action, dt(t.fire_at), t.armed_seq, t.status)
                for t in items
            ],
        )

    def add_notifications(self, notes: Sequence[Notification]) -> None:
        if not notes:
            return
        dt = self.hot.dt_out
        self.cursor.executemany(
            self.hot.insert_notification,
            [(n.case_id, n.role, n.unit, n.kind, n.subject, dt(n.created_at)) for n in notes],
        )

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        query = (
            select(timers)
            .join(cases, cases.c.id == timers.c.case_id)
            .where(and_(timers.c.status == "pending", timers.c.fire_at <= now))
            .order_by(timers.c.fire_at)
            .limit(limit)
        )
        if not self.sqlite:
            # The timer and its case together, skipping what another sweeper or a user's
            # transaction holds: sweepers never wait for each other, and a case a user is
            # changing is swept a moment later instead of deadlocking with that user.
            query = query.with_for_update(skip_locked=True, of=[timers, cases])
        claimed = [_timer_from(r) for r in self.conn.execute(query)]
        # Each case's timers in the order they fell due.
        claimed.sort(key=lambda t: (t.case_id, t.fire_at))
        return claimed

    def finish_timer(self, timer: Timer) -> None:
        self.finish_timers([timer])

    def finish_timers(self, items: Sequence[Timer]) -> None:
        if not items:
            return
        dt = self.hot.dt_out
        self.cursor.executemany(
            self.hot.finish_timer,
            [(t.status, dt(t.fired_at), t.lateness_s, t.note, t.id) for t in items],
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
        self.cursor.executemany(self.hot.update_case, params)
        return int(self.cursor.rowcount)

    def append_events(self, items: Sequence[Event]) -> None:
        if items:
            self.cursor.executemany(
                self.hot.insert_event, [self.hot.event_params(e) for e in items]
            )

    def cancel_timers_of(self, case_ids: Sequence[int], at: datetime) -> None:
        if case_ids:
            when = self.hot.dt_out(at)
            self.cursor.executemany(self.hot.cancel_timers, [(when, c) for c in case_ids])

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.conn.begin_nested():
            yield

    def events(self, case_id: int) -> list[Event]:
        rows = self.conn.execute(
            select(events).where(events.c.case_id == case_id).order_by(events.c.seq)
        )
        return [_event_from(r) for r in rows]

    def timers(self, case_id: int, pending_only: bool = True) -> list[Timer]:
        query = select(timers).where(timers.c.case_id == case_id)
        if pending_only:
            query = query.where(timers.c.status == "pending")
        return [_timer_from(r) for r in self.conn.execute(query.order_by(timers.c.fire_at))]


class SqlStore:
    """Implements engine.ports.Store on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(str(engine.url))
        self.hot = HotPath(self.sqlite)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[SqlTransaction]:
        """One transaction, begun and ended on the driver connection.

        SQLAlchemy's own begin/commit costs ~90 µs a transaction more than the driver's; the
        Core statements run inside it all the same (its begin event sees the open transaction
        and leaves it alone, see engine.store.db).
        """
        with self.engine.connect() as conn:
            driver: Any = conn.connection.driver_connection
            if self.sqlite:
                driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield SqlTransaction(conn, self.sqlite, self.hot)
            except BaseException:
                if conn.in_transaction():
                    conn.rollback()
                else:
                    driver.rollback()
                raise
            if conn.in_transaction():
                conn.commit()
            else:
                driver.commit()
