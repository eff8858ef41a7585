"""Claiming and assigning over HTTP: "my cases" follow; two claims at once, one conflict."""

from __future__ import annotations

from tests.api.conftest import MEDIATION_INTAKE, World


def _mine(w: World, username: str) -> list[int]:
    r = w.client.get("/api/cases", params={"mine": "true", "status": "open"}, headers=w.h(username))
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def test_a_head_assigns_and_a_mediator_claims(any_world: World) -> None:
    w = any_world
    c = w.client
    one = w.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit="union")
    two = w.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit="union")
    other = w.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit="union")
    mediators = c.get(f"/api/cases/{one.id}/mediators", headers=w.h("org_admin")).json()
    assert [m["username"] for m in mediators] == ["mediator"]
    r = c.post(
        f"/api/cases/{one.id}/assignment", json={"mediator": "mediator"}, headers=w.h("org_admin")
    )
    assert r.status_code == 200, r.text
    assert r.json()["assignee"] == "mediator" and r.json()["changed"]
    r = c.post(
        f"/api/cases/{two.id}/claim",
        json={"expected_version": two.version},
        headers=w.h("mediator"),
    )
    assert r.status_code == 200, r.text
    assert sorted(_mine(w, "mediator")) == sorted([one.id, two.id])  # not `other`
    assert other.id not in _mine(w, "mediator")
    history = c.get(f"/api/cases/{one.id}", headers=w.h("org_admin")).json()["history"]
    assert [e["action"] for e in history][-1] == "assign"


def test_a_stale_claim_is_a_conflict(world: World) -> None:
    c = world.client
    case = world.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit="union")
    first = c.post(
        f"/api/cases/{case.id}/claim",
        json={"expected_version": case.version},
        headers=world.h("mediator"),
    )
    assert first.status_code == 200
    r = c.post(
        f"/api/cases/{case.id}/claim",
        json={"expected_version": case.version},
        headers=world.h("org_admin"),
    )
    assert r.status_code == 403  # a workroom head assigns, it does not claim
    r = c.post(
        f"/api/cases/{case.id}/assignment",
        json={"mediator": "mediator_women"},
        headers=world.h("org_admin"),
    )
    assert r.status_code == 422 and r.json()["type"] == "/problems/wrong-member"


def test_a_case_of_another_organisation_cannot_be_claimed(world: World) -> None:
    c = world.client
    case = world.open("mediation", MEDIATION_INTAKE, by="org_admin", org_unit="union")
    c.post(
        f"/api/cases/{case.id}/assignment",
        json={"mediator": "mediator"},
        headers=world.h("org_admin"),
    )
    r = c.post(f"/api/cases/{case.id}/claim", json={}, headers=world.h("mediator_women"))
    assert r.status_code == 404  # not a case of the women's federation
