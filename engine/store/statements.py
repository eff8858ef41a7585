"""The statements every firing runs, on the driver connection itself.

A firing reads the case, updates it with a version check and appends an event. Through
SQLAlchemy Core each statement costs ~60–80 µs of Python before the database sees it; on the
driver cursor it costs ~15 µs, which is most of the gap to the raw-SQL ceiling (see
docs/PERFORMANCE.md). Values are stored exactly as the SQLAlchemy column types store them,
so every other reader (Core queries, Alembic) sees the same rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from engine.model import Case, Event, Timer

CASE_COLUMNS = (
    "id, workflow, workflow_version, state, data, version, opened_at, updated_at,"
    " state_entered_at, last_seq, entered_seq, org_unit, grid_unit, assignee, opened_by,"
    " closed_at"
)
TIMER_COLUMNS = (
    "id, case_id, name, kind, action, fire_at, armed_seq, occurrence, status, fired_at,"
    " lateness_s, note, attempts, last_error, next_attempt_at"
)
EVENT_COLUMNS = (
    "case_id, seq, at, actor, role, action, from_state, to_state, data, changes,"
    " case_version, idem_key, lateness_s, note"
)

# One encoder for every write: json.dumps with options builds a new encoder per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_decode = json.JSONDecoder().decode


class Statements:
    """Placeholders and value conversions for one driver (sqlite3 or psycopg)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        # SQLite's text for moments recently written or read: a firing writes the same `now`
        # four or five times (case, event, timers) and writes back the entry moment it read.
        # Equal aware datetimes are the same instant, so they share their UTC text.
        self._texts: dict[datetime, str] = {}
        p = self.mark = "?" if sqlite else "%s"  # the driver's placeholder
        j = p if sqlite else f"{p}::jsonb"
        self.get_case = f"SELECT {CASE_COLUMNS} FROM cases WHERE id = {p}"
        self.insert_case = (
            "INSERT INTO cases (workflow, workflow_version, state, data, version, opened_at,"
            " updated_at, state_entered_at, last_seq, entered_seq, org_unit, grid_unit,"
            " assignee, opened_by, closed_at) VALUES"
            f" ({p}, {p}, {p}, {j}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
            " RETURNING id"
        )
        self.update_case = (
            f"UPDATE cases SET state = {p}, data = {j}, version = {p}, updated_at = {p},"
            f" state_entered_at = {p}, last_seq = {p}, entered_seq = {p}, assignee = {p},"
            f" closed_at = {p} WHERE id = {p} AND version = {p}"
        )
        self.update_workflow_version = f"UPDATE cases SET workflow_version = {p} WHERE id = {p}"
        self.insert_event = (
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES"
            f" ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {j}, {j}, {p}, {p}, {p}, {p})"
        )
        self.event_by_key = f"SELECT {EVENT_COLUMNS} FROM events WHERE idem_key = {p}"
        self.events_of_case = f"SELECT {EVENT_COLUMNS} FROM events WHERE case_id = {p} ORDER BY seq"

        # Leaving a state: its timers (a case-level one, armed_seq 0, keeps running).
        self.cancel_timers = (
            f"UPDATE timers SET status = 'cancelled', fired_at = {p}"
            f" WHERE case_id = {p} AND status = 'pending' AND armed_seq > 0"
        )
        # One timer by name (a case-level timer re-armed, ended or closed with its case).
        self.cancel_named_timer = (
            f"UPDATE timers SET status = 'cancelled', fired_at = {p}"
            f" WHERE case_id = {p} AND name = {p} AND status = 'pending'"
        )
        self.finish_timer = (
            f"UPDATE timers SET status = {p}, fired_at = {p}, lateness_s = {p}, note = {p}"
            f" WHERE id = {p}"
        )
        # The outcome of a timer that has failed to fire before, or just did (engine.sweep):
        # its attempts, the last error, and when it is tried again.
        self.finish_failing_timer = (
            f"UPDATE timers SET status = {p}, fired_at = {p}, lateness_s = {p}, note = {p},"
            f" attempts = {p}, last_error = {p}, next_attempt_at = {p} WHERE id = {p}"
        )
        self.insert_timer = (
            "INSERT INTO timers (case_id, name, kind, action, fire_at, armed_seq, status,"
            f" occurrence) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
        )
        # A sweep's batch: the due timers (not waiting for a retry), the earliest first, on
        # PostgreSQL locked with their cases, skipping what another transaction holds.
        columns = ", ".join(f"timers.{c}" for c in TIMER_COLUMNS.split(", "))
        self.claim_due_timers = (
            f"SELECT {columns} FROM timers JOIN cases ON cases.id = timers.case_id"
            f" WHERE timers.status = 'pending' AND timers.fire_at <= {p}"
            f" AND (timers.next_attempt_at IS NULL OR timers.next_attempt_at <= {p})"
            f" ORDER BY timers.fire_at LIMIT {p}"
            + ("" if sqlite else " FOR UPDATE OF timers, cases SKIP LOCKED")
        )
        self.insert_notification = (
            "INSERT INTO notifications (case_id, role, unit, kind, subject, created_at, status,"
            f" attempts) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 'pending', 0)"
        )

    def get_cases(self, n: int) -> str:
        """The cases with any of `n` ids."""
        return f"SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({self.marks(n)})"

    def existing_keys(self, n: int) -> str:
        """Which of `n` idempotency keys the history already holds."""
        return f"SELECT idem_key FROM events WHERE idem_key IN ({self.marks(n)})"

    def marks(self, n: int) -> str:
        """`n` placeholders, for an IN list or a row of values."""
        return ", ".join([self.mark] * n)

    def dt_out(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if not self.sqlite:
            if value.tzinfo is None:
                raise ValueError("naive datetime: the engine stores timezone-aware moments only")
            return value
        text = self._texts.get(value)
        if text is None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: the engine stores timezone-aware moments only")
            # The text form SQLAlchemy's SQLite DateTime writes, in UTC.
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
            self._remember(value, text)
        return text

    def _remember(self, value: datetime, text: str) -> None:
        if len(self._texts) >= 4096:
            self._texts.clear()
        self._texts[value] = text

    def dt_in(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            # SQLite holds UTC as text without an offset; appending it is the cheapest parse.
            try:
                moment = datetime.fromisoformat(value + "+00:00")
            except ValueError:
                value = datetime.fromisoformat(value)
            else:
                if len(value) == 26:  # the form dt_out writes: reuse it when written back
                    self._remember(moment, value)
                return moment
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def json_out(self, value: dict[str, Any]) -> str:
        return _encode(value) if value else "{}"

    def json_in(self, value: Any) -> dict[str, Any]:
        out = _decode(value) if isinstance(value, str) else value
        if isinstance(out, bytes):
            out = json.loads(out)
        assert isinstance(out, dict)
        return out

    def case_from(self, row: tuple[Any, ...]) -> Case:
        dt = self.dt_in
        return Case(
            id=row[0],
            workflow=row[1],
            workflow_version=row[2],
            state=row[3],
            data=self.json_in(row[4]),
            version=row[5],
            opened_at=dt(row[6]),  # type: ignore[arg-type]
            updated_at=dt(row[7]),  # type: ignore[arg-type]
            state_entered_at=dt(row[8]),  # type: ignore[arg-type]
            last_seq=row[9],
            entered_seq=row[10],
            org_unit=row[11],
            grid_unit=row[12],
            assignee=row[13],
            opened_by=row[14],
            closed_at=dt(row[15]),
        )

    def event_from(self, row: tuple[Any, ...]) -> Event:
        return Event(
            case_id=row[0],
            seq=row[1],
            at=self.dt_in(row[2]),  # type: ignore[arg-type]
            actor=row[3],
            role=row[4],
            action=row[5],
            from_state=row[6],
            to_state=row[7],
            data=self.json_in(row[8]),
            changes=self.json_in(row[9]),
            case_version=row[10],
            idem_key=row[11],
            lateness_s=row[12],
            note=row[13],
        )

    def timer_from(self, row: tuple[Any, ...]) -> Timer:
        dt = self.dt_in
        return Timer(
            id=row[0],
            case_id=row[1],
            name=row[2],
            kind=row[3],
            action=row[4],
            fire_at=dt(row[5]),  # type: ignore[arg-type]
            armed_seq=row[6],
            occurrence=row[7],
            status=row[8],
            fired_at=dt(row[9]),
            lateness_s=row[10],
            note=row[11],
            attempts=row[12],
            last_error=row[13],
            next_attempt_at=dt(row[14]),
        )

    def insert_params(self, case: Case) -> tuple[Any, ...]:
        dt = self.dt_out
        return (
            case.workflow,
            case.workflow_version,
            case.state,
            self.json_out(case.data),
            case.version,
            dt(case.opened_at),
            dt(case.updated_at),
            dt(case.state_entered_at),
            case.last_seq,
            case.entered_seq,
            case.org_unit,
            case.grid_unit,
            case.assignee,
            case.opened_by,
            dt(case.closed_at),
        )

    def update_params(self, case: Case, expected_version: int) -> tuple[Any, ...]:
        dt = self.dt_out
        return (
            case.state,
            self.json_out(case.data),
            case.version,
            dt(case.updated_at),
            dt(case.state_entered_at),
            case.last_seq,
            case.entered_seq,
            case.assignee,
            dt(case.closed_at),
            case.id,
            expected_version,
        )

    def event_params(self, e: Event) -> tuple[Any, ...]:
        return (
            e.case_id,
            e.seq,
            self.dt_out(e.at),
            e.actor,
            e.role,
            e.action,
            e.from_state,
            e.to_state,
            self.json_out(e.data),
            self.json_out(e.changes),
            e.case_version,
            e.idem_key,
            e.lateness_s,
            e.note,
        )
