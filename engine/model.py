"""Plain records the service reads and writes: cases, events, timers, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires an action: a user name (or "system") and the role they act in."""

    name: str
    role: str


SYSTEM_ACTOR = Actor("system", "system")


@dataclass(slots=True)
class Case:
    id: int
    workflow: str
    workflow_version: int
    state: str
    data: dict[str, Any]
    version: int
    opened_at: datetime
    updated_at: datetime
    state_entered_at: datetime
    last_seq: int
    entered_seq: int
    org_unit: str | None = None
    grid_unit: str | None = None
    assignee: str | None = None
    opened_by: str = ""
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a case's append-only history."""

    case_id: int
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    from_state: str | None
    to_state: str
    data: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    case_version: int = 0
    idem_key: str | None = None
    lateness_s: float | None = None
    note: str | None = None


#: A timer's kinds: a deadline fires its action (or, without one, notifies) when due and is
#: what the rates and the board count; a reminder only notifies, before its deadline.
DEADLINE: Final = "deadline"
REMINDER: Final = "reminder"


@dataclass(slots=True)
class Timer:
    """A deadline or a reminder, armed when a case enters a state, or a timer of the whole
    case (`armed_seq` CASE_ARMED: armed when it opens or a field is set, engine.case_timers)."""

    case_id: int
    name: str
    kind: str  # DEADLINE | REMINDER
    fire_at: datetime
    armed_seq: int
    action: str | None = None
    status: str = "pending"  # pending | fired | stale | skipped | cancelled | failed | held
    id: int | None = None
    fired_at: datetime | None = None
    lateness_s: float | None = None
    note: str | None = None
    # Failed firings so far, the last one's error, and when it is tried again (engine.sweep).
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    # Of a recurring timer: which occurrence this is (1, 2, …); None for a single one.
    occurrence: int | None = None

    @property
    def retrying(self) -> bool:
        """Still pending, after a firing that failed: waiting for its next attempt.

        A retrying timer keeps the status ``pending`` so that everything that reads pending
        deadlines (overdue lists, countdowns, cancelling them when the case leaves the
        state) still sees it as the live deadline it is."""
        return self.status == "pending" and self.attempts > 0


#: The `armed_seq` of a case-level timer: armed for the case, not for one stay in a state.
CASE_ARMED = 0
TASK_OPEN = "open"


@dataclass(frozen=True, slots=True)
class Task:
    """One unit's part of a case. `title` empty: the state's `tasks.title` (a task given
    from the units field); `note`: the completion note; `reason`: why the lead closed it."""

    case_id: int
    state: str
    armed_seq: int
    unit: str
    title: str
    due_at: datetime
    created_at: datetime
    created_by: str
    id: int = 0
    assignee: str | None = None
    status: str = TASK_OPEN  # open | done | closed
    note: str | None = None
    reason: str | None = None
    finished_at: datetime | None = None
    finished_by: str | None = None

    def current(self, case: Case) -> bool:
        """Whether the task belongs to the case's present stay in its state."""
        return case.state == self.state and case.entered_seq == self.armed_seq

    def overdue(self, now: datetime) -> bool:
        return self.status == TASK_OPEN and self.due_at <= now


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to a role about a case: it carries a link, never the case's details."""

    case_id: int
    role: str
    kind: str  # "transition" | "reminder" | "deadline" | "escalation"
    created_at: datetime
    subject: str = ""
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class FireResult:
    case: Case
    event: Event
    replayed: bool = False


@dataclass(slots=True)
class SweepReport:
    """What one sweep of due timers did."""

    claimed: int = 0
    fired: int = 0
    reminded: int = 0
    stale: int = 0
    skipped: int = 0
    retrying: int = 0  # firings that failed and are tried again later
    failed: int = 0  # firings that failed for the last time: the timer is given up
    max_lateness_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        """Claimed timers this sweep dealt with, one way or another."""
        return self.fired + self.reminded + self.stale + self.skipped + self.retrying + self.failed

    def add(self, other: SweepReport) -> None:
        """Fold another batch's report into this one."""
        self.claimed += other.claimed
        self.fired += other.fired
        self.reminded += other.reminded
        self.stale += other.stale
        self.skipped += other.skipped
        self.retrying += other.retrying
        self.failed += other.failed
        self.max_lateness_s = max(self.max_lateness_s, other.max_lateness_s)
        self.errors += other.errors
