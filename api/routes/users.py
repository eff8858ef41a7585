"""Managing users (admins: every user; organisation admins: their organisation's), and
changing one's own password. A change that ends a user's sessions (deactivation, a new
password, another role) makes this process forget the tokens it cached at once; the other
API processes within api.caches.REVOCATION_S seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from api.auth import CurrentUser, current_token_hash, forget_cached_users
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.users import (
    ManagedUserOut,
    OwnPasswordIn,
    PasswordIn,
    UnlockOut,
    UserCreateIn,
    UserPatchIn,
)
from engine.casework import users_admin
from engine.casework.users_admin import NewUser, UserInfo

router = APIRouter(tags=["users"], route_class=BoundedJsonRoute)

ERRORS = problem_responses(401, 403, 404, 409, 422)
UserId = Annotated[int, Path(ge=1, le=2**62)]


def _out(u: UserInfo) -> ManagedUserOut:
    return ManagedUserOut(
        id=u.id,
        username=u.username,
        display_name=u.display_name,
        role=u.role,
        unit=u.unit,
        grid_units=list(u.grid_units),
        lang=u.lang,
        active=u.active,
        has_password=u.has_password,
        created_at=u.created_at,
        deactivated_at=u.deactivated_at,
        password_changed_at=u.password_changed_at,
    )


@router.get("/users", responses=ERRORS)
def list_users(
    user: CurrentUser,
    ctx: ContextDep,
    unit: Annotated[str | None, Query(max_length=64, description="this unit or below")] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    active: Annotated[bool | None, Query(description="omit for both")] = None,
) -> list[ManagedUserOut]:
    """The users you manage, by user name."""
    found = users_admin.list_users(ctx, user, unit=unit, role=role, active=active)
    return [_out(u) for u in found]


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_user(body: UserCreateIn, user: CurrentUser, ctx: ContextDep) -> ManagedUserOut:
    """A new active user with the password you give (never shown again). An organisation
    admin creates users of its own organisation, with roles up to org_admin."""
    new = NewUser(
        username=body.username,
        role=body.role,
        unit=body.unit,
        password=body.password,
        display_name=body.display_name,
        lang=body.lang,
    )
    return _out(users_admin.create_user(ctx, user, new))


@router.get("/users/{user_id}", responses=ERRORS)
def get_user(user_id: UserId, user: CurrentUser, ctx: ContextDep) -> ManagedUserOut:
    return _out(users_admin.get_user(ctx, user, user_id))


@router.patch("/users/{user_id}", responses=ERRORS)
def change_user(
    user_id: UserId, body: UserPatchIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> ManagedUserOut:
    """Another role and/or unit. The last active administrator keeps the role (409)."""
    changes: dict[str, str | None] = {}
    if body.role is not None:
        changes["role"] = body.role
    if "unit" in body.model_fields_set:
        changes["unit"] = body.unit
    changed = users_admin.change_user(ctx, user, user_id, **changes)
    forget_cached_users(request)
    return _out(changed)


@router.post("/users/{user_id}/deactivate", responses=ERRORS)
def deactivate(
    user_id: UserId, user: CurrentUser, ctx: ContextDep, request: Request
) -> ManagedUserOut:
    """The user can no longer log in and every token of theirs is revoked. Refused (409)
    for the last active administrator."""
    done = users_admin.deactivate(ctx, user, user_id)
    forget_cached_users(request)
    return _out(done)


@router.post("/users/{user_id}/reactivate", responses=ERRORS)
def reactivate(user_id: UserId, user: CurrentUser, ctx: ContextDep) -> ManagedUserOut:
    return _out(users_admin.reactivate(ctx, user, user_id))


@router.post("/users/{user_id}/reset-password", responses=ERRORS)
def reset_password(
    user_id: UserId, body: PasswordIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> ManagedUserOut:
    """Set the user's password (a user imported without one gets one this way); every token
    of theirs is revoked."""
    done = users_admin.reset_password(ctx, user, user_id, body.password)
    forget_cached_users(request)
    return _out(done)


@router.post("/users/{user_id}/unlock", responses=ERRORS)
def unlock(user_id: UserId, user: CurrentUser, ctx: ContextDep) -> UnlockOut:
    """Forget the failed logins that make the user's next login wait."""
    target = users_admin.get_user(ctx, user, user_id)
    forgotten = users_admin.unlock(ctx, user, user_id)
    return UnlockOut(username=target.username, forgotten_attempts=forgotten)


@router.post(
    "/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 422)
)
def change_own_password(
    body: OwnPasswordIn, user: CurrentUser, ctx: ContextDep, request: Request
) -> Response:
    """Change your own password, giving the current one. Your other sessions and tokens are
    revoked; the one you asked with keeps working."""
    users_admin.change_own_password(
        ctx, user, body.current_password, body.new_password, current_token_hash(request)
    )
    forget_cached_users(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
