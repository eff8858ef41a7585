"""Open311 GeoReport v2 under /open311/v2/: services, service definitions, requests
(POST and GET) and one request, as JSON or XML by the path's extension.

Every call carries a client system's `api_key` (query or form); each client has its own rate
limit (429 with Retry-After past it). Errors answer the spec's error list,
`[{"code": 400, "description": "…"}]`, and write nothing. A POST opens a case through the
same use case as `POST /api/cases` (engine.casework.outside_requests.submit); its optional
`ticket` (the client's own number, an extension of the spec) makes a replay answer the case
it opened. Reading requests answers only the client's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import context_of
from api.open311 import (
    FORMATS,
    answer,
    created_doc,
    definition_answer,
    error_doc,
    request_doc,
    service_doc,
)
from api.open311_limits import ClientRates
from engine.casework import outside_requests
from engine.casework.client_systems import ClientSystem, client_by_key
from engine.casework.errors import ExternalTicketTakenError, OwnerMissingError
from engine.casework.outside_requests import OutsideRequest, RequestRefusedError
from engine.errors import FengqiaoError

router = APIRouter(prefix="/open311/v2", tags=["open311"], include_in_schema=False)

MAX_PARAM = 4000  # characters of any one parameter
MAX_IDS = 100  # service_request_id=1,2,3 …
NOTICE = "已受理，按网格和类别转交承办单位。"


class Open311Error(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"no format {fmt[:10]!r}: json or xml")
    return fmt


def _error(fmt: str, exc: Open311Error) -> Response:
    response = answer(
        fmt if fmt in FORMATS else "json",
        "errors",
        [error_doc(exc.code, exc.description)],
        exc.code,
    )
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _client(request: Request, params: Mapping[str, str]) -> ClientSystem:
    key = params.get("api_key")
    if not key:
        raise Open311Error(403, "api_key is required")
    ctx = context_of(request)
    client = client_by_key(ctx, key)
    if client is None:
        raise Open311Error(403, "invalid api_key")
    rates: ClientRates = request.app.state.open311_rates
    wait = rates.take(client.name, client.rate_per_minute, ctx.clock.now())
    if wait is not None:
        raise Open311Error(429, f"more than {client.rate_per_minute} requests a minute", wait)
    return client


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_PARAM:
        raise Open311Error(400, f"{name}: at most {MAX_PARAM} characters")
    return value.strip()


def _float(params: Mapping[str, str], name: str) -> float | None:
    value = _text(params, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name}: not a number") from None
    if not math.isfinite(number):
        raise Open311Error(400, f"{name}: not a number")
    return number


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    value = _text(params, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}: not a W3C date and time") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}: the time zone is required")
    return moment


def _ids(params: Mapping[str, str]) -> list[int]:
    value = _text(params, "service_request_id")
    if value is None:
        return []
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if len(parts) > MAX_IDS or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise Open311Error(400, f"service_request_id: up to {MAX_IDS} numbers, comma-separated")
    return [int(p) for p in parts]


def _refused(exc: RequestRefusedError) -> Open311Error:
    return Open311Error(exc.code, f"{exc.field}: {exc.detail}")


@router.get("/services.{fmt}")
def services(fmt: str, request: Request) -> Response:
    """The services: each category of each workflow that opens with one."""
    try:
        fmt = _format(fmt)
        _client(request, request.query_params)
        found = outside_requests.services(context_of(request))
    except Open311Error as exc:
        return _error(fmt, exc)
    return answer(fmt, "services", [service_doc(s) for s in found])


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, request: Request) -> Response:
    """A service's definition: no attributes beyond the request's own parameters."""
    try:
        fmt = _format(fmt)
        _client(request, request.query_params)
        svc = outside_requests.service(context_of(request), code)
    except RequestRefusedError as exc:
        return _error(fmt, _refused(exc))
    except Open311Error as exc:
        return _error(fmt, exc)
    return definition_answer(fmt, {"service_code": svc.code, "attributes": []})


def _outside_request(params: Mapping[str, str]) -> OutsideRequest:
    code = _text(params, "service_code")
    if code is None:
        raise Open311Error(400, "service_code is required")
    description = _text(params, "description")
    if description is None:
        raise Open311Error(400, "description is required")
    return OutsideRequest(
        service_code=code,
        description=description,
        lat=_float(params, "lat"),
        long=_float(params, "long"),
        address=_text(params, "address_string"),
        media_url=_text(params, "media_url"),
        first_name=_text(params, "first_name"),
        last_name=_text(params, "last_name"),
        phone=_text(params, "phone"),
        email=_text(params, "email"),
        ticket=_text(params, "ticket"),
    )


@router.post("/requests.{fmt}")
async def create_request(fmt: str, request: Request) -> Response:
    """Open a request as a case, placed by its location and service; a replay of a ticket
    answers the case it opened."""
    try:
        fmt = _format(fmt)
        form = await request.form()
        params: dict[str, str] = {}
        for name, value in form.multi_items():
            if not isinstance(value, str):
                raise Open311Error(400, f"{name}: files are not taken; send a media_url")
            params.setdefault(name, value)
        params = {**dict(request.query_params), **params}
        client = _client(request, params)
        opened = outside_requests.submit(context_of(request), client, _outside_request(params))
    except RequestRefusedError as exc:
        return _error(fmt, _refused(exc))
    except (ExternalTicketTakenError, OwnerMissingError) as exc:
        return _error(fmt, Open311Error(400, str(exc)))
    except Open311Error as exc:
        return _error(fmt, exc)
    except FengqiaoError as exc:  # the workflow refused the opening's values
        return _error(fmt, Open311Error(400, str(exc)))
    status = 200 if opened.replayed else 201
    docs: list[dict[str, Any]] = [created_doc(opened.case.id, NOTICE)]
    return answer(fmt, "requests", docs, status)


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request) -> Response:
    """The client's requests, newest first (at most 1,000), by ids, service, status, dates."""
    params = request.query_params
    try:
        fmt = _format(fmt)
        client = _client(request, params)
        status = _text(params, "status")
        if status not in (None, "open", "closed"):
            raise Open311Error(400, "status: open or closed")
        found = outside_requests.requests_of(
            context_of(request),
            client,
            case_ids=_ids(params),
            service_code=_text(params, "service_code"),
            status=status,
            start=_moment(params, "start_date"),
            end=_moment(params, "end_date"),
        )
    except RequestRefusedError as exc:
        return _error(fmt, _refused(exc))
    except Open311Error as exc:
        return _error(fmt, exc)
    return answer(fmt, "requests", [request_doc(r) for r in found])


@router.get("/requests/{request_id}.{fmt}")
def get_request(request_id: str, fmt: str, request: Request) -> Response:
    """One of the client's requests (a list of one, as the spec has it)."""
    try:
        fmt = _format(fmt)
        client = _client(request, request.query_params)
        if not (request_id.isascii() and request_id.isdigit() and len(request_id) <= 18):
            raise Open311Error(404, f"no request {request_id[:20]!r}")
        found = outside_requests.request_of(context_of(request), client, int(request_id))
    except RequestRefusedError as exc:
        return _error(fmt, _refused(exc))
    except Open311Error as exc:
        return _error(fmt, exc)
    return answer(fmt, "requests", [request_doc(found)])
