"""Whether an employer is on the wage-arrears blacklist (拖欠农民工工资失信联合惩戒对象名单):
the open cases whose `blacklisted` is true for its `employer_code` (engine.reserved). The list
is the list procedure's own cases, so it is never out of step with them: a case removed from
the list (its period over, removed early) is closed or no longer `blacklisted`."""

from __future__ import annotations

from sqlalchemy import select, true

from engine.reserved import BLACKLISTED, EMPLOYER_CODE
from engine.store.queries import cases
from engine.store.repository import SqlTransaction


def listing_cases(tx: SqlTransaction, employer_code: str) -> list[int]:
    """The open cases that put `employer_code` on the list, by id (none: not listed)."""
    query = (
        select(cases.c.id)
        .where(
            cases.c.closed_at.is_(None),
            cases.c.data[EMPLOYER_CODE].as_string() == employer_code,
            cases.c.data[BLACKLISTED].as_boolean() == true(),
        )
        .order_by(cases.c.id)
    )
    return [int(r[0]) for r in tx.conn.execute(query)]
