"""The public intake form and the status page a receipt number opens: no login, phone-first.

`/public/report` asks for the category, the place, what happened, a name and a phone number,
and the resident's consent to the personal-data notice shown above the consent box (PIPL:
the handler, the purpose, how long it is kept, their rights). The form is protected like the
login form (a double-submit CSRF token: a cookie and a field) and throttled per client
address (api.intake_throttle). It calls `public_intake.submit`, which opens the case as a grid
report does, and answers the receipt. `/public/status/{receipt}` shows the stage in plain
words, the category and the dates; nothing else of the case. Duplicate suggestions are never
shown here (they would tell one resident of another's report); the handler sees them on the
case page.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.intake_throttle import STATUS_LIMIT, SUBMIT_LIMIT, AddressThrottle
from api.pages.duplicates import place_of
from api.pages.errors import PageError, PageRoute
from api.pages.formatting import local
from api.pages.i18n import request_lang, translate
from api.pages.offload import off_loop
from api.pages.templating import templates
from engine.casework import public_intake
from engine.casework.context import Casework
from engine.casework.errors import IntakeThrottledError, UnknownReceiptError
from engine.casework.grid_reports import GRID_WORKFLOW
from engine.casework.public_intake import Desk, PublicRequest
from engine.duplicates import normalise_phone
from engine.errors import InvalidDataError
from engine.receipts import parse as parse_receipt
from engine.receipts import shown

router = APIRouter(route_class=PageRoute)

CSRF_COOKIE = "fq_public_csrf"
CSRF_FIELD = "csrf_token"
NOTICE = "pipl-notice-2026-12"  # the version of the notice the consent is recorded against
RETENTION_YEARS = 3
LIMITS = {"location": 200, "description": 2000, "name": 64, "phone": 32}
MIN_DESCRIPTION = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ctx(request: Request) -> Casework:
    ctx: Casework = request.app.state.ctx
    return ctx


def _throttle(request: Request, name: str, limit: int) -> AddressThrottle:
    """The app's throttle of that name (made on first use, on the Casework's clock)."""
    state = request.app.state
    found: AddressThrottle | None = getattr(state, name, None)
    if found is None:
        found = AddressThrottle(_ctx(request).clock.now, limit)
        setattr(state, name, found)
    return found


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _desk(request: Request) -> Desk:
    grid = _ctx(request).public_grid
    if not grid:
        raise PageError(404, "error.not_found")
    return Desk(grid)


def _token(request: Request) -> str:
    sent = request.cookies.get(CSRF_COOKIE, "")
    return sent if _TOKEN.match(sent) else secrets.token_urlsafe(24)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    request.state.lang = request_lang(request)
    full = {"user": None, "nav": [], "here": request.url.path, **context}
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def _categories(request: Request, lang: str) -> list[tuple[str, str]]:
    definition = _ctx(request).registry.latest(GRID_WORKFLOW)
    fdef = definition.fields["category"]
    return [
        (v, fdef.value_labels[v].get(lang) if v in fdef.value_labels else v)
        for v in fdef.values or ()
    ]


def _render_form(
    request: Request,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    place: tuple[float, float] | None = None,
    status_code: int = 200,
) -> Response:
    desk = _desk(request)
    lang = request_lang(request)
    units = request.app.state.units.tree()
    token = _token(request)
    response = _page(
        request,
        "public/report.html",
        {
            "csrf_token": token,
            "categories": _categories(request, lang),
            "typed": typed or {},
            "errors": errors or {},
            "handler": units.label(desk.grid_unit, lang),
            "retention_years": RETENTION_YEARS,
            "limits": LIMITS,
            "place_lat": f"{place[0]:.6f}" if place else "",
            "place_lng": f"{place[1]:.6f}" if place else "",
        },
        status_code,
    )
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=24 * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/public",
    )
    return response


@router.get("/public/report", name="public_report")
def public_form(request: Request) -> Response:
    return _render_form(request)


@router.post("/public/report")
async def public_submit(request: Request) -> Response:
    _desk(request)
    form = await request.form()
    sent, cookie = str(form.get(CSRF_FIELD, "")), request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(sent, cookie):
        raise PageError(403, "error.csrf_public")
    return await off_loop(_submit, request, form)


def _submit(request: Request, form: FormData) -> Response:
    lang = request_lang(request)
    typed = {k: str(form.get(k, "")).strip()[:n] for k, n in LIMITS.items()}
    typed["category"] = str(form.get("category", ""))[:64]
    errors: dict[str, str] = {}
    if typed["category"] not in dict(_categories(request, lang)):
        errors["category"] = translate(lang, "form.choice")
    for name in ("location", "name"):
        if not typed[name]:
            errors[name] = translate(lang, "form.missing")
    if len(typed["description"]) < MIN_DESCRIPTION:
        errors["description"] = translate(lang, "public.too_short", n=MIN_DESCRIPTION)
    if normalise_phone(typed["phone"]) is None or not re.fullmatch(r"[0-9+\- ]+", typed["phone"]):
        errors["phone"] = translate(lang, "public.phone_bad")
    for name, value in typed.items():
        if _CONTROL.search(value):
            errors[name] = translate(lang, "form.invalid")
    place, place_ok = place_of(form)
    if not place_ok:
        errors["_place"] = translate(lang, "place.bad")
    consented = form.get("consent") == "yes"
    if not consented:
        errors["consent"] = translate(lang, "public.consent_needed")
    if errors:
        return _render_form(request, typed, errors, place, 422)
    try:
        _throttle(request, "public_submits", SUBMIT_LIMIT).take(_address(request))
    except IntakeThrottledError as exc:
        errors = {
            "_throttle": translate(lang, "public.throttled", minutes=exc.retry_after_s // 60 + 1)
        }
        response = _render_form(request, typed, errors, place, 429)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    public = PublicRequest(
        category=typed["category"],
        location=typed["location"],
        description=typed["description"],
        name=typed["name"],
        phone=typed["phone"],
        consented=consented,
        place=place,
    )
    try:
        received = public_intake.submit(_ctx(request), _desk(request), public, NOTICE)
    except InvalidDataError:
        return _render_form(request, typed, {"_form": translate(lang, "form.invalid")}, place, 422)
    return RedirectResponse(f"/public/status/{received.receipt}?new=1", status_code=303)


@router.get("/public/status", name="public_lookup")
def public_lookup(request: Request, receipt: str = "") -> Response:
    """The form to type a receipt number in; a typed one leads to its status page."""
    if receipt:
        code = parse_receipt(receipt[:32])
        if code is not None:
            return RedirectResponse(f"/public/status/{code}", status_code=303)
    lang = request_lang(request)
    error = translate(lang, "public.receipt_bad") if receipt else ""
    return _page(request, "public/lookup.html", {"error": error}, 422 if receipt else 200)


@router.get("/public/status/{receipt}", name="public_status")
def public_status(request: Request, receipt: str, new: int = 0) -> Response:
    lang = request_lang(request)
    try:
        _throttle(request, "public_lookups", STATUS_LIMIT).take(_address(request))
    except IntakeThrottledError as exc:
        error = translate(lang, "public.throttled", minutes=exc.retry_after_s // 60 + 1)
        response = _page(request, "public/lookup.html", {"error": error}, 429)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    code = parse_receipt(receipt[:32])
    try:
        if code is None:
            raise UnknownReceiptError()
        found = public_intake.status(_ctx(request), code)
    except UnknownReceiptError:
        error = translate(lang, "public.receipt_unknown")
        return _page(request, "public/lookup.html", {"error": error}, 404)
    tz = _ctx(request).timezone
    category = dict(_categories(request, lang)).get(found.category or "", "")
    return _page(
        request,
        "public/status.html",
        {
            "receipt": shown(found.receipt),
            "stage": translate(lang, f"public.stage.{found.stage}"),
            "stage_code": found.stage,
            "category": category,
            "opened": local(found.opened_at, tz, lang=lang),
            "updated": local(found.updated_at, tz, lang=lang),
            "new": bool(new),
        },
    )
