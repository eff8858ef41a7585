"""The permission table: which roles may do what, in one place.

Actions on a case's workflow are allowed per state by the workflow definition itself
(``roles`` of each transition); this table holds everything else a user can do. Every use case
asks it through `require`; pages ask `allowed` to decide which buttons to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from engine.casework.errors import NotPermittedError
from engine.casework.identity import User


class Permission(StrEnum):
    HAND_OVER = "hand_over"
    ADD_PARTY = "add_party"
    READ_PERSONAL_DATA = "read_personal_data"
    READ_CASE_AUDIT = "read_case_audit"
    READ_AUDIT_LOG = "read_audit_log"
    READ_RATES = "read_rates"
    REVIEW_EXCLUSIONS = "review_exclusions"
    READ_DEFINITIONS = "read_definitions"
    PUBLISH_DEFINITION = "publish_definition"
    MIGRATE_CASE = "migrate_case"
    MANAGE_USERS = "manage_users"  # scoped in engine.casework.users_admin
    MANAGE_UNITS = "manage_units"
    MANAGE_GRIDS = "manage_grids"
    ASSIGN_CASE = "assign_case"
    CLAIM_CASE = "claim_case"
    IMPORT_DIRECTORY = "import_directory"
    URGE = "urge"
    READ_POINTS = "read_points"
    REDEEM_POINTS = "redeem_points"
    CORRECT_POINTS = "correct_points"
    MANAGE_CLIENTS = "manage_clients"  # outside systems and their API keys
    MERGE_CASES = "merge_cases"


_ADMINS = frozenset({"org_admin", "supervisor", "admin"})
_SUPERVISORS = frozenset({"supervisor", "admin"})

TABLE: Mapping[Permission, frozenset[str]] = MappingProxyType(
    {
        Permission.HAND_OVER: _ADMINS,
        Permission.ADD_PARTY: frozenset({"mediator", "org_admin", "grid_member"}),
        Permission.READ_PERSONAL_DATA: frozenset({"mediator", "org_admin"}),
        Permission.READ_CASE_AUDIT: _ADMINS,
        Permission.READ_AUDIT_LOG: frozenset({"admin"}),
        Permission.READ_RATES: _ADMINS,
        Permission.REVIEW_EXCLUSIONS: _SUPERVISORS,
        Permission.READ_DEFINITIONS: _ADMINS,
        Permission.PUBLISH_DEFINITION: _SUPERVISORS,
        Permission.MIGRATE_CASE: _SUPERVISORS,
        Permission.MANAGE_USERS: frozenset({"org_admin", "admin"}),
        # Units: an admin anywhere, a workroom head (org_admin) within its organisation's
        # subtree (engine.casework.units_admin asks where).
        Permission.MANAGE_UNITS: frozenset({"org_admin", "admin"}),
        # Grid members' grids: within the supervisor's area (engine.casework.grids).
        Permission.MANAGE_GRIDS: _SUPERVISORS,
        Permission.ASSIGN_CASE: frozenset({"org_admin"}),
        Permission.CLAIM_CASE: frozenset({"mediator"}),
        Permission.IMPORT_DIRECTORY: frozenset({"admin"}),
        Permission.URGE: _ADMINS,
        # Points (engine.casework.points): the community's staff record redemptions with the
        # partners; a supervisor undoes a mistaken entry with a counter-entry.
        Permission.READ_POINTS: frozenset(
            {"grid_member", "handler", "org_admin", "supervisor", "admin"}
        ),
        Permission.REDEEM_POINTS: frozenset({"grid_member", "handler", "org_admin", "admin"}),
        Permission.CORRECT_POINTS: _SUPERVISORS,
        Permission.MANAGE_CLIENTS: frozenset({"admin"}),
        Permission.MERGE_CASES: _ADMINS,
    }
)


def roles_for(permission: Permission) -> list[str]:
    """The roles holding `permission`, in a stable order."""
    return sorted(TABLE[permission])


def allowed(user: User, permission: Permission) -> bool:
    return user.role in TABLE[permission]


def require(user: User, permission: Permission) -> None:
    """NotPermittedError unless the user's role holds `permission`."""
    if user.role not in TABLE[permission]:
        raise NotPermittedError(permission.value, user.role, roles_for(permission))
