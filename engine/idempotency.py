"""Idempotency keys: a retried request returns the first result and changes nothing again.

The key is stored with the event it produced (unique). A retry finds that event and returns
it with the case as it is now, marked `replayed`; the same key on another case or action is
refused. Two concurrent first tries both pass the lookup; the store refuses the second
event's key (DuplicateKeyError), its transaction rolls back, and it replays the winner's.
"""

from __future__ import annotations

from engine.errors import IdempotencyKeyReusedError
from engine.model import FireResult
from engine.ports import Store, Transaction


def replay(tx: Transaction, key: str, case_id: int | None, action: str) -> FireResult | None:
    """The first result recorded under `key`, or None if the key is new."""
    event = tx.event_by_key(key)
    if event is None:
        return None
    if event.action != action or (case_id is not None and event.case_id != case_id):
        raise IdempotencyKeyReusedError(key)
    case = tx.get_case(event.case_id)
    assert case is not None
    return FireResult(case, event, replayed=True)


def replay_after_race(store: Store, key: str, case_id: int | None, action: str) -> FireResult:
    """After losing a race on `key` (the transaction rolled back): the winner's result."""
    with store.transaction(write=False) as tx:
        result = replay(tx, key, case_id, action)
    if result is None:
        raise IdempotencyKeyReusedError(key)
    return result
