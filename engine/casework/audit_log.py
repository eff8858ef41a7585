"""Reading the audit log: a case's entries for those who oversee it, the whole log for
admins."""

from __future__ import annotations

from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit
from engine.store.audit import AuditEntry

__all__ = ["AuditEntry", "audit_entries", "case_audit"]


def case_audit(cw: Casework, user: User, case_id: int, limit: int = 100) -> list[AuditEntry]:
    """Who read or changed this case's personal data, newest first."""
    with cw.store.transaction(write=False) as tx:
        visible_in(tx, user, case_id)
        require(user, Permission.READ_CASE_AUDIT)
        return audit.entries(tx, case_ids=[case_id], limit=limit)


def audit_entries(cw: Casework, user: User, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The audit log about the cases the user may see, newest first."""
    require(user, Permission.READ_AUDIT_LOG)
    with cw.store.transaction(write=False) as tx:
        return audit.entries(tx, vis=user.scope, limit=limit, offset=offset)
