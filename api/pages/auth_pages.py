"""Logging in and out, the language switch, and the landing redirect."""

from __future__ import annotations

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
from api.pages.errors import PageRoute
from api.pages.i18n import LANG_COOKIE, LANGS, request_lang
from api.pages.offload import off_loop
from api.pages.page import PageDep, home_of
from api.pages.templating import templates
from api.problems import ProblemError

router = APIRouter(route_class=PageRoute)
LANG_MAX_AGE = 365 * 24 * 3600


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (`//evil`, `https://…`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _login_page(
    request: Request, next_url: str, username: str = "", error_key: str = "", status: int = 200
) -> Response:
    request.state.lang = request_lang(request)
    context: dict[str, Any] = {
        "user": None,
        "nav": [],
        "here": request.url.path,
        "next": next_url,
        "username": username,
        "error_key": error_key,
    }
    return templates.TemplateResponse(request, "auth/login.html", context, status_code=status)


@router.get("/login", name="login_page")
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, safe_next(next, ""))


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        session = login_page_session(request, username.strip(), password)
    except ProblemError as exc:
        key = "login.locked" if exc.status == 429 else "login.failed"
        return _login_page(request, safe_next(next, ""), username, key, exc.status)
    target = safe_next(next, home_of(session.user.role))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, session, secure=request.url.scheme == "https")
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
