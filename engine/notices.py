"""Which unit a notification is for, decided when it is written.

A notification names a role and a unit. For a case an organisation owns, the unit is that
organisation. For a grid case it is the unit holding the case at its tier at the moment the
notice is written (grid 0 → community 1 → street 2 → district 3 → city 4): a reminder or a
missed-deadline notice reaches the community that held the deadline, even when the case has
climbed a tier by the time the message is delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from engine.model import Case, Notification
from engine.ports import Transaction
from engine.reserved import ASSIGNEE, HANDLING_UNIT, LEAD_UNIT, MEDIATOR
from engine.visibility import case_tier


def holding_unit(tx: Transaction, case: Case) -> str | None:
    """The unit the case's notices go to now: its organisation, or its grid's holder at the
    case's tier, or none."""
    if case.org_unit is not None:
        return case.org_unit
    if case.grid_unit is not None:
        return tx.unit_at_tier(case.grid_unit, case_tier(case.data))
    return None


def notices(
    tx: Transaction,
    case: Case,
    roles: Iterable[str],
    kind: str,
    at: datetime,
    subject: str,
) -> list[Notification]:
    """One notification per role, for the unit holding `case` as given."""
    roles = tuple(roles)
    if not roles:
        return []
    unit = holding_unit(tx, case)
    return [Notification(case.id, r, kind, at, subject, unit) for r in roles]


def responsible_unit(case: Case, at_tier: Callable[[str, int], str]) -> str | None:
    """The unit answerable for the case now (the overdue board, 催办): the unit handling it
    (`handling_unit`, or the lead unit of a joint handling), else the unit holding it
    (`holding_unit`; `at_tier(grid, tier)` names a grid's holder at a tier)."""
    for name in (HANDLING_UNIT, LEAD_UNIT):
        named = case.data.get(name)
        if isinstance(named, str) and named:
            return named
    if case.org_unit is not None:
        return case.org_unit
    if case.grid_unit is not None:
        return at_tier(case.grid_unit, case_tier(case.data))
    return None


def responsible_person(case: Case) -> str | None:
    """The person the case is assigned to (its mediator or assignee), if anyone."""
    for name in (MEDIATOR, ASSIGNEE):
        named = case.data.get(name)
        if isinstance(named, str) and named:
            return named
    return case.assignee
