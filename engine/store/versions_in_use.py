"""How many open cases each version of a workflow still runs (the migration pages' link)."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from engine.store.queries import cases, visible_clause
from engine.store.repository import SqlTransaction
from engine.visibility import Visibility


def open_by_version(tx: SqlTransaction, vis: Visibility, workflow: str) -> dict[int, int]:
    """Version → number of open cases on it, of the cases `vis` sees (versions with none
    left out)."""
    query = (
        select(cases.c.workflow_version, func.count())
        .where(
            and_(
                cases.c.workflow == workflow,
                cases.c.closed_at.is_(None),
                visible_clause(vis, tx.sqlite),
            )
        )
        .group_by(cases.c.workflow_version)
    )
    return {int(version): int(n) for version, n in tx.conn.execute(query)}
