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

from engine.model import Case, Event

CASE_COLUMNS = (
    "id, workflow, workflow_version, state, data, version, opened_at, updated_at,"
    " state_entered_at, last_seq, entered_seq, org_unit, grid_unit, assignee, opened_by,"
    " closed_at"
)
EVENT_COLUMNS = (
    "case_id, seq, at, actor, role, action, from_state, to_state, data, changes,"
    " case_version, idem_key, lateness_s, note"
)


class HotPath:
    """Placeholders and value conversions for one driver (sqlite3 or psycopg)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        p = "?" if sqlite else "%s"
        j = p if sqlite else f"{p}::jsonb"
        self.get_case = f"SELECT {CASE_COLUMNS} FROM cases WHERE id = {p}"
        self.update_case = (
            f"UPDATE cases SET state = {p}, data = {j}, version = {p}, updated_at = {p},"
            f" state_entered_at = {p}, last_seq = {p}, entered_seq = {p}, assignee = {p},"
            f" closed_at = {p} WHERE id = {p} AND version = {p}"
        )
        self.insert_event = (
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES"
            f" ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {j}, {j}, {p}, {p}, {p}, {p})"
        )

        self.cancel_timers = (
            f"UPDATE timers SET status = 'cancelled', fired_at = {p}"
            f" WHERE case_id = {p} AND status = 'pending'"
        )
        self.finish_timer = (
            f"UPDATE timers SET status = {p}, fired_at = {p}, lateness_s = {p}, note = {p}"
            f" WHERE id = {p}"
        )
        self.insert_timer = (
            "INSERT INTO timers (case_id, name, kind, action, fire_at, armed_seq, status)"
            f" VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
        )
        self.insert_notification = (
            "INSERT INTO notifications (case_id, role, unit, kind, subject, created_at, status,"
            f" attempts) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 'pending', 0)"
        )

    def get_cases(self, n: int) -> str:
        """The cases with any of `n` ids."""
        return f"SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({self._marks(n)})"

    def existing_keys(self, n: int) -> str:
        """Which of `n` idempotency keys the history already holds."""
        return f"SELECT idem_key FROM events WHERE idem_key IN ({self._marks(n)})"

    def _marks(self, n: int) -> str:
        return ", ".join(["?" if self.sqlite else "%s"] * n)

    def dt_out(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the engine stores timezone-aware moments only")
        if self.sqlite:  # the text form SQLAlchemy's SQLite DateTime writes, in UTC
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            return text if len(text) == 26 else text + ".000000"
        return value

    def dt_in(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def json_out(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def json_in(self, value: Any) -> dict[str, Any]:
        return dict(json.loads(value)) if isinstance(value, str | bytes) else dict(value)

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
