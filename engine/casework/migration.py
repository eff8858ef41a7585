"""Moving a running case onto another version of its workflow, explicitly."""

from __future__ import annotations

from engine.casework.access import scoped_key, visible_case
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.model import FireResult


def migrate_case(
    cw: Casework,
    user: User,
    case_id: int,
    to_version: int,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> FireResult:
    """Move a case the user sees onto `to_version` of its workflow: one transaction, the move
    recorded in the case's history (engine.service.WorkflowService.migrate_case)."""
    visible_case(cw, user, case_id)
    require(user, Permission.MIGRATE_CASE)
    return cw.service.migrate_case(
        case_id,
        to_version,
        user.actor,
        expected_version=expected_version,
        idempotency_key=scoped_key(user, idempotency_key),
    )
