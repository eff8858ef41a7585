"""Password login (argon2), bearer tokens for clients, session cookies with CSRF for pages.

- ``POST /api/auth/login`` gives a bearer token; pages call ``login_page_session`` and set the
  ``fq_session`` cookie. Tokens are random; only their SHA-256 is stored.
- ``CurrentUser``: a bearer token or the session cookie, 401 otherwise. A cookie-authenticated
  request that changes something must carry the session's CSRF token in ``X-CSRF-Token``.
- ``PageUser``: the session cookie, or a redirect to ``/login?next=…``.
- ``require_csrf``: for form posts; the form carries the token in the field ``csrf_token``.
- Failed logins make the next attempt for that account and address wait, longer each time
  (429 with Retry-After meanwhile; the right password works once the wait is over):
  ``engine.casework.logins``. At most two password hashes run at once per process:
  ``api.hash_gate``.
- Each login deletes a bounded batch of expired tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from api import hash_gate
from api.caches import ScopeCache, TokenCache
from api.problems import ProblemError
from api.units import UnitCache
from engine.casework import logins
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.passwords import hash_password as hash_password  # the demo's, the tests'
from engine.casework.passwords import usable
from engine.casework.passwords import verify_password as verify_password
from engine.store import users as user_store
from engine.store.users import UserRecord

SESSION_COOKIE = "fq_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_TTL = timedelta(hours=12)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Hashed for an unknown user (or one without a password) so that every failed login costs
# the same time (engine.casework.passwords has the hashing).
_DUMMY_HASH = hash_password("fengqiao: no such user")

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "Token from POST /api/auth/login",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "Page session; changes need the X-CSRF-Token header",
    },
}


@dataclass(frozen=True)
class PageSession:
    token: str
    csrf: str
    user: User


class LoginRequired(Exception):
    """Raised by ``PageUser`` when a page is asked for without a session: redirect to login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def install(app: FastAPI, ctx: Casework) -> None:
    """Attach the unit and scope caches, and the login redirect of pages."""
    app.state.units = UnitCache(ctx.store)
    app.state.scopes = ScopeCache(app.state.units)
    app.state.tokens = TokenCache()

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse("/login?next=" + quote(exc.next_url, safe="/"), status_code=303)

    app.add_exception_handler(LoginRequired, on_login_required)


def _user(app_state: object, rec: UserRecord, csrf: str = "", via: str = "bearer") -> User:
    scopes: ScopeCache = app_state.scopes  # type: ignore[attr-defined]
    return User(
        id=rec.id,
        username=rec.username,
        display_name=rec.display_name,
        role=rec.role,
        unit=rec.unit,
        grid_units=list(rec.grid_units),
        lang=rec.lang,
        csrf=csrf,
        via=via,
        scope=scopes.for_record(rec),
    )


def user_for_record(request: Request, rec: UserRecord) -> User:
    return _user(request.app.state, rec)


# -- logging in ---------------------------------------------------------------------------------
def check_credentials(ctx: Casework, username: str, password: str, client: str = "") -> UserRecord:
    """The user if the password is right; 401, 429 (throttled: engine.casework.logins) or 503
    (every hashing slot busy: api.hash_gate) problems otherwise (failures audited)."""
    with logins.attempt(ctx, username, client) as attempt:
        rec = logins.find_user(ctx, username)
        has_password = rec is not None and usable(rec.password_hash)
        stored = rec.password_hash if rec is not None and has_password else _DUMMY_HASH
        ok = hash_gate.GATE.run(verify_password, stored, password)
        if rec is None or not has_password or not ok or not rec.active:
            attempt.failed(client)
            raise ProblemError(
                401,
                "bad-credentials",
                "Wrong user name or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        attempt.succeeded()
    return rec


def issue_token(ctx: Casework, rec: UserRecord, kind: str) -> tuple[str, str]:
    """A new (token, csrf) pair of `kind` bearer or session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else ""
    logins.add_token(
        ctx,
        token_hash=token_hash(token),
        user_id=rec.id,
        kind=kind,
        csrf=csrf,
        ttl_s=TOKEN_TTL.total_seconds(),
    )
    return token, csrf


def login_page_session(request: Request, username: str, password: str) -> PageSession:
    """Check the password and open a page session; the caller sets the cookie with
    ``set_session_cookie``. Raises ProblemError 401 / 429."""
    ctx: Casework = request.app.state.ctx
    client = request.client.host if request.client else ""
    rec = check_credentials(ctx, username, password, client)
    token, csrf = issue_token(ctx, rec, "session")
    return PageSession(token, csrf, _user(request.app.state, rec, csrf, "session"))


def set_session_cookie(response: Response, session: PageSession, secure: bool = False) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(TOKEN_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def logout(request: Request, token: str) -> None:
    """Revoke a bearer token or a page session."""
    ctx: Casework = request.app.state.ctx
    key = token_hash(token)
    with ctx.store.transaction() as tx:
        user_store.drop_token(tx, key)
    request.app.state.tokens.drop(key)


def forget_cached_users(request: Request) -> None:
    """After a user was deactivated, given a new password or another role: this process
    asks the database again for every token (the other processes within their cache's
    time)."""
    request.app.state.tokens.clear()


def current_token_hash(request: Request) -> str:
    """The hash of the token the request came with (bearer first, then the cookie)."""
    token = _bearer(request) or request.cookies.get(SESSION_COOKIE, "")
    return token_hash(token) if token else ""


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


# -- dependencies -------------------------------------------------------------------------------
def _resolve(request: Request, ctx: Casework, token: str, kind: str) -> User | None:
    key = token_hash(token)
    now = ctx.clock.now()
    cache: TokenCache[User] = request.app.state.tokens
    user = cache.get(key, now)
    if user is None:
        with ctx.store.transaction(write=False) as tx:
            found = user_store.user_by_token(tx, key, now)
        if found is None:
            return None
        rec, tok = found
        user = _user(request.app.state, rec, tok.csrf, tok.kind)
        cache.put(key, now, tok.expires_at, user)
    return user if user.via == kind else None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# The dependencies read the header and the cookie themselves (one parameter each: FastAPI's
# per-parameter work is a large share of a small request); the OpenAPI document declares the
# two schemes for every /api operation (api.app).
async def current_user(request: Request) -> User:
    """The user of a bearer token or a session cookie; 401 otherwise."""
    ctx: Casework = request.app.state.ctx
    bearer = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    user: User | None = None
    if bearer:
        user = _resolve(request, ctx, bearer, "bearer")
    elif cookie:
        user = _resolve(request, ctx, cookie, "session")
        if (
            user is not None
            and request.method not in SAFE_METHODS
            and not secrets.compare_digest(request.headers.get(CSRF_HEADER, ""), user.csrf)
        ):
            raise ProblemError(
                403, "csrf", "Missing or wrong CSRF token", f"send the {CSRF_HEADER} header"
            )
    if user is None:
        raise ProblemError(
            401,
            "unauthenticated",
            "Not signed in",
            "log in at POST /api/auth/login and send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def page_user(request: Request) -> User:
    """The user of the page session; a redirect to /login?next=… otherwise."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    user = _resolve(request, request.app.state.ctx, cookie, "session") if cookie else None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


PageUser = Annotated[User, Depends(page_user)]


async def require_csrf(request: Request, user: PageUser) -> None:
    """For form posts with the session cookie: the form's ``csrf_token`` (or the
    X-CSRF-Token header) must match the session's."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not user.csrf or not secrets.compare_digest(sent, user.csrf):
        raise ProblemError(403, "csrf", "Missing or wrong CSRF token", "reload the page and retry")
