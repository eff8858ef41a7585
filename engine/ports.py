"""What the service needs from storage; engine.store implements it for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from engine.definition import Definition
from engine.errors import FengqiaoError
from engine.model import Case, Event, Notification, Task, Timer
from engine.points import PointEntry


class DuplicateKeyError(FengqiaoError):
    """Raised by a store when an idempotency key is already recorded (a concurrent retry)."""


class DuplicateVersionError(FengqiaoError):
    """Raised by a store when a workflow version is published that exists already (two
    publishers at the same moment)."""

    def __init__(self, name: str, version: int) -> None:
        super().__init__(f"{name} v{version} exists already")
        self.name = name
        self.version = version


class Transaction(Protocol):
    """One database transaction: everything done through it commits or rolls back together."""

    def get_case(self, case_id: int) -> Case | None: ...

    def event_by_key(self, key: str) -> Event | None: ...

    def insert_case(self, case: Case) -> int: ...

    def update_case(self, case: Case, expected_version: int) -> bool:
        """Write `case` if the stored version is still `expected_version`; False if not."""
        ...

    def update_workflow_version(self, case: Case, expected_version: int) -> bool:
        """Like update_case, also moving the case onto `case.workflow_version`."""
        ...

    def append_event(self, event: Event) -> None: ...

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        """Make every pending timer of the case's state stale (the state it was armed in was
        left); its case-level timers keep running."""
        ...

    def cancel_named_timers(self, items: Sequence[tuple[int, str]], at: datetime) -> None:
        """Cancel the pending timers named, per (case id, timer name)."""
        ...

    def arm_timers(self, timers: Sequence[Timer]) -> None: ...

    def add_notifications(self, notes: Sequence[Notification]) -> None: ...

    def open_tasks(self, tasks: Sequence[Task]) -> list[int]:
        """Insert tasks within cases (engine.tasks); their ids, in order."""

    def add_points(self, entries: Sequence[PointEntry]) -> None:
        """Append entries to the points ledger (append-only: nothing updates or deletes)."""
        ...

    def carry_tasks(self, case_id: int, from_seq: int, state: str, to_seq: int) -> list[Task]:
        """The open tasks of the case's stay `from_seq`, made the stay `to_seq` in `state`'s
        (a migration keeps the case where it is, as a new stay); as they are now."""
        ...

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        """Pending timers due by `now`, oldest first, locked for this transaction together
        with their cases where the database can: a timer or a case another transaction holds
        is skipped, and waits for a later sweep."""
        ...

    def finish_timer(self, timer: Timer) -> None:
        """Store a claimed timer's outcome: status, fired_at, lateness_s, note."""
        ...

    def savepoint(self) -> AbstractContextManager[None]: ...

    def events(self, case_id: int) -> list[Event]: ...

    def timers(self, case_id: int, pending_only: bool = True) -> list[Timer]: ...

    def unit_at_tier(self, grid_unit: str, tier: int) -> str:
        """The unit holding a grid case at `tier`: the grid's ancestor that many steps up
        (the highest one there is, when the tree is shallower)."""
        ...


class BulkTransaction(Transaction, Protocol):
    """A transaction that also reads and writes many rows per statement: what a sweep of due
    timers needs to fire thousands of them a second."""

    def get_cases(self, case_ids: Sequence[int]) -> dict[int, Case]: ...

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` already recorded as idempotency keys of events."""
        ...

    def update_cases(self, items: Sequence[tuple[Case, int]]) -> int:
        """Write each case whose stored version is still the one paired with it; the number
        written."""
        ...

    def set_workflow_versions(self, cases: Sequence[Case]) -> None:
        """Write each case's workflow version (cases moved to another version, written by
        update_cases in the same transaction)."""
        ...

    def append_events(self, events: Sequence[Event]) -> None: ...

    def cancel_timers_of(self, case_ids: Sequence[int], at: datetime) -> None: ...

    def finish_timers(self, timers: Sequence[Timer]) -> None: ...


class Store(Protocol):
    def transaction(self, write: bool = True) -> AbstractContextManager[BulkTransaction]: ...

    def follow_definitions(self, lookup: Callable[[str, int], Definition]) -> None:
        """Data the store derives from cases by their definitions' rules (the rates' facts)
        is worked out by the version `lookup(workflow, version)` returns."""
        ...
