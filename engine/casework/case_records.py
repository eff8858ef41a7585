"""A change made to a case outside its workflow (claimed, assigned, moved to another unit),
written into the case's history as an event that keeps the case in its state and its timers
armed. Called inside the use case's transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.errors import CaseNotFoundError, ConflictError
from engine.model import Actor, Case, Event
from engine.store.repository import SqlTransaction

CLAIM = "claim"
ASSIGN = "assign"
UNIT_MERGED = "unit_merged"
GRID_HANDOVER = "grid_handover"
GRID_REDRAWN = "grid_redrawn"
# The events of this module, for the history's labels.
EVENTS: tuple[str, ...] = (CLAIM, ASSIGN, UNIT_MERGED, GRID_HANDOVER, GRID_REDRAWN)


def record_change(
    tx: SqlTransaction,
    case: Case,
    actor: Actor,
    action: str,
    at: datetime,
    *,
    changes: dict[str, Any],
    note: str,
    assignee: str | None = None,
) -> Case:
    """Append `action` to the case's history (same state; `changes` shown) and bump the
    case's version, setting its assignee when given; ConflictError if the case changed since
    it was read."""
    updated = replace(
        case,
        version=case.version + 1,
        last_seq=case.last_seq + 1,
        updated_at=at,
        assignee=assignee if assignee is not None else case.assignee,
    )
    if not tx.update_case(updated, case.version):
        current = tx.get_case(case.id)
        if current is None:
            raise CaseNotFoundError(case.id)
        raise ConflictError(case.id, case.version, current.version)
    tx.append_event(
        Event(
            case_id=case.id,
            seq=updated.last_seq,
            at=at,
            actor=actor.name,
            role=actor.role,
            action=action,
            from_state=case.state,
            to_state=case.state,
            data={},
            changes=changes,
            case_version=updated.version,
            note=note,
        )
    )
    return updated
