"""POST /api/cases/duplicates, GET /api/cases/{id}/duplicates, merge and split."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import GRID_REPORT, World

HERE: dict[str, Any] = {"point": {"lat": 39.9612, "lng": 116.4173}}
NEAR: dict[str, Any] = {"point": {"lat": 39.9613, "lng": 116.4175}}


def _report(w: World, **extra: Any) -> int:
    body = {**GRID_REPORT, **extra}
    r = w.client.post("/api/grid-reports", json=body, headers=w.h("grid_member"))
    assert r.status_code == 201, r.text
    case_id: int = r.json()["case"]["id"]
    return case_id


def _probe(w: World, user: str = "supervisor", **body: Any) -> Any:
    probe = {"workflow": "grid_escalation", "category": "sanitation", **body}
    return w.client.post("/api/cases/duplicates", json=probe, headers=w.h(user))


def test_suggestions_merge_and_split_through_the_api(any_world: World) -> None:
    w = any_world
    first = _report(w, **NEAR, description="垃圾清运点满溢两天未清运")
    r = _probe(w, **HERE, description="北侧垃圾点满了", phone="13800000000")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["case_id"] for i in items] == [first]
    assert 0 < items[0]["distance_m"] <= 50 and items[0]["same_caller"] is False
    assert _probe(w, "org_admin", **HERE).json()["items"] == []  # not a case it sees

    second = _report(w, **HERE)
    on_case = w.client.get(f"/api/cases/{second}/duplicates", headers=w.h("supervisor"))
    assert [i["case_id"] for i in on_case.json()["items"]] == [first]

    merged = w.client.post(
        f"/api/cases/{second}/merge",
        json={"into": first, "note": "同一清运点"},
        headers=w.h("supervisor"),
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["closed"] is True and merged.json()["merged_into"] == first
    detail = w.client.get(f"/api/cases/{second}", headers=w.h("supervisor")).json()
    assert detail["history"][-1]["action"] == "merge_into"
    again = w.client.post(
        f"/api/cases/{second}/merge", json={"into": first}, headers=w.h("supervisor")
    )
    assert again.status_code == 409 and again.json()["type"].endswith("merge-refused")

    split = w.client.post(f"/api/cases/{second}/split", json={}, headers=w.h("supervisor"))
    assert split.status_code == 200 and split.json()["closed"] is False
    refused = w.client.post(
        f"/api/cases/{second}/merge", json={"into": first}, headers=w.h("grid_member")
    )
    assert refused.status_code == 403


def test_bad_probes_and_points_are_refused(world: World) -> None:
    assert _probe(world, point={"lat": 91, "lng": 116}).status_code == 422
    assert _probe(world, point={"lat": 39.9}).status_code == 422  # half a point
    assert _probe(world, radius_m=5000).status_code == 422
    assert _probe(world, phone="<script>").status_code == 422
    r = world.client.post(
        "/api/grid-reports",
        json={**GRID_REPORT, "point": {"lat": 39.9, "lng": 181}},
        headers=world.h("grid_member"),
    )
    assert r.status_code == 422
    listed = world.client.get("/api/cases", headers=world.h("supervisor")).json()
    assert listed["total"] == 0
