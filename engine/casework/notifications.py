"""Notification routing and delivery bookkeeping.

A notification is written with the firing that causes it (engine.timers, engine.firing) and
names a role, and a unit where the firing knew one. When it is delivered it is routed: a grid
case's notice goes to the unit holding the case at its tier, a mediator's to the mediator the
case is assigned to. Notifications never carry case details: a subject and a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.casework.context import Casework
from engine.reserved import MEDIATOR
from engine.store import outbox, units
from engine.store.outbox import ClaimedNotice
from engine.units import UnitRecord, UnitTree
from engine.visibility import case_tier


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification to deliver: who (role, unit, person) and which case, nothing more."""

    id: int
    case_id: int
    role: str
    unit: str | None
    kind: str
    subject: str
    created_at: datetime
    attempts: int
    person: str | None


REPORTER = "reporter"  # the person who reported or opened the case (its `opened_by`)


def person_for(
    role: str, assignee: str | None, data: Mapping[str, Any], opened_by: str = ""
) -> str | None:
    """The mediator a case is assigned to, for a notification to the mediator role; the
    person who opened it, for one to its reporter."""
    if role == REPORTER:
        return opened_by or None
    if role != "mediator":
        return None
    named = data.get(MEDIATOR)
    return named if isinstance(named, str) and named else assignee


def route(notice: ClaimedNotice, tree: UnitTree) -> OutboxItem:
    """Where a claimed notification goes: the unit it names, or for a grid case the grid's
    ancestor at the case's tier (grid 0 → community 1 → street 2 → district 3 → city 4), so
    that a deadline or an escalation reaches the community or street the case waits on."""
    unit = notice.unit
    if unit is None and notice.grid_unit is not None:
        unit = tree.holder_at_tier(notice.grid_unit, case_tier(notice.data))
    return OutboxItem(
        id=notice.id,
        case_id=notice.case_id,
        role=notice.role,
        unit=unit,
        kind=notice.kind,
        subject=notice.subject,
        created_at=notice.created_at,
        attempts=notice.attempts,
        person=person_for(notice.role, notice.assignee, notice.data, notice.opened_by),
    )


def claim_deliveries(cw: Casework, now: datetime, limit: int) -> list[OutboxItem]:
    """Take up to `limit` notifications to send, routed, in one transaction."""
    with cw.store.transaction() as tx:
        claimed = outbox.claim(tx, now, limit)
        if not any(n.unit is None and n.grid_unit is not None for n in claimed):
            return [route(n, UnitTree.build(())) for n in claimed]
        parents = units.parents(tx)
    tree = UnitTree.build(UnitRecord(c, c, c, "", p) for c, p in parents.items())
    return [route(n, tree) for n in claimed]


def mark_sent(cw: Casework, ids: Sequence[int], at: datetime) -> None:
    with cw.store.transaction() as tx:
        outbox.mark_sent(tx, ids, at)


def mark_failed(cw: Casework, item: OutboxItem, error: str) -> str:
    """Record a failed delivery: pending again for a later sweep, or failed for good after
    engine.store.outbox.MAX_ATTEMPTS. Returns the new status."""
    with cw.store.transaction() as tx:
        return outbox.mark_failed(tx, item.id, item.attempts, error)
