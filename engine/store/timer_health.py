"""How the timers are doing: retrying and given-up firings, and how late the oldest due one is.

What the health check (api/routes/health.py) reads. Each count reads only the few rows whose
firing failed (the partial index ``ix_timers_failing``), and the oldest due timer is the
first entry of the pending index, so the check stays cheap with a million timers pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal_column, or_, select

from engine.model import CASE_ARMED
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseRow, TimerRow

timers = TimerRow.__table__  # type: ignore[attr-defined]
cases = CaseRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class TimerHealth:
    """`retrying`: timers whose firing failed and that wait for another attempt; `failed`:
    timers given up while their case still waits in the state that armed them (a deadline
    that will never fire by itself); `oldest_due_s`: how long ago the oldest pending timer
    fell due (0 when none is due)."""

    retrying: int
    failed: int
    oldest_due_s: float


# Literal values, not bound parameters: SQLite uses a partial index only for a term that
# matches the index's own WHERE clause as written.
FAILING = literal_column("timers.attempts") > literal_column("0")
PENDING = timers.c.status == literal_column("'pending'")


def timer_health(tx: SqlTransaction, now: datetime) -> TimerHealth:
    t = timers.c
    failing = (
        select(t.status, func.count())
        .select_from(timers.join(cases, cases.c.id == t.case_id))
        .where(
            and_(
                FAILING,
                or_(
                    PENDING,
                    and_(t.status == "failed", cases.c.entered_seq == t.armed_seq),
                    # A case-level timer (engine.case_timers) counts while the case is open.
                    and_(
                        t.status == "failed",
                        t.armed_seq == CASE_ARMED,
                        cases.c.closed_at.is_(None),
                    ),
                ),
            )
        )
        .group_by(t.status)
    )
    oldest = select(func.min(t.fire_at)).where(PENDING)
    counts = {status: int(n) for status, n in tx.conn.execute(failing).all()}
    due = tx.conn.execute(oldest).scalar_one_or_none()
    late = max(0.0, (now - due).total_seconds()) if due is not None else 0.0
    return TimerHealth(counts.get("pending", 0), counts.get("failed", 0), late)
