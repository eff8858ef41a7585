"""Which versions of a workflow still run open cases: where a migration would start from."""

from __future__ import annotations

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import queries


def open_cases_by_version(cw: Casework, user: User, workflow: str) -> dict[int, int]:
    """Version → open cases on it, among the cases the user sees; one read transaction."""
    require(user, Permission.MIGRATE_CASE)
    with cw.store.transaction(write=False) as tx:
        return queries.open_cases_by_version(tx, workflow, user.scope)
