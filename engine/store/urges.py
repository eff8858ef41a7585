"""催办 (urging) as stored: each case keeps how many times it was urged and when last
(`cases.urges`, `cases.last_urged_at`); each urge is also an `urge_case` event in its history,
with the note, written by engine.casework.urging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from engine.store import rate_facts
from engine.store.queries import cases
from engine.store.repository import SqlTransaction


@dataclass(frozen=True, slots=True)
class UrgeCount:
    case_id: int
    urges: int
    last_urged_at: datetime | None


@dataclass(frozen=True, slots=True)
class Bumped:
    """A case as the urge left it: its new version and the sequence number of the event."""

    case_id: int
    version: int
    seq: int
    state: str


def bump(tx: SqlTransaction, case_id: int, at: datetime) -> Bumped | None:
    """Count one more urge on the case (and in its rate facts) and make room for its event in
    the history: its version and last sequence number go up by one, read back in the same
    statement (so a concurrent change is never lost nor overwritten). None if the case does
    not exist."""
    row = tx.conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            urges=cases.c.urges + 1,
            last_urged_at=at,
            version=cases.c.version + 1,
            last_seq=cases.c.last_seq + 1,
        )
        .returning(cases.c.version, cases.c.last_seq, cases.c.state)
    ).first()
    if row is None:
        return None
    rate_facts.add_urges(tx, [case_id])  # the rates' count of urged cases moves with it
    return Bumped(case_id, int(row.version), int(row.last_seq), str(row.state))


def urged_cases(tx: SqlTransaction, case_ids: Sequence[int]) -> dict[int, UrgeCount]:
    """How many times each of the cases was urged and when last; cases never urged are
    left out. For the rates and the lists that show urges."""
    found: dict[int, UrgeCount] = {}
    ids = list(case_ids)
    for i in range(0, len(ids), 500):
        rows = tx.conn.execute(
            select(cases.c.id, cases.c.urges, cases.c.last_urged_at).where(
                cases.c.id.in_(ids[i : i + 500]), cases.c.urges > 0
            )
        )
        for r in rows:
            found[int(r.id)] = UrgeCount(int(r.id), int(r.urges), r.last_urged_at)
    return found
