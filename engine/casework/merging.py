"""Merge a duplicate into the case it repeats, and split it back.

**Merge** (one transaction): the duplicate is closed as merged (`merged_into` names the case
kept; its state stays, so a split can give it back; its pending timers are held), an event
`merge_into` on the duplicate and `merged_from` on the case kept (both histories stay
whole), a notification to the duplicate's reporter through the outbox, an audit entry
`case_merged`. The rates leave a case with `merged_into` out (engine.store.rate_facts): the
matter counts once, as the case kept.

**Split** (one transaction): the merged case is open again in the state it had, `merged_into`
removed and its held timers running again; events `split_from` on it and `split_off` on the
case it had been merged into; a notification to its reporter; audit `case_split`.

Both cases must be ones the user sees (404 otherwise); `MERGE_CASES` decides who may.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from engine.casework.access import visible_in
from engine.casework.case_records import record_change
from engine.casework.context import Casework
from engine.casework.errors import MergeRefusedError
from engine.casework.identity import User
from engine.casework.notifications import REPORTER
from engine.casework.permissions import Permission, require
from engine.errors import CaseNotFoundError, ConflictError
from engine.model import Case, Event, Notification
from engine.reserved import MERGED_INTO
from engine.store import audit
from engine.store import duplicates as index
from engine.store.repository import SqlTransaction

MERGE_INTO = "merge_into"  # on the duplicate
MERGED_FROM = "merged_from"  # on the case kept
SPLIT_FROM = "split_from"  # on the case split back out
SPLIT_OFF = "split_off"  # on the case it had been merged into
EVENTS: tuple[str, ...] = (MERGE_INTO, MERGED_FROM, SPLIT_FROM, SPLIT_OFF)
NOTE_MAX = 500


def merged_into(case: Case) -> int | None:
    """The case this one was merged into by `merge`, if it is closed as merged."""
    value = case.data.get(MERGED_INTO)
    if case.closed_at is None or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def merge(cw: Casework, user: User, case_id: int, into: int, note: str = "") -> Case:
    """Merge case `case_id` into case `into`; the duplicate as it is now."""
    note = _note(case_id, note)
    with cw.store.transaction() as tx:
        dup = visible_in(tx, user, case_id)
        kept = visible_in(tx, user, into)
        require(user, Permission.MERGE_CASES)
        if dup.id == kept.id:
            raise MergeRefusedError(dup.id, "a case cannot be merged into itself")
        for c in (dup, kept):
            if c.closed_at is not None:
                raise MergeRefusedError(c.id, "the case is closed")
        if dup.workflow != kept.workflow:
            raise MergeRefusedError(dup.id, "the cases run different workflows")
        at = cw.clock.now()
        data = {**dup.data, MERGED_INTO: str(kept.id)}
        closed = _change(tx, dup, data=data, closed_at=at, at=at)
        _event(tx, user, closed, MERGE_INTO, {MERGED_INTO: str(kept.id), "case": kept.id}, note, at)
        index.hold_timers(tx, dup.id)
        record_change(tx, kept, user.actor, MERGED_FROM, at, changes={"case": dup.id}, note=note)
        _inform(tx, dup, MERGE_INTO, at)
        audit.record(
            tx,
            at=at,
            username=user.username,
            action="case_merged",
            reason=f"#{dup.id} → #{kept.id}" + (f": {note}" if note else ""),
            case_id=dup.id,
        )
        return closed


def split(cw: Casework, user: User, case_id: int, note: str = "") -> Case:
    """Open a merged case again in the state it had; the case as it is now."""
    note = _note(case_id, note)
    with cw.store.transaction() as tx:
        dup = visible_in(tx, user, case_id)
        require(user, Permission.MERGE_CASES)
        into = merged_into(dup)
        definition = cw.registry.get(dup.workflow, dup.workflow_version)
        if into is None or definition.states[dup.state].final:
            raise MergeRefusedError(dup.id, "the case was not merged here")
        kept = tx.get_case(into)
        at = cw.clock.now()
        data = {k: v for k, v in dup.data.items() if k != MERGED_INTO}
        reopened = _change(tx, dup, data=data, closed_at=None, at=at)
        _event(tx, user, reopened, SPLIT_FROM, {MERGED_INTO: None, "case": into}, note, at)
        index.release_timers(tx, dup.id)
        if kept is not None:
            record_change(tx, kept, user.actor, SPLIT_OFF, at, changes={"case": dup.id}, note=note)
        _inform(tx, dup, SPLIT_FROM, at)
        audit.record(
            tx,
            at=at,
            username=user.username,
            action="case_split",
            reason=f"#{dup.id} ← #{into}" + (f": {note}" if note else ""),
            case_id=dup.id,
        )
        return reopened


def _note(case_id: int, note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise MergeRefusedError(case_id, f"the note holds at most {NOTE_MAX} characters")
    return note


def _change(
    tx: SqlTransaction,
    case: Case,
    *,
    data: dict[str, object],
    closed_at: datetime | None,
    at: datetime,
) -> Case:
    updated = replace(
        case,
        data=data,
        closed_at=closed_at,
        version=case.version + 1,
        last_seq=case.last_seq + 1,
        updated_at=at,
    )
    if not tx.update_case(updated, case.version):
        current = tx.get_case(case.id)
        if current is None:
            raise CaseNotFoundError(case.id)
        raise ConflictError(case.id, case.version, current.version)
    return updated


def _event(
    tx: SqlTransaction,
    user: User,
    case: Case,
    action: str,
    changes: dict[str, object],
    note: str,
    at: datetime,
) -> None:
    tx.append_event(
        Event(
            case_id=case.id,
            seq=case.last_seq,
            at=at,
            actor=user.actor.name,
            role=user.actor.role,
            action=action,
            from_state=case.state,
            to_state=case.state,
            changes=changes,
            case_version=case.version,
            note=note or None,
        )
    )


def _inform(tx: SqlTransaction, case: Case, kind: str, at: datetime) -> None:
    """The case's reporter hears of it through the outbox (a link, never the details)."""
    unit = case.grid_unit or case.org_unit
    tx.add_notifications([Notification(case.id, REPORTER, kind, at, kind, unit)])
