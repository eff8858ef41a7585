"""催办 (urging): a supervisor presses the unit responsible for overdue cases to act.

One case or a selection, in one transaction: per case an `urge_case` event in its history (the
state does not change; the note is kept there), a notification to the responsible unit
through the outbox (its `org_admin`, and the assigned mediator where there is one; like every
notification it carries a link, never the note), and the case's count of urges
(`engine.store.urges`). A case the user does not see is not found and nothing is written; a
retried request with the same Idempotency-Key is not applied twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.casework.access import scoped_key, visible_in
from engine.casework.context import Casework
from engine.casework.errors import InvalidUrgeError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.errors import IdempotencyKeyReusedError
from engine.model import Case, Event, Notification
from engine.notices import responsible_person, responsible_unit
from engine.ports import DuplicateKeyError
from engine.store import urges
from engine.store.repository import SqlTransaction

# The history event's action, and the notification's kind and subject. Not `urge`: the
# mediation workflows have an action of that name (督促履行, urging a party to perform).
URGE = "urge_case"
NOTE_MAX = 500
MAX_CASES = 200


@dataclass(frozen=True, slots=True)
class Urged:
    case_ids: tuple[int, ...]
    at: datetime
    replayed: bool = False  # a retry of a request already applied: nothing was written


def urge(
    cw: Casework,
    user: User,
    case_ids: Sequence[int],
    note: str = "",
    idem_key: str | None = None,
) -> Urged:
    """Urge the cases (each once, in the order given): 404 for a case the user does not see,
    then 403 for the role, 422 for no case, more than MAX_CASES, a closed case or a note
    over NOTE_MAX."""
    ids = tuple(dict.fromkeys(case_ids))
    if not 1 <= len(ids) <= MAX_CASES:
        raise InvalidUrgeError("case_ids", f"1 to {MAX_CASES} cases")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidUrgeError("note", f"at most {NOTE_MAX} characters")
    keys = [scoped_key(user, idem_key, f"#urge:{i}") for i in ids] if idem_key else []
    try:
        with cw.store.transaction() as tx:
            found = [visible_in(tx, user, i) for i in ids]
            require(user, Permission.URGE)
            closed = [c.id for c in found if c.closed_at is not None]
            if closed:
                raise InvalidUrgeError("case_ids", f"case #{closed[0]} is closed")
            done = _replay(tx, ids, keys, idem_key)
            if done is not None:
                return done
            at = cw.clock.now()
            for case, key in zip(found, keys or [None] * len(found), strict=True):
                _urge_one(tx, user, case, note, key, at)
            return Urged(ids, at)
    except DuplicateKeyError:
        # A concurrent retry with the same key won: answer what it did.
        with cw.store.transaction(write=False) as tx:
            done = _replay(tx, ids, keys, idem_key)
        if done is None:
            raise IdempotencyKeyReusedError(str(idem_key)) from None
        return done


def _urge_one(
    tx: SqlTransaction, user: User, case: Case, note: str, key: str | None, at: datetime
) -> None:
    bumped = urges.bump(tx, case.id, at)
    assert bumped is not None  # the case was read in this transaction
    tx.append_event(
        Event(
            case_id=case.id,
            seq=bumped.seq,
            at=at,
            actor=user.actor.name,
            role=user.actor.role,
            action=URGE,
            from_state=bumped.state,
            to_state=bumped.state,
            case_version=bumped.version,
            idem_key=key,
            note=note or None,
        )
    )
    unit = responsible_unit(case, tx.unit_at_tier)
    roles = ["org_admin"]
    if responsible_person(case) is not None:
        roles.append("mediator")
    tx.add_notifications([Notification(case.id, r, URGE, at, URGE, unit) for r in roles])


def _replay(
    tx: SqlTransaction, ids: tuple[int, ...], keys: list[str | None], idem_key: str | None
) -> Urged | None:
    """The request applied before under the same key, or None if the key is new. A key
    used for other cases or another request is refused."""
    if not keys:
        return None
    events = [tx.event_by_key(k) for k in keys if k is not None]
    if all(e is None for e in events):
        return None
    pairs = zip(events, ids, strict=True)
    if any(e is None or e.action != URGE or e.case_id != i for e, i in pairs):
        raise IdempotencyKeyReusedError(str(idem_key))
    first = events[0]
    assert first is not None
    return Urged(ids, first.at, replayed=True)
