"""Which case needs a supervisor first: the one definition of urgency.

The overdue board and the workroom queue list cases most urgent first:

1. an **overdue** case before one that is not;
2. among overdue cases, the **higher grid tier** first: a case that climbed has missed a
   deadline at every tier below (a case without a tier counts as tier 0);
3. then the case **overdue longest** first: the earliest deadline it missed;
4. among cases not overdue, the **nearest deadline** first, cases without one last;
5. then the lower case number (the older case).

`urgency_key` states it in Python; the store orders its queries the same way
(`engine.store.queries.urgency_order`), and the tests check that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

_LAST = float("inf")


@dataclass(frozen=True, slots=True)
class Urgency:
    """What a case's urgency is made of."""

    case_id: int
    overdue: bool
    tier: int = 0
    missed_at: datetime | None = None  # the earliest deadline it missed, when overdue
    next_deadline: datetime | None = None


def urgency_key(u: Urgency) -> tuple[int, int, int, float, int, float, int]:
    """Sorting by this key puts the most urgent case first."""
    missed = u.missed_at.timestamp() if u.overdue and u.missed_at else _LAST
    due = u.next_deadline.timestamp() if u.next_deadline else _LAST
    return (
        0 if u.overdue else 1,
        -u.tier if u.overdue else 0,
        0 if u.overdue and u.missed_at else 1,
        missed,
        0 if u.next_deadline else 1,
        due,
        u.case_id,
    )
