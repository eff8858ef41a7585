"""The API opens a case with its source's ticket number once: a second POST with the same
ticket answers the first case; the list filters by source and ticket; the case shows them."""

from __future__ import annotations

from tests.api.conftest import MEDIATION_INTAKE, World

REF = {"external": {"source": "12345", "ticket": "GD-2026-0001"}}


def test_a_ticket_opens_one_case_through_the_api(any_world: World) -> None:
    w = any_world
    body = {"workflow": "mediation", "data": MEDIATION_INTAKE, **REF}
    first = w.client.post("/api/cases", json=body, headers=w.h("mediator"))
    assert first.status_code == 201, first.text
    again = w.client.post("/api/cases", json=body, headers=w.h("mediator"))
    assert again.json()["replayed"] is True
    assert again.headers["Idempotent-Replayed"] == "true"
    case_id = first.json()["case"]["id"]
    assert again.json()["case"]["id"] == case_id
    assert again.json()["case"]["external_id"] == "GD-2026-0001"
    listed = w.client.get(
        "/api/cases", params={"source": "12345", "ticket": "GD-2026-0001"}, headers=w.h("mediator")
    ).json()
    assert [c["id"] for c in listed["items"]] == [case_id]
    assert listed["items"][0]["external_source"] == "12345"
    detail = w.client.get(f"/api/cases/{case_id}", headers=w.h("mediator")).json()
    assert (detail["case"]["external_source"], detail["case"]["external_id"]) == (
        "12345",
        "GD-2026-0001",
    )


def test_half_a_reference_is_refused_and_writes_nothing(any_world: World) -> None:
    w = any_world
    before = w.client.get("/api/cases", headers=w.h("mediator")).json()["total"]
    for ref in (
        {"external": {"source": "12345"}},
        {"external": {"source": "a b", "ticket": "1"}},
        {"external": {"source": "12345", "ticket": " GD-1"}},
    ):
        r = w.client.post(
            "/api/cases",
            json={"workflow": "mediation", "data": MEDIATION_INTAKE, **ref},
            headers=w.h("mediator"),
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["pointer"].startswith("#/external/")
    assert w.client.get("/api/cases", headers=w.h("mediator")).json()["total"] == before
