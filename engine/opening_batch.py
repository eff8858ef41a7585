"""Opening many cases in one transaction with a statement per kind of row (an import).

`WorkflowService.open_in` runs against an OpeningBatch instead of the transaction itself:
the batch hands out case ids reserved up front (one statement) and keeps the cases, their
first events, timers and notifications in memory; `flush` writes them a statement per kind
of row, in the order opening them one at a time would have written them, so the rows (ids
included) are the same. Per case that saves the round trips of its insert (which returns
its id), its event and its timers (docs/PERFORMANCE.md, "Hotline import").

An importer that knows a case's ticket and point before it opens (`stamped`) has them
written in the case's row, not updated into it after.

Anything else the opening asks of the transaction (tasks given on entry, a read) is done on
the transaction itself, after the rows kept so far are written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from engine.external import ExternalRef
from engine.model import Case, Event, Notification, Task, Timer
from engine.points import PointEntry
from engine.ports import BulkTransaction


@dataclass(frozen=True, slots=True)
class Stamp:
    """What an importer knows of a case before it opens, kept in its row: the source
    system's ticket (unique per source) and its point and map cell (engine.duplicates)."""

    ref: ExternalRef | None = None
    point: tuple[float, float, int] | None = None  # lat, lng, cell


class OpeningTransaction(BulkTransaction, Protocol):
    """A transaction that can reserve case ids and insert cases that have them (with their
    stamps, one a case; DuplicateKeyError when a stamp's ticket opened a case already)."""

    def reserve_case_ids(self, n: int) -> list[int]: ...

    def insert_cases(self, cases: Sequence[Case], stamps: Sequence[Stamp | None] = ()) -> None: ...


class OpeningBatch:
    """Implements engine.ports.Transaction over `tx` for opening up to `expected` cases
    (more reserve more ids as they come); `flush` before anything reads what they wrote."""

    def __init__(self, tx: OpeningTransaction, expected: int) -> None:
        self.tx = tx
        self._expected = max(1, expected)
        self._ids = list(reversed(tx.reserve_case_ids(expected)))
        self._cases: list[Case] = []
        self._stamps: list[Stamp | None] = []
        self._stamp: Stamp | None = None
        self._events: list[Event] = []
        self._timers: list[Timer] = []
        self._notes: list[Notification] = []

    def flush(self) -> None:
        """Write the rows kept so far: cases, events, timers, notifications."""
        tx = self.tx
        if self._cases:
            tx.insert_cases(self._cases, self._stamps)
            self._cases, self._stamps = [], []
        if self._events:
            tx.append_events(self._events)
            self._events = []
        if self._timers:
            tx.arm_timers(self._timers)
            self._timers = []
        if self._notes:
            tx.add_notifications(self._notes)
            self._notes = []

    @contextmanager
    def stamped(self, stamp: Stamp) -> Iterator[None]:
        """The case opened inside is written with `stamp` in its row."""
        self._stamp = stamp
        try:
            yield
        finally:
            self._stamp = None

    # -- kept in memory --------------------------------------------------------------------
    def insert_case(self, case: Case) -> int:
        if not self._ids:
            # SQLite reserves after the highest id stored: the cases kept go in first.
            self.flush()
            self._ids = list(reversed(self.tx.reserve_case_ids(self._expected)))
        stored = replace(case, id=self._ids.pop())
        self._cases.append(stored)
        self._stamps.append(self._stamp)
        return stored.id

    def append_event(self, event: Event) -> None:
        if event.idem_key is not None:
            # A retried key is refused by the database: written at once, as it would be.
            self.flush()
            self.tx.append_event(event)
            return
        self._events.append(event)

    def arm_timers(self, timers: Sequence[Timer]) -> None:
        self._timers.extend(timers)

    def add_notifications(self, notes: Sequence[Notification]) -> None:
        self._notes.extend(notes)

    # -- on the transaction, what was kept written first -----------------------------------
    def get_case(self, case_id: int) -> Case | None:
        self.flush()
        return self.tx.get_case(case_id)

    def event_by_key(self, key: str) -> Event | None:
        self.flush()
        return self.tx.event_by_key(key)

    def update_case(self, case: Case, expected_version: int) -> bool:
        self.flush()
        return self.tx.update_case(case, expected_version)

    def update_workflow_version(self, case: Case, expected_version: int) -> bool:
        self.flush()
        return self.tx.update_workflow_version(case, expected_version)

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        self.flush()
        self.tx.cancel_timers(case_id, at)

    def cancel_named_timers(self, items: Sequence[tuple[int, str]], at: datetime) -> None:
        self.flush()
        self.tx.cancel_named_timers(items, at)

    def open_tasks(self, tasks: Sequence[Task]) -> list[int]:
        self.flush()
        return self.tx.open_tasks(tasks)

    def add_points(self, entries: Sequence[PointEntry]) -> None:
        self.flush()
        self.tx.add_points(entries)

    def carry_tasks(self, case_id: int, from_seq: int, state: str, to_seq: int) -> list[Task]:
        self.flush()
        return self.tx.carry_tasks(case_id, from_seq, state, to_seq)

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        self.flush()
        return self.tx.claim_due_timers(now, limit)

    def finish_timer(self, timer: Timer) -> None:
        self.flush()
        self.tx.finish_timer(timer)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.flush()
        with self.tx.savepoint():
            yield
            self.flush()

    def events(self, case_id: int) -> list[Event]:
        self.flush()
        return self.tx.events(case_id)

    def timers(self, case_id: int, pending_only: bool = True) -> list[Timer]:
        self.flush()
        return self.tx.timers(case_id, pending_only)

    def unit_at_tier(self, grid_unit: str, tier: int) -> str:
        return self.tx.unit_at_tier(grid_unit, tier)
