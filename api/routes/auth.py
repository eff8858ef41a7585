"""Logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.auth import (
    SESSION_COOKIE,
    TOKEN_TTL,
    CurrentUser,
    check_credentials,
    issue_token,
    logout,
    user_for_record,
)
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import user_out
from api.problems import problem_responses
from api.schemas.common import LoginIn, TokenOut, UserOut

router = APIRouter(tags=["auth"], route_class=BoundedJsonRoute)


@router.post(
    "/auth/login",
    responses=problem_responses(401, 422, 429, 503),
)
def login(body: LoginIn, request: Request, ctx: ContextDep) -> TokenOut:
    """Check a user name and password; answer a bearer token valid for 12 hours.

    After failed logins the next attempt for that account or from that address waits, a little
    longer each time: 429 with Retry-After meanwhile. 503 with Retry-After when too many
    logins are being checked at once."""
    client = request.client.host if request.client else ""
    rec = check_credentials(ctx, body.username, body.password, client)
    token, _ = issue_token(ctx, rec, "bearer")
    user = user_for_record(request, rec)
    expires = ctx.clock.now() + TOKEN_TTL
    return TokenOut(token=token, expires_at=expires.isoformat(), user=user_out(user))


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
)
def logout_route(request: Request, user: CurrentUser, ctx: ContextDep) -> Response:
    """Revoke the bearer token (or session) used for this request."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    logout(request, token or request.cookies.get(SESSION_COOKIE, ""))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=problem_responses(401))
async def me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return user_out(user)
