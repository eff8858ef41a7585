"""A case's deadlines as the board and the lists read them, in SQL correlated to `cases`:
the next one that still counts, the earliest one missed, a deadline that fired while the case
stayed in its state. One copy, read live by the case lists (engine.store.queries) and kept
per open case in `rate_facts` for the overdue board (engine.store.rate_facts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from engine.model import DEADLINE
from engine.store.tables import CaseRow, EventRow, TimerRow

cases = CaseRow.__table__  # type: ignore[attr-defined]
events = EventRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]

# A deadline that fell due in the case's current stay and was not met: its action could not
# fire (a grid case at the top tier has no tier left to climb: `skipped`) or its firing was
# given up after failing (`failed`). Leaving the state ends it, as it cancels a pending one.
MISSED_STATUSES: tuple[str, ...] = ("skipped", "failed")

# A deadline once missed in the case's current stay: fired (its action kept the case in its
# state), skipped or given up.
MISSED_HERE: tuple[str, ...] = ("fired", *MISSED_STATUSES)


def live_deadline() -> ColumnElement[bool]:
    """A deadline of the case that still counts: pending, or missed in the current stay."""
    return and_(
        timers.c.case_id == cases.c.id,
        timers.c.kind == DEADLINE,
        or_(
            timers.c.status == "pending",
            and_(
                timers.c.status.in_(MISSED_STATUSES),
                timers.c.armed_seq == cases.c.entered_seq,
            ),
        ),
    )


def next_deadline() -> Any:
    """The earliest deadline that still counts: the next one, or the one missed and unmet."""
    return select(func.min(timers.c.fire_at)).where(live_deadline()).scalar_subquery()


def missed_at(now: datetime | None) -> Any:
    """When the case missed the earliest deadline that still makes it overdue at `now`: a
    pending one past due, or one of the current stay that fell due (fired, skipped, given
    up). With `now` None, the earliest of those whenever due (the board's kept `missed_due`:
    at a moment `now`, the case missed it if it is not after `now`)."""
    where = [
        timers.c.case_id == cases.c.id,
        timers.c.kind == DEADLINE,
        or_(
            timers.c.status == "pending",
            and_(timers.c.status.in_(MISSED_HERE), timers.c.armed_seq == cases.c.entered_seq),
        ),
    ]
    if now is not None:
        where.append(timers.c.fire_at <= now)
    return select(func.min(timers.c.fire_at)).where(*where).scalar_subquery()


def fired_here() -> ColumnElement[bool]:
    """The system acted on the case since it entered its state: a deadline fired and kept it
    there (overdue whatever the time)."""
    return exists().where(
        and_(
            events.c.case_id == cases.c.id,
            events.c.role == "system",
            events.c.seq > cases.c.entered_seq,
        )
    )
