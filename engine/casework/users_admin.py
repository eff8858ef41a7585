"""Managing users: create, give a role and a unit, deactivate and reactivate, set a password,
unlock after failed logins; and the first administrator of an installation.

An `admin` manages every user; an `org_admin` the users of its own organisation (whose unit
is that organisation or a unit under it), never giving or touching the roles above its own.
Each change and its audit entry are one transaction. Passwords are hashed before the
transaction opens (argon2 takes ~40 ms) and never written anywhere but as their hash.
A deactivated user's tokens are deleted with the change: each API process forgets them
within its token cache's time (api.caches.TokenCache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.casework.context import Casework
from engine.casework.errors import (
    AdminExistsError,
    DuplicateUserError,
    InvalidUserError,
    LastAdminError,
    OutOfScopeError,
    RoleNotGrantableError,
    UnknownUnitError,
    UnknownUserError,
)
from engine.casework.identity import ROLES, User
from engine.casework.passwords import hash_password, problem_with, usable, verify_password
from engine.casework.permissions import Permission, require
from engine.store import audit, login_attempts
from engine.store import units as unit_store
from engine.store import users as user_store
from engine.store.repository import SqlTransaction
from engine.store.users import UserRecord
from engine.units import UnitTree

USER_CREATED = "user_created"
USER_CHANGED = "user_changed"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
USER_UNLOCKED = "user_unlocked"
FIRST_ADMIN = "first_admin_created"

# The roles an organisation admin may give (and the users it may manage hold).
ORG_ADMIN_GRANTS: tuple[str, ...] = ("grid_member", "mediator", "handler", "org_admin")
# The roles whose work is in a unit: a user of these needs one.
UNIT_REQUIRED = frozenset({"mediator", "handler", "org_admin"})
USERNAME_MAX = 64
DISPLAY_NAME_MAX = 128
LANGS = ("zh", "en")
SYSTEM = "system"  # who the first administrator is created by, in the audit log


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as the management pages and the API show them (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    grid_units: tuple[str, ...]
    lang: str
    active: bool
    has_password: bool
    created_at: datetime | None
    deactivated_at: datetime | None
    password_changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    role: str
    unit: str | None
    password: str
    display_name: str = ""
    lang: str = "zh"


_UNCHANGED = "\0unchanged"


def info(rec: UserRecord) -> UserInfo:
    return UserInfo(
        id=rec.id,
        username=rec.username,
        display_name=rec.display_name,
        role=rec.role,
        unit=rec.unit,
        grid_units=rec.grid_units,
        lang=rec.lang,
        active=rec.active,
        has_password=usable(rec.password_hash),
        created_at=rec.created_at,
        deactivated_at=rec.deactivated_at,
        password_changed_at=rec.password_changed_at,
    )


def grantable_roles(user: User) -> list[str]:
    """The roles `user` may give: every role for an admin, the organisation's for an
    organisation admin, none for the others."""
    if user.role == "admin":
        return list(ROLES)
    if user.role == "org_admin":
        return list(ORG_ADMIN_GRANTS)
    return []


# -- reads --------------------------------------------------------------------------------------
def list_users(
    cw: Casework,
    user: User,
    *,
    unit: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> list[UserInfo]:
    """The users `user` manages, by user name; `unit` keeps those of that unit or below it."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction(write=False) as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(tree, user)
        units = reach
        if unit:
            if unit not in tree.units:
                raise UnknownUnitError(unit)
            below = tree.subtree(unit)
            units = below if reach is None else below & reach
        found = user_store.list_users(
            tx, units=units, role=role or None, active=active, with_no_unit=units is None
        )
    return [info(r) for r in found if user.role == "admin" or r.role in ORG_ADMIN_GRANTS]


def get_user(cw: Casework, user: User, user_id: int) -> UserInfo:
    """A user `user` manages; UnknownUserError for any other (existing or not)."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction(write=False) as tx:
        return info(_target(tx, user, user_id, touch=False))


def user_named(cw: Casework, user: User, username: str) -> UserInfo:
    """A user `user` manages, by user name; UnknownUserError for any other."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, username)
        if rec is None:
            raise UnknownUserError(username)
        return info(_target(tx, user, rec.id, touch=False))


def has_admin(cw: Casework) -> bool:
    """Whether the installation has an active administrator."""
    with cw.store.transaction(write=False) as tx:
        return user_store.active_admins(tx) > 0


