"""Plain records the service reads and writes: cases, events, timers, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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


@dataclass(slots=True)
class Timer:
    """A deadline or a reminder, armed when a case enters a state."""

    case_id: int
    name: str
    kind: str  # "deadline" | "reminder"
    fire_at: datetime
    armed_seq: int
    action: str | None = None
    status: str = "pending"  # pending | fired | stale | skipped | cancelled
    id: int | None = None
    fired_at: datetime | None = None
    lateness_s: float | None = None
    note: str | None = None


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
    max_lateness_s: float = 0.0
    errors: list[str] = field(default_factory=list)
