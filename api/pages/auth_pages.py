"""Logging in and out, the language switch, and the landing redirect.

The login form is protected against login CSRF (another site signing the browser in as the
attacker) by a double-submit token: GET /login sets it in a cookie and in the form, and
POST /login is refused with the CSRF error page unless the two match.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    login_page_session,
    logout,
    set_session_cookie,
)
from api.pages.errors import PageRoute, error_page
from api.pages.i18n import LANG_COOKIE, LANGS, request_lang
from api.pages.offload import off_loop
from api.pages.page import PageDep, home_of
from api.pages.templating import templates
from api.problems import ProblemError
from engine.casework.errors import LoginThrottledError

router = APIRouter(route_class=PageRoute)
LANG_MAX_AGE = 365 * 24 * 3600
LOGIN_CSRF_COOKIE = "fq_login_csrf"
LOGIN_CSRF_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (`//evil`, `https://…`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_token(request: Request) -> str:
    """The login form's CSRF token: the browser's cookie if it holds a well-formed one (so two
    open login tabs both work), else a new one."""
    sent = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return sent if _TOKEN.match(sent) else secrets.token_urlsafe(24)


def _login_page(
    request: Request, next_url: str, username: str = "", error_key: str = "", status: int = 200
) -> Response:
    request.state.lang = request_lang(request)
    token = login_token(request)
    context: dict[str, Any] = {
        "user": None,
        "nav": [],
        "here": request.url.path,
        "next": next_url,
        "username": username,
        "error_key": error_key,
        "csrf_token": token,
    }
    response = templates.TemplateResponse(request, "auth/login.html", context, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


def _login_csrf_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(_TOKEN.match(expected)) and secrets.compare_digest(sent, expected)


@router.get("/login", name="login_page")
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, safe_next(next, ""))


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not _login_csrf_ok(request, csrf_token):
        return error_page(request, 403, "error.csrf")
    try:
        session = login_page_session(request, username.strip(), password)
    except LoginThrottledError as exc:
        page = _login_page(request, safe_next(next, ""), username, "login.locked", 429)
        page.headers["Retry-After"] = str(exc.seconds)
        return page
    except ProblemError as exc:
        key = "login.failed" if exc.status == 401 else "login.locked"
        page = _login_page(request, safe_next(next, ""), username, key, exc.status)
        if "Retry-After" in exc.headers:
            page.headers["Retry-After"] = exc.headers["Retry-After"]
        return page
    target = safe_next(next, home_of(session.user.role))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, session, secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout_submit(page: PageDep) -> Response:
    await page.form()
    token = page.request.cookies.get(SESSION_COOKIE)
    if token:
        await off_loop(logout, page.request, token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=LANG_MAX_AGE, samesite="lax", path="/")
    return response


@router.get("/")
def landing(page: PageDep) -> Response:
    return RedirectResponse(home_of(page.user.role), status_code=303)