# -- changes ------------------------------------------------------------------------------------
def create_user(cw: Casework, user: User, new: NewUser) -> UserInfo:
    """A new active user with the password typed for them."""
    require(user, Permission.MANAGE_USERS)
    username = _check_username(new.username)
    display_name = _check_display_name(new.display_name)
    lang = new.lang if new.lang in LANGS else "zh"
    _check_role(user, new.role)
    password_hash = _hash_new(new.password, "password")
    with cw.store.transaction() as tx:
        unit = _check_unit(tx, user, new.role, new.unit)
        if user_store.username_taken(tx, username):
            raise DuplicateUserError(username)
        at = cw.clock.now()
        new_id = user_store.insert_user(
            tx,
            username=username,
            password_hash=password_hash,
            display_name=display_name,
            role=new.role,
            unit=unit,
            lang=lang,
            at=at,
        )
        _audit(tx, at, user.username, USER_CREATED, f"{username}: {_role_unit(new.role, unit)}")
        rec = user_store.user_by_id(tx, new_id)
    assert rec is not None
    return info(rec)


def change_user(
    cw: Casework,
    user: User,
    user_id: int,
    *,
    role: str | None = None,
    unit: str | None = _UNCHANGED,
) -> UserInfo:
    """Give a user another role and/or unit (`unit=None` takes the unit away). The last
    active administrator keeps the role."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction() as tx:
        target = _target(tx, user, user_id)
        new_role = role if role is not None else target.role
        new_unit = target.unit if unit == _UNCHANGED else unit
        _check_role(user, new_role)
        new_unit = _check_unit(tx, user, new_role, new_unit)
        if (new_role, new_unit) == (target.role, target.unit):
            return info(target)
        if target.role == "admin" and new_role != "admin" and target.active:
            _keep_an_admin(tx, target)
        user_store.update_user(tx, target.id, role=new_role, unit=new_unit)
        before = _role_unit(target.role, target.unit)
        after = _role_unit(new_role, new_unit)
        _audit(
            tx,
            cw.clock.now(),
            user.username,
            USER_CHANGED,
            f"{target.username}: {before} → {after}",
        )
        changed = user_store.user_by_id(tx, target.id)
    assert changed is not None
    return info(changed)


def deactivate(cw: Casework, user: User, user_id: int) -> UserInfo:
    """The user can no longer log in; their tokens are revoked. Refused for the last active
    administrator."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction() as tx:
        target = _target(tx, user, user_id)
        if not target.active:
            return info(target)
        if target.role == "admin":
            _keep_an_admin(tx, target)
        at = cw.clock.now()
        user_store.update_user(tx, target.id, active=False, deactivated_at=at)
        revoked = user_store.drop_user_tokens(tx, target.id)
        _audit(tx, at, user.username, USER_DEACTIVATED, f"{target.username}: {revoked} token(s)")
        changed = user_store.user_by_id(tx, target.id)
    assert changed is not None
    return info(changed)


def reactivate(cw: Casework, user: User, user_id: int) -> UserInfo:
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction() as tx:
        target = _target(tx, user, user_id)
        if target.active:
            return info(target)
        user_store.update_user(tx, target.id, active=True, deactivated_at=None)
        _audit(tx, cw.clock.now(), user.username, USER_REACTIVATED, target.username)
        changed = user_store.user_by_id(tx, target.id)
    assert changed is not None
    return info(changed)


def reset_password(cw: Casework, user: User, user_id: int, password: str) -> UserInfo:
    """Set the password the administrator typed (a user imported without one gets one this
    way); every token of the user is revoked."""
    require(user, Permission.MANAGE_USERS)
    password_hash = _hash_new(password, "password")
    with cw.store.transaction() as tx:
        target = _target(tx, user, user_id)
        at = cw.clock.now()
        user_store.update_user(tx, target.id, password_hash=password_hash, password_changed_at=at)
        revoked = user_store.drop_user_tokens(tx, target.id)
        _audit(tx, at, user.username, PASSWORD_RESET, f"{target.username}: {revoked} token(s)")
        changed = user_store.user_by_id(tx, target.id)
    assert changed is not None
    return info(changed)


def unlock(cw: Casework, user: User, user_id: int) -> int:
    """Forget the failed logins at the user's account (engine.login_throttle): the next
    attempt need not wait. How many attempts were forgotten."""
    require(user, Permission.MANAGE_USERS)
    with cw.store.transaction() as tx:
        target = _target(tx, user, user_id)
        forgotten = login_attempts.forget_account(tx, target.username)
        _audit(tx, cw.clock.now(), user.username, USER_UNLOCKED, f"{target.username}: {forgotten}")
    return forgotten


