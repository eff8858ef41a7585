"""Permission matrix: every role × every endpoint × own / other organisation or area.

A case of another organisation answers 404 on every case endpoint, for reading and writing;
nothing crosses an organisation it should not. On their own cases, roles get what DOMAIN.md
gives them (and 403 for the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from engine.model import Case
from engine.store import rates as rate_store
from tests.api.conftest import GRID_REPORT, MEDIATION_INTAKE, World


@dataclass(frozen=True)
class Who:
    user: str
    kind: str  # which kind of case is "theirs": mediation | grid_new | grid_called
    own_unit: str  # where their cases live (organisation or grid unit)
    other_unit: str  # the same kind of unit elsewhere
    action: tuple[str, dict[str, Any]]  # an action possible on their own case


WHO: dict[str, Who] = {
    "mediator": Who("mediator", "mediation", "union", "women", ("register", {})),
    "org_admin": Who("org_admin", "mediation", "union", "women", ("register", {})),
    "supervisor": Who("supervisor", "mediation", "union", "union-west", ("register", {})),
    "admin": Who("admin_west", "mediation", "union-west", "union", ("register", {})),
    "handler": Who(
        "handler", "grid_called", "g-hp-1-1", "g-w-1-1", ("sign_for", {"handling_unit": "cm-hp-1"})
    ),
    "grid_member": Who("grid_member", "grid_new", "g-hp-1-1", "g-w-1-1", ("report", {})),
}
ROLES = list(WHO)

# Expected status on one's own case, by endpoint and role (every other role gets the default).
OWN: dict[str, tuple[int, dict[str, int]]] = {
    "get": (200, {}),
    "parties": (200, {}),
    "personal_data": (403, {"mediator": 200, "org_admin": 200}),
    "case_audit": (403, {"org_admin": 200, "supervisor": 200, "admin": 200}),
    "fire": (403, {"mediator": 200, "org_admin": 200, "handler": 200, "grid_member": 200}),
    "add_party": (403, {"mediator": 201, "org_admin": 201, "grid_member": 201}),
    "hand_over": (403, {"org_admin": 201, "supervisor": 201, "admin": 201}),
    "exclude": (403, {"supervisor": 201, "admin": 201}),
    "include_again": (403, {"supervisor": 204, "admin": 204}),
}
CASE_ENDPOINTS = list(OWN)


def make_case(w: World, who: Who, unit: str) -> Case:
    if who.kind == "mediation":
        return w.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit=unit)
    data = {**GRID_REPORT, "grid_unit": unit}
    steps: list[tuple[str, str, dict[str, Any]]] = (
        [("report", "grid_member", {})] if who.kind == "grid_called" else []
    )
    return w.open("grid_escalation", data, by="grid_member", grid_unit=unit, steps=steps)


def call(w: World, who: Who, endpoint: str, case: Case) -> Any:
    h = w.h(who.user)
    url = f"/api/cases/{case.id}"
    c = w.client
    if endpoint == "get":
        return c.get(url, headers=h)
    if endpoint == "parties":
        return c.get(f"{url}/parties", headers=h)
    if endpoint == "personal_data":
        return c.get(f"{url}/personal-data", params={"reason": "回访核实联系方式"}, headers=h)
    if endpoint == "case_audit":
        return c.get(f"{url}/audit", headers=h)
    if endpoint == "fire":
        action, data = who.action
        body = {"expected_version": case.version, "data": data}
        return c.post(f"{url}/actions/{action}", json=body, headers=h)
    if endpoint == "add_party":
        party = {"party_role": "applicant", "name": "王秀英", "phone": "13812345678"}
        return c.post(f"{url}/parties", json=party, headers=h)
    if endpoint == "hand_over":
        return c.post(f"{url}/handovers", json={"unit": "youth", "reason": "协办"}, headers=h)
    if endpoint == "exclude":
        body = {"case_id": case.id, "reason": "重复诉求"}
        return c.post("/api/rates/exclusions", json=body, headers=h)
    assert endpoint == "include_again"
    with w.ctx.store.transaction() as tx:
        rate_store.exclude(tx, case.id, "重复诉求", "reviewer", w.clock.now())
    return c.delete(f"/api/rates/exclusions/{case.id}", headers=h)


@pytest.mark.parametrize("endpoint", CASE_ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_own_case(shared_world: World, role: str, endpoint: str) -> None:
    who = WHO[role]
    case = make_case(shared_world, who, who.own_unit)
    default, special = OWN[endpoint]
    r = call(shared_world, who, endpoint, case)
    assert r.status_code == special.get(role, default), r.text
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("endpoint", CASE_ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_other_organisations_case_is_404_and_unchanged(
    shared_world: World, role: str, endpoint: str
) -> None:
    w = shared_world
    who = WHO[role]
    case = make_case(w, who, who.other_unit)
    before = (w.ctx.service.get_case(case.id), w.ctx.service.history(case.id))
    r = call(w, who, endpoint, case)
    assert r.status_code == 404, r.text
    assert r.json()["type"] == "/problems/not-found"
    assert (w.ctx.service.get_case(case.id), w.ctx.service.history(case.id)) == before
    with w.ctx.store.transaction(write=False) as tx:
        exclusion = rate_store.exclusion_of(tx, case.id)
    assert exclusion is None or endpoint == "include_again"


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_own_cases_only(shared_world: World, role: str) -> None:
    w = shared_world
    who = WHO[role]
    own = make_case(w, who, who.own_unit)
    other = make_case(w, who, who.other_unit)
    ids = {
        i["id"] for i in w.client.get("/api/cases?limit=200", headers=w.h(who.user)).json()["items"]
    }
    assert own.id in ids
    assert other.id not in ids


# Non-case endpoints: (method, path, body) and the expected status per role.
def opening(who: Who, unit: str) -> dict[str, Any]:
    if who.kind == "mediation":
        return {"workflow": "mediation", "data": MEDIATION_INTAKE, "org_unit": unit}
    return {"workflow": "grid_escalation", "data": {}, "grid_unit": unit}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["own", "other"])
def test_open_case(shared_world: World, role: str, side: str) -> None:
    who = WHO[role]
    unit = who.own_unit if side == "own" else who.other_unit
    r = shared_world.client.post(
        "/api/cases", json=opening(who, unit), headers=shared_world.h(who.user)
    )
    may_open = role in ("mediator", "org_admin", "grid_member")  # the workflows' owner roles
    if side == "other" and role == "supervisor":
        assert r.status_code == 403  # outside the district, and not an owner role anyway
    assert r.status_code == (201 if may_open and side == "own" else 403), r.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["own", "other"])
def test_grid_report(shared_world: World, role: str, side: str) -> None:
    who = WHO[role]
    grid = "g-hp-1-1" if side == "own" else "g-w-1-1"
    if role == "admin":  # admin_west's own area is the west district
        grid = "g-w-1-1" if side == "own" else "g-hp-1-1"
    before = shared_world.client.get("/api/cases?limit=1", headers=shared_world.h("admin")).json()
    r = shared_world.client.post(
        "/api/grid-reports",
        json=GRID_REPORT | {"grid_unit": grid},
        headers=shared_world.h(who.user),
    )
    ok = role == "grid_member" and side == "own"
    assert r.status_code == (201 if ok else 403), r.text
    after = shared_world.client.get("/api/cases?limit=1", headers=shared_world.h("admin")).json()
    assert after["total"] == before["total"] + (1 if ok else 0)


GLOBAL: list[tuple[str, str, str, dict[str, Any] | None, int, dict[str, int]]] = [
    ("me", "GET", "/api/me", None, 200, {}),
    ("units", "GET", "/api/units", None, 200, {}),
    ("definitions", "GET", "/api/definitions", None, 200, {}),
    ("definition", "GET", "/api/definitions/mediation", None, 200, {}),
    ("diagram", "GET", "/api/definitions/mediation/diagram", None, 200, {}),
    (
        "validate",
        "POST",
        "/api/definitions/validate",
        {"source": "name: x\n"},
        403,
        {"supervisor": 200, "admin": 200},
    ),
    (
        "review",
        "POST",
        "/api/definitions/review",
        {"source": "name: x\n"},
        403,
        {"supervisor": 200, "admin": 200},
    ),
    (
        "timer-draft",
        "POST",
        "/api/definitions/mediation/timers/mediation/mediation_period/draft",
        {"remind_at": 0.8},
        403,
        {"supervisor": 200, "admin": 200},
    ),
    (
        "history",
        "GET",
        "/api/definitions/mediation/history",
        None,
        403,
        {"org_admin": 200, "supervisor": 200, "admin": 200},
    ),
    (
        "diff",
        "GET",
        "/api/definitions/mediation/diff?from=2&to=2",
        None,
        403,
        {"org_admin": 200, "supervisor": 200, "admin": 200},
    ),
    (
        "rates",
        "GET",
        "/api/rates?group_by=organisation",
        None,
        403,
        {"org_admin": 200, "supervisor": 200, "admin": 200},
    ),
    (
        "exclusions",
        "GET",
        "/api/rates/exclusions",
        None,
        403,
        {"org_admin": 200, "supervisor": 200, "admin": 200},
    ),
    ("audit", "GET", "/api/audit", None, 403, {"admin": 200}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "default", "special"),
    [pytest.param(*g[1:], id=g[0]) for g in GLOBAL],
)
@pytest.mark.parametrize("role", ROLES)
def test_global_endpoints(
    shared_world: World,
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    default: int,
    special: dict[str, int],
) -> None:
    r = shared_world.client.request(method, path, json=body, headers=shared_world.h(WHO[role].user))
    assert r.status_code == special.get(role, default), r.text


@pytest.mark.parametrize("role", ROLES)
def test_publish_needs_supervisor_or_admin(shared_world: World, role: str) -> None:
    source = shared_world.ctx.registry.latest("mediation").source
    r = shared_world.client.post(
        "/api/definitions",
        json={
            "source": source,
            "reason": "原样发布",
            "based_on": shared_world.ctx.registry.latest("mediation").version,
        },
        headers=shared_world.h(WHO[role].user),
    )
    # Unchanged content answers 200 with the latest version: nothing is published.
    assert r.status_code == (200 if role in ("supervisor", "admin") else 403), r.text


@pytest.mark.parametrize("role", ["org_admin", "supervisor", "admin"])
def test_rates_and_audit_count_only_visible_cases(shared_world: World, role: str) -> None:
    w = shared_world
    who = WHO[role]
    other = make_case(w, who, who.other_unit)
    with w.ctx.store.transaction() as tx:
        rate_store.exclude(tx, other.id, "重复诉求", "reviewer", w.clock.now())
    listed = w.client.get("/api/rates/exclusions", headers=w.h(who.user)).json()
    assert other.id not in {e["case_id"] for e in listed}
    rates = w.client.get("/api/rates", headers=w.h(who.user)).json()
    visible = w.client.get("/api/cases?limit=1", headers=w.h(who.user)).json()["total"]
    assert rates["total"]["cases"] + rates["total"]["excluded"] == visible
    if role == "admin":
        audit = w.client.get("/api/audit?limit=500", headers=w.h(who.user)).json()
        assert all(e["case_id"] != other.id for e in audit)
