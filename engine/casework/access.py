"""Which case a user may reach, and which units they may name: asked by every use case."""

from __future__ import annotations

from engine.casework.context import Casework
from engine.casework.errors import InvalidKeyError, OutOfScopeError, OwnerMissingError
from engine.casework.identity import User
from engine.errors import CaseNotFoundError
from engine.model import Case
from engine.store import queries
from engine.store.repository import SqlTransaction
from engine.visibility import sees

MAX_KEY_LENGTH = 100


def scoped_key(user: User, key: str | None, suffix: str = "") -> str | None:
    """An Idempotency-Key namespaced by user, so two users' keys never meet."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(MAX_KEY_LENGTH)
    return f"u{user.id}:{key}{suffix}"


def visible_in(tx: SqlTransaction, user: User, case_id: int) -> Case:
    """The case, if the user may see it; CaseNotFoundError otherwise.

    The units it was handed to are read whether or not the case exists and whatever the
    user's scope: a hidden case and a missing one answer alike, in the same time."""
    case = tx.get_case(case_id)
    handed = queries.handed_units(tx, case_id)
    if case is None or not sees(user.scope, case, handed):
        raise CaseNotFoundError(case_id)
    return case


def visible_case(cw: Casework, user: User, case_id: int) -> Case:
    """The case, if the user may see it (404 otherwise)."""
    with cw.store.transaction(write=False) as tx:
        return visible_in(tx, user, case_id)


def check_unit_in_scope(user: User, unit: str | None, what: str) -> None:
    if unit is None or user.scope.everything or unit in user.scope.units:
        return
    raise OutOfScopeError(what, unit)


def owner_units(
    user: User, org_unit: str | None, grid_unit: str | None
) -> tuple[str | None, str | None]:
    """The units a new case belongs to: those named, within the user's scope, or the user's
    own organisation."""
    if org_unit is None and grid_unit is None:
        org_unit = user.unit
    check_unit_in_scope(user, org_unit, "organisation")
    check_unit_in_scope(user, grid_unit, "grid unit")
    if org_unit is None and grid_unit is None and not user.scope.everything:
        raise OwnerMissingError()
    return org_unit, grid_unit