def change_own_password(
    cw: Casework, user: User, current: str, new: str, keep_token: str = ""
) -> None:
    """Any user changes their own password, giving the current one; their other tokens
    (all but `keep_token`, a token hash: the session asking) are revoked."""
    with cw.store.transaction(write=False) as tx:
        rec = user_store.user_by_id(tx, user.id)
    if rec is None or not rec.active:
        raise UnknownUserError(user.username)
    if not verify_password(rec.password_hash, current):
        raise InvalidUserError("current_password", "is not your current password")
    if new == current:
        raise InvalidUserError("new_password", "is the same as the current one")
    password_hash = _hash_new(new, "new_password")
    with cw.store.transaction() as tx:
        at = cw.clock.now()
        user_store.update_user(tx, rec.id, password_hash=password_hash, password_changed_at=at)
        revoked = user_store.drop_user_tokens(tx, rec.id, keep=keep_token)
        _audit(tx, at, user.username, PASSWORD_CHANGED, f"{revoked} other token(s)")


def create_first_admin(
    cw: Casework, username: str, password: str, display_name: str = ""
) -> UserInfo:
    """The installation's first administrator (`fengqiao init`); AdminExistsError, and
    nothing written, when it has an active one."""
    username = _check_username(username)
    display_name = _check_display_name(display_name)
    password_hash = _hash_new(password, "password")
    with cw.store.transaction() as tx:
        admins = [r.username for r in user_store.list_users(tx, role="admin", active=True)]
        if admins:
            raise AdminExistsError(admins)
        if user_store.username_taken(tx, username):
            raise DuplicateUserError(username)
        at = cw.clock.now()
        new_id = user_store.insert_user(
            tx,
            username=username,
            password_hash=password_hash,
            display_name=display_name,
            role="admin",
            unit=None,
            lang="zh",
            at=at,
        )
        _audit(tx, at, SYSTEM, FIRST_ADMIN, username)
        rec = user_store.user_by_id(tx, new_id)
    assert rec is not None
    return info(rec)


# -- checks -------------------------------------------------------------------------------------
def _reach(tree: UnitTree, user: User) -> set[str] | None:
    """The units whose users `user` manages; None: every user."""
    if user.role == "admin":
        return None
    return tree.subtree(user.unit) if user.unit else set()


def _target(tx: SqlTransaction, user: User, user_id: int, touch: bool = True) -> UserRecord:
    """The user `user_id` if `user` manages them: UnknownUserError if outside their reach,
    RoleNotGrantableError (when `touch`ing) if they hold a role above an org admin's."""
    rec = user_store.user_by_id(tx, user_id, for_update=touch)
    if rec is None:
        raise UnknownUserError(user_id)
    reach = _reach(unit_store.unit_tree(tx), user)
    if reach is not None:
        if rec.unit is None or rec.unit not in reach:
            raise UnknownUserError(user_id)
        if rec.role not in ORG_ADMIN_GRANTS:
            if touch:
                raise RoleNotGrantableError(rec.role, list(ORG_ADMIN_GRANTS))
            raise UnknownUserError(user_id)
    return rec


def _check_username(username: str) -> str:
    name = username.strip()
    if not name:
        raise InvalidUserError("username", "is required")
    if len(name) > USERNAME_MAX:
        raise InvalidUserError("username", f"at most {USERNAME_MAX} characters")
    if any(c.isspace() or not c.isprintable() or c in "/\\?#%" for c in name):
        raise InvalidUserError("username", "no spaces, slashes or the characters ? # %")
    return name


def _check_display_name(display_name: str) -> str:
    name = display_name.strip()
    if len(name) > DISPLAY_NAME_MAX or not name.isprintable():
        raise InvalidUserError("display_name", f"at most {DISPLAY_NAME_MAX} printable characters")
    return name


def _check_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise InvalidUserError("role", f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role not in grantable_roles(user):
        raise RoleNotGrantableError(role, grantable_roles(user))


def _check_unit(tx: SqlTransaction, user: User, role: str, unit: str | None) -> str | None:
    unit = (unit or "").strip() or None
    if unit is None:
        if role in UNIT_REQUIRED:
            raise InvalidUserError("unit", f"a {role} needs a unit")
        if user.role != "admin":
            raise InvalidUserError("unit", "is required: a unit of your organisation")
        return None
    tree = unit_store.unit_tree(tx)
    if unit not in tree.units:
        raise UnknownUnitError(unit)
    reach = _reach(tree, user)
    if reach is not None and unit not in reach:
        raise OutOfScopeError("unit", unit)
    return unit


def _hash_new(password: str, field: str) -> str:
    problem = problem_with(password)
    if problem:
        raise InvalidUserError(field, problem)
    return hash_password(password)


def _keep_an_admin(tx: SqlTransaction, target: UserRecord) -> None:
    if user_store.active_admins(tx, lock=True) <= 1:
        raise LastAdminError(target.username)


def _role_unit(role: str, unit: str | None) -> str:
    return f"{role} @ {unit}" if unit else role


def _audit(tx: SqlTransaction, at: datetime, username: str, action: str, reason: str) -> None:
    audit.record(tx, at=at, username=username, action=action, reason=reason)
