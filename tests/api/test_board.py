"""GET /api/board and POST /api/cases/urge (催办)."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import MEDIATION_INTAKE, World
from tests.api.test_rates import TO_MEDIATION


def _overdue(w: World, org: str = "union") -> int:
    case = w.open("mediation", MEDIATION_INTAKE, org_unit=org, steps=TO_MEDIATION)
    return case.id


def test_the_board_lists_overdue_cases_and_an_urge_counts_on_it(any_world: World) -> None:
    w = any_world
    first = _overdue(w)
    w.advance(timedelta(days=1))
    second = _overdue(w)
    w.advance(timedelta(days=40))  # both mediation periods (one month) have passed
    r = w.client.get("/api/board", headers=w.h("supervisor"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["case_id"] for i in body["items"]] == [first, second]  # overdue longest first
    item = body["items"][0]
    assert item["overdue"] and item["unit"] == "union" and item["person"] == "mediator"
    assert item["missed_deadline"]["name"] == "mediation_period"
    assert item["overdue_s"] > 9 * 86400 and item["urges"] == 0
    r = w.client.post(
        "/api/cases/urge",
        json={"case_ids": [second], "note": "请本周内结案"},
        headers=w.h("supervisor", **{"Idempotency-Key": "u-1"}),
    )
    assert r.status_code == 200, r.text
    assert r.json()["case_ids"] == [second] and not r.json()["replayed"]
    again = w.client.post(
        "/api/cases/urge",
        json={"case_ids": [second], "note": "请本周内结案"},
        headers=w.h("supervisor", **{"Idempotency-Key": "u-1"}),
    )
    assert again.json()["replayed"]
    items = w.client.get("/api/board", headers=w.h("supervisor")).json()["items"]
    assert {i["case_id"]: i["urges"] for i in items} == {first: 0, second: 1}
    history = w.client.get(f"/api/cases/{second}", headers=w.h("supervisor")).json()["history"]
    assert history[-1]["action"] == "urge_case" and history[-1]["note"] == "请本周内结案"
    assert w.client.get("/api/board?unit=women", headers=w.h("supervisor")).json()["total"] == 0
    assert (
        w.client.get("/api/board?workflow=mediation", headers=w.h("supervisor")).json()["total"]
        == 2
    )


def test_urging_refusals(world: World) -> None:
    w = world
    case = _overdue(w)
    west = _overdue(w, "union-west")
    r = w.client.post(  # the west district's supervisor sees `west`, not `case`
        "/api/cases/urge", json={"case_ids": [west, case]}, headers=w.h("supervisor_west")
    )
    assert r.status_code == 404
    r = w.client.post("/api/cases/urge", json={"case_ids": [case]}, headers=w.h("mediator"))
    assert r.status_code == 403
    r = w.client.post("/api/cases/urge", json={"case_ids": []}, headers=w.h("supervisor"))
    assert r.status_code == 422
    r = w.client.post(
        "/api/cases/urge", json={"case_ids": [case], "note": "催" * 501}, headers=w.h("supervisor")
    )
    assert r.status_code == 422
    assert w.client.get("/api/board", headers=w.h("mediator")).status_code == 403
    r = w.client.get("/api/board?unit=nowhere", headers=w.h("supervisor"))
    assert r.status_code == 422
    history = w.client.get(f"/api/cases/{case}", headers=w.h("supervisor")).json()["history"]
    assert "urge_case" not in [e["action"] for e in history]


def test_case_ids_out_of_range_are_refused(world: World) -> None:
    for ids in ([0], [2**63], list(range(1, 202))):
        r = world.client.post(
            "/api/cases/urge", json={"case_ids": ids}, headers=world.h("supervisor")
        )
        assert r.status_code == 422, ids


def test_the_case_list_sorts_by_urgency(world: World) -> None:
    w = world
    first = _overdue(w)
    quiet = w.open("mediation", MEDIATION_INTAKE, org_unit="union").id
    w.advance(timedelta(days=1))
    second = _overdue(w)
    w.advance(timedelta(days=40))
    r = w.client.get("/api/cases?sort=urgency&status=open", headers=w.h("supervisor"))
    assert r.status_code == 200
    ids = [i["id"] for i in r.json()["items"]]
    assert ids.index(first) < ids.index(second) < ids.index(quiet)
