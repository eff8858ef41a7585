"""Requests from outside systems (Open311 GeoReport v2 clients, a hotline's files): the
services they may ask for, a request opened as a case, and its status read back.

A service is a category of a workflow that opens with a `category` (an enum field): its code
is `workflow.category`. A request is checked whole before anything is written (each problem
a `RequestRefusedError` naming the parameter), placed on a grid and an organisation by
engine.routing, and opened through `casework.cases.open_case` (one transaction: the case, its
reporter, its ticket and its origin) by the client system acting as `client:<name>` with the
role `org_admin`. A request carrying a ticket number the client sent before answers that
case, never a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from engine.casework.cases import open_case
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.parties import NewParty
from engine.definition import Definition, Label
from engine.external import ExternalRef, ticket_problem
from engine.model import FireResult
from engine.notices import responsible_unit
from engine.routing import Route, coordinate_problem, route
from engine.store import external_ids, grid_areas
from engine.store.client_systems import ClientSystem
from engine.store.external_ids import OpenedCase, Origin
from engine.store.units import unit_tree
from engine.units import UnitTree
from engine.visibility import Visibility

CATEGORY = "category"
ACTOR_ROLE = "org_admin"  # an owner role of every shipped workflow that takes a category
HOTLINE = "hotline"  # the `source` value a workflow may have for a case from outside
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500
MAX_MEDIA_URL = 2000
MAX_NAME = 64
MAX_PHONE = 32
MAX_EMAIL = 254
MAX_LIST = 1000


class RequestRefusedError(Exception):
    """A request that cannot be opened; nothing was written. `code`: the Open311 status
    (400 bad input, 404 unknown service or request); `field`: the parameter at fault."""

    def __init__(self, code: int, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.code = code
        self.field = field
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    workflow: str
    category: str
    name: Label
    group: Label


@dataclass(frozen=True, slots=True)
class OutsideRequest:
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    ticket: str | None = None


@dataclass(frozen=True, slots=True)
class RequestStatus:
    """A request as its client reads it back."""

    case_id: int
    service: Service | None
    closed: bool
    status_notes: str
    agency: str | None  # the responsible unit's name
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    description: str
    ticket: str | None
    origin: Origin | None


def actor_name(client: ClientSystem) -> str:
    return source_user(client.name).username


def _services_of(definition: Definition) -> list[Service]:
    field = definition.fields.get(CATEGORY)
    if CATEGORY not in definition.opening_accepts or field is None or not field.values:
        return []
    return [
        Service(
            f"{definition.name}.{value}",
            definition.name,
            value,
            field.value_labels.get(value, Label(value, value)),
            definition.title,
        )
        for value in field.values
    ]


def services(cw: Casework) -> list[Service]:
    """Every service, by workflow then by the category's order."""
    return [s for d in cw.registry.all_latest() for s in _services_of(d)]


def service(cw: Casework, code: str) -> Service:
    """The service of that code (RequestRefusedError 404 when there is none)."""
    workflow, _, _ = code.partition(".")
    if workflow in cw.registry.names():
        for s in _services_of(cw.registry.latest(workflow)):
            if s.code == code:
                return s
    raise RequestRefusedError(404, "service_code", f"no service {code[:80]!r}")


def _check(req: OutsideRequest) -> None:
    def refuse(field: str, detail: str) -> None:
        raise RequestRefusedError(400, field, detail)

    if not req.description.strip() or len(req.description) > MAX_DESCRIPTION:
        refuse("description", f"1 to {MAX_DESCRIPTION} characters")
    if (req.lat is None) != (req.long is None):
        refuse("lat" if req.lat is None else "long", "lat and long come together")
    if req.lat is not None and req.long is not None:
        if (problem := coordinate_problem(req.lat, req.long)) is not None:
            refuse("lat" if problem.startswith("lat") else "long", problem)
    elif not (req.address or "").strip():
        refuse("lat", "a location is required: lat and long, or address_string")
    if req.address is not None and len(req.address) > MAX_ADDRESS:
        refuse("address_string", f"at most {MAX_ADDRESS} characters")
    if req.media_url is not None:
        parts = urlsplit(req.media_url)
        if len(req.media_url) > MAX_MEDIA_URL:
            refuse("media_url", f"at most {MAX_MEDIA_URL} characters")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            refuse("media_url", "an http or https URL")
    for field, value, cap in (
        ("first_name", req.first_name, MAX_NAME),
        ("last_name", req.last_name, MAX_NAME),
        ("phone", req.phone, MAX_PHONE),
        ("email", req.email, MAX_EMAIL),
    ):
        if value is not None and (len(value) > cap or not value.isprintable()):
            refuse(field, f"at most {cap} printable characters")
    if req.ticket is not None and (problem := ticket_problem(req.ticket)) is not None:
        refuse("ticket", problem)


def _data(
    definition: Definition, svc: Service, req: OutsideRequest, to: Route
) -> dict[str, object]:
    """The opening's values, as far as the workflow accepts them."""
    accepts = set(definition.opening_accepts)
    where = req.address or (f"{req.lat},{req.long}" if req.lat is not None else None)
    candidates: dict[str, object] = {
        CATEGORY: svc.category,
        "description": req.description.strip(),
        "grid_unit": to.grid_unit,
        "location": where,
        "photos": [req.media_url] if req.media_url else None,
    }
    source = definition.fields.get("source")
    if source is not None and HOTLINE in source.values:
        candidates["source"] = HOTLINE
    return {k: v for k, v in candidates.items() if k in accepts and v is not None}


