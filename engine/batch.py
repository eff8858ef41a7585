"""A batch of case changes kept in memory, then written in bulk: the timer firings of a
sweep, the moves of a migration's apply (engine.casework.migration).

Firing a timer runs the same code as any other firing (`engine.firing.fire_in`), against
this object instead of the database transaction. It answers reads from the cases loaded for
the batch and records every write; `flush` then writes them with one statement per kind of
row. Per timer that saves some ten round trips and two savepoints, which is what lets one
sweeper fire thousands of timers a second (docs/PERFORMANCE.md, "Timers").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from engine.model import CASE_ARMED, Case, Event, Notification, Task, Timer
from engine.points import PointEntry
from engine.ports import BulkTransaction, DuplicateKeyError

_T = TypeVar("_T")


class StaleBatchError(RuntimeError):
    """A case of the batch changed in the database after the batch read it: nothing of the
    flush may be kept (roll back to before it)."""


@dataclass
class _Writes:
    updated: dict[int, Case] = field(default_factory=dict)
    expected: dict[int, int] = field(default_factory=dict)
    migrated: set[int] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    cancelled: dict[int, datetime] = field(default_factory=dict)
    cancelled_by_name: list[tuple[int, str, datetime]] = field(default_factory=list)
    armed: list[Timer] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    points: list[PointEntry] = field(default_factory=list)
    finished: list[Timer] = field(default_factory=list)


class _Savepoint:
    """The batch's savepoints, one object reused for each (a sweep opens one per timer):
    entering marks how much is recorded, leaving by an exception undoes what came after the
    mark. Savepoints nest: the marks are a stack."""

    __slots__ = ("_marks", "_undo")

    def __init__(self, undo: list[Callable[[], None]]) -> None:
        self._undo = undo
        self._marks: list[int] = []

    def __enter__(self) -> None:
        self._marks.append(len(self._undo))

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        mark = self._marks.pop()
        if exc_type is not None:
            undo = self._undo
            while len(undo) > mark:
                undo.pop()()


class SweepBatch:
    """Implements engine.ports.Transaction over `tx` for one batch of claimed timers.

    `cases` are the batch's cases as loaded (and, where the database can, locked) by the
    claim; `recorded_keys` the idempotency keys already in the history, so a timer that was
    fired before is refused exactly as the database would refuse it.
    """

    def __init__(
        self, tx: BulkTransaction, cases: dict[int, Case], recorded_keys: set[str]
    ) -> None:
        self.tx = tx
        self.cases = cases
        self.recorded_keys = recorded_keys
        self.w = _Writes()
        self._undo: list[Callable[[], None]] = []
        self._armed: dict[int, list[Timer]] = {}  # w.armed by case
        self._savepoint = _Savepoint(self._undo)

    # -- reads -----------------------------------------------------------------------------
    def get_case(self, case_id: int) -> Case | None:
        case = self.cases.get(case_id)
        return case if case is not None else self.tx.get_case(case_id)

    def event_by_key(self, key: str) -> Event | None:
        return self.tx.event_by_key(key)

    def events(self, case_id: int) -> list[Event]:
        return self.tx.events(case_id)

    def timers(self, case_id: int, pending_only: bool = True) -> list[Timer]:
        return self.tx.timers(case_id, pending_only)

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        return self.tx.claim_due_timers(now, limit)

    def unit_at_tier(self, grid_unit: str, tier: int) -> str:
        return self.tx.unit_at_tier(grid_unit, tier)

    # -- writes, recorded ------------------------------------------------------------------
    def insert_case(self, case: Case) -> int:
        return self.tx.insert_case(case)

    def update_case(self, case: Case, expected_version: int) -> bool:
        current = self.cases.get(case.id)
        if current is None or current.version != expected_version:
            return False
        first = case.id not in self.w.expected
        if first:
            self.w.expected[case.id] = expected_version
        self.cases[case.id] = case
        self.w.updated[case.id] = case

        def undo() -> None:
            self.cases[case.id] = current
            if first:
                del self.w.expected[case.id]
                del self.w.updated[case.id]
            else:
                self.w.updated[case.id] = current

        self._undo.append(undo)
        return True

    def update_workflow_version(self, case: Case, expected_version: int) -> bool:
        if not self.update_case(case, expected_version):
            return False
        fresh = case.id not in self.w.migrated
        self.w.migrated.add(case.id)
        if fresh:
            self._undo.append(lambda: self.w.migrated.discard(case.id))
        return True

    def append_event(self, event: Event) -> None:
        key = event.idem_key
        if key is not None:
            if key in self.recorded_keys or key in self.w.keys:
                raise DuplicateKeyError(key)
            self.w.keys.add(key)
        self.w.events.append(event)

        def undo() -> None:
            self.w.events.pop()
            if key is not None:
                self.w.keys.discard(key)

        self._undo.append(undo)

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        had = self.w.cancelled.get(case_id)
        self.w.cancelled[case_id] = at
        # Timers armed earlier in this batch are pending too: cancelled like stored ones.
        touched = [
            t
            for t in self._armed.get(case_id, ())
            if t.status == "pending" and t.armed_seq != CASE_ARMED
        ]
        for t in touched:
            t.status = "cancelled"

        def undo() -> None:
            if had is None:
                del self.w.cancelled[case_id]
            else:
                self.w.cancelled[case_id] = had
            for t in touched:
                t.status = "pending"

        self._undo.append(undo)

    def cancel_named_timers(self, items: Sequence[tuple[int, str]], at: datetime) -> None:
        self._append(self.w.cancelled_by_name, [(c, name, at) for c, name in items])
        wanted = set(items)
        touched = [
            t
            for c, _ in wanted
            for t in self._armed.get(c, ())
            if t.status == "pending" and (c, t.name) in wanted
        ]
        for t in touched:
            t.status = "cancelled"

        def undo() -> None:
            for t in touched:
                t.status = "pending"

        self._undo.append(undo)

    def arm_timers(self, timers: Sequence[Timer]) -> None:
        self._append(self.w.armed, timers)
        for t in timers:
            self._armed.setdefault(t.case_id, []).append(t)

        def undo() -> None:
            for t in timers:
                self._armed[t.case_id].pop()

        self._undo.append(undo)

    def add_notifications(self, notes: Sequence[Notification]) -> None:
        self._append(self.w.notes, notes)

    def open_tasks(self, tasks: Sequence[Task]) -> list[int]:
        """Written at once (their ids name their timers): a firing gives tasks only after
        its last check and its event, so nothing after them undoes the firing."""
        return self.tx.open_tasks(tasks)

    def add_points(self, entries: Sequence[PointEntry]) -> None:
        self._append(self.w.points, entries)

    def carry_tasks(self, case_id: int, from_seq: int, state: str, to_seq: int) -> list[Task]:
        """Written at once, like `open_tasks`: a move carries them after its last check."""
        return self.tx.carry_tasks(case_id, from_seq, state, to_seq)

    def finish_timer(self, timer: Timer) -> None:
        self._append(self.w.finished, [timer])

    def _append(self, target: list[_T], items: Sequence[_T]) -> None:
        size = len(target)
        target.extend(items)
        self._undo.append(lambda: target.__delitem__(slice(size, None)))

    def savepoint(self) -> _Savepoint:
        """A savepoint in memory: what is recorded inside is undone if it raises."""
        return self._savepoint

    # -- the bulk write --------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything recorded, in the order a firing writes it: cases, history,
        stale timers, new timers, notifications, points, and last the swept timers' outcomes."""
        w = self.w
        written = self.tx.update_cases([(c, w.expected[i]) for i, c in w.updated.items()])
        if written != len(w.updated):
            raise StaleBatchError(
                f"{len(w.updated) - written} of {len(w.updated)} cases changed under the batch"
            )
        self.tx.set_workflow_versions([c for i, c in w.updated.items() if i in w.migrated])
        self.tx.append_events(w.events)
        for at in sorted(set(w.cancelled.values())):
            self.tx.cancel_timers_of([c for c, t in w.cancelled.items() if t == at], at)
        for at in sorted({at for _, _, at in w.cancelled_by_name}):
            named = [(c, name) for c, name, when in w.cancelled_by_name if when == at]
            self.tx.cancel_named_timers(named, at)
        if w.armed:
            self.tx.arm_timers(w.armed)
        if w.notes:
            self.tx.add_notifications(w.notes)
        if w.points:
            self.tx.add_points(w.points)
        self.tx.finish_timers(w.finished)
        self._undo.clear()
