"""Error pages: every failure of a page answers with an HTML page in the user's language.

The pages' routes use ``PageRoute``: any error raised in a page handler (or its
dependencies) becomes a page, not the API's JSON problem; its status comes from the same
table as the API's (api/problems.py), so both answer a failure alike. A stale version is
handled where it happens (see workroom.py): that page needs the case and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from api.auth import LoginRequired
from api.pages.i18n import request_lang, translate
from api.pages.messages import engine_text
from api.pages.templating import templates
from api.problems import answer, log_failure
from engine.errors import FengqiaoError


class PageError(Exception):
    """Raised by page code to answer with an error page."""

    def __init__(self, status: int, message_key: str, detail: str = "") -> None:
        super().__init__(detail or message_key)
        self.status = status
        self.message_key = message_key
        self.detail = detail


@dataclass
class CsrfError(Exception):
    """Raised when a form's CSRF token is missing or wrong; the form is offered again,
    with what was typed, under the session's current token."""

    action: str
    values: list[tuple[str, str]] = field(default_factory=list)


def error_page(
    request: Request, status: int, message_key: str, detail: str = "", **extra: Any
) -> Response:
    lang = request_lang(request)
    request.state.lang = lang
    context = {
        "user": None,
        "nav": [],
        "here": request.url.path,
        "status": status,
        "message": translate(lang, message_key),
        "detail": detail,
        **extra,
    }
    return templates.TemplateResponse(request, "errors/error.html", context, status_code=status)


class PageRoute(APIRoute):
    """A route whose errors are answered with pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                raise
            except CsrfError as exc:
                return error_page(
                    request,
                    403,
                    "error.csrf",
                    action=exc.action,
                    values=exc.values,
                    csrf_token=_current_csrf(request),
                )
            except PageError as exc:
                return error_page(request, exc.status, exc.message_key, exc.detail)
            except RequestValidationError as exc:
                # A page's path names a thing: a malformed one is a page that does not exist.
                in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
                status = 404 if in_path else 422
                return error_page(request, status, "error.not_found" if in_path else "error.title")
            except Exception as exc:
                return answer_page(request, exc)

        return run


STATUS_MESSAGES = {404: "error.not_found", 403: "error.forbidden", 503: "error.unavailable"}


def answer_page(request: Request, exc: Exception) -> Response:
    """The error page for `exc`, with the status and headers the API's table gives it, so
    that a page and the JSON API answer the same failure alike."""
    a = answer(exc)
    log_failure(exc, a.status, request.url.path)
    key = STATUS_MESSAGES.get(a.status, "error.title")
    if isinstance(exc, FengqiaoError):
        # The engine's reason is shown, except whether a case or workflow exists.
        detail = "" if a.status == 404 else engine_text(request_lang(request), str(exc))
        key = key if a.status in (403, 404) else "error.action"
    else:
        detail = a.detail if a.status < 500 else ""
    response = error_page(request, a.status, key, detail)
    response.headers.update(a.headers or {})
    return response


def _current_csrf(request: Request) -> str:
    user = getattr(request.state, "page_user", None)
    return str(getattr(user, "csrf", "")) if user is not None else ""