def reporter_of(req: OutsideRequest) -> NewParty | None:
    name = "".join(p for p in (req.last_name, req.first_name) if p)
    if not name and not req.phone:
        return None
    return NewParty("reporter", name or "匿名", phone=req.phone, anonymous=not name)


def source_user(source: str) -> User:
    """An outside system as the one who opens its cases: `client:<source>`."""
    name = f"client:{source}"
    return User(0, name, source, ACTOR_ROLE, None, [], scope=Visibility(everything=True))


def service_index(cw: Casework) -> dict[str, str | None]:
    """Each service by its code and by its Chinese name (None: several have that name)."""
    index: dict[str, str | None] = {}
    for s in services(cw):
        index[s.code] = s.code
        name = s.name.zh
        if name not in index:
            index[name] = s.code
        elif index[name] != s.code:
            index[name] = None
    return index


def opening(
    definition: Definition, svc: Service, req: OutsideRequest, to: Route
) -> tuple[dict[str, object], str | None, str | None]:
    """The opening's values and its owning units (organisation, grid): a grid workflow's case
    belongs to the grid, any other to the organisation."""
    grid_case = "grid_unit" in definition.opening_accepts
    data = _data(definition, svc, req, to)
    return data, (None if grid_case else to.org_unit), (to.grid_unit if grid_case else None)


def submit(cw: Casework, client: ClientSystem, req: OutsideRequest) -> FireResult:
    """Open the request as a case (or answer the case its ticket opened before)."""
    _check(req)
    svc = service(cw, req.service_code)
    user = source_user(client.name)
    ref = ExternalRef(client.name, req.ticket) if req.ticket is not None else None
    with cw.store.transaction(write=False) as tx:
        if ref is not None and (known := external_ids.case_of(tx, ref)) is not None:
            case = tx.get_case(known)
            assert case is not None
            return FireResult(case=case, event=tx.events(known)[0], replayed=True)
        to = route(
            grid_areas.all_areas(tx),
            unit_tree(tx),
            lat=req.lat,
            long=req.long,
            address=req.address,
            routes=grid_areas.routes_of(tx, svc.code),
        )
    if to is None:
        raise RequestRefusedError(400, "lat" if req.lat is not None else "address_string",
                                  "the location lies in no grid served here")  # fmt: skip
    definition = cw.registry.latest(svc.workflow)
    data, org_unit, grid_unit = opening(definition, svc, req, to)
    if org_unit is None and grid_unit is None:
        raise RequestRefusedError(400, "service_code", "no organisation serves this location")
    reporter = reporter_of(req)
    return open_case(
        cw,
        user,
        svc.workflow,
        data,
        version=definition.version,
        org_unit=org_unit,
        grid_unit=grid_unit,
        parties=[reporter] if reporter else [],
        external=ref,
        origin=Origin(req.lat, req.long, req.address, req.media_url),
    )


def _status(
    cw: Casework, tree: UnitTree, found: OpenedCase, origin: Origin | None
) -> RequestStatus:
    case = found.case
    definition = cw.registry.get(case.workflow, case.workflow_version)
    state = definition.states.get(case.state)
    category = case.data.get(CATEGORY)
    svc = next((s for s in _services_of(definition) if s.category == category), None)
    unit = responsible_unit(case, tree.holder_at_tier)
    return RequestStatus(
        case_id=case.id,
        service=svc,
        closed=case.closed_at is not None,
        status_notes=state.label.zh if state is not None else case.state,
        agency=tree.label(unit) if unit else None,
        requested_at=case.opened_at,
        updated_at=case.updated_at,
        expected_at=found.next_deadline,
        description=str(case.data.get("description", "")),
        ticket=found.external.ticket if found.external else None,
        origin=origin,
    )


def requests_of(
    cw: Casework,
    client: ClientSystem,
    *,
    case_ids: Sequence[int] = (),
    service_code: str | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = MAX_LIST,
) -> list[RequestStatus]:
    """The requests the client sent, newest first, under the Open311 filters."""
    svc = service(cw, service_code) if service_code else None
    open_only = {"open": True, "closed": False, None: None}[status]
    with cw.store.transaction(write=False) as tx:
        found = external_ids.opened_by(
            tx,
            actor_name(client),
            case_ids=case_ids,
            workflow=svc.workflow if svc else None,
            category=svc.category if svc else None,
            open_only=open_only,
            start=start,
            end=end,
            limit=min(limit, MAX_LIST),
        )
        origins = external_ids.origins_of(tx, [f.case.id for f in found])
        tree = unit_tree(tx)
    return [_status(cw, tree, f, origins.get(f.case.id)) for f in found]


def request_of(cw: Casework, client: ClientSystem, case_id: int) -> RequestStatus:
    """One request the client sent (RequestRefusedError 404 for any other case)."""
    found = requests_of(cw, client, case_ids=[case_id], limit=1)
    if not found:
        raise RequestRefusedError(404, "service_request_id", f"no request {case_id}")
    return found[0]
