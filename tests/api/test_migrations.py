"""Migration runs over the API: plan, list, read, preview, page the verdicts, apply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.conftest import World
from tests.engine.casework.migration_cases import AGREED, ASSESSED, INTAKE
from tests.migration_versions import NEW, OLD, breaking_source

PLAN: dict[str, Any] = {
    "workflow": "mediation",
    "from_version": OLD,
    "to_version": NEW,
    "state_map": {"intake": "reception"},
    "reason": f"v{NEW} renames intake and shortens the confirmation window",
}


def _publish_next(w: World) -> None:
    """Publish the breaking version after the shipped mediation (the version PLAN moves to)."""
    old = w.ctx.registry.latest("mediation")
    assert old.version == OLD
    source = breaking_source(old.source, NEW)
    body = {"source": source, "reason": "新版本改名受理登记", "based_on": OLD}
    r = w.client.post("/api/definitions", json=body, headers=w.h("supervisor"))
    assert r.status_code == 201, r.text
    assert r.json()["version"] == NEW


def _cases(w: World) -> dict[str, int]:
    agreed = w.open(
        "mediation",
        INTAKE,
        org_unit="union",
        steps=[
            ("register", "mediator", {}),
            ("start_mediation", "mediator", ASSESSED),
            ("reach_agreement", "mediator", AGREED),
        ],
    )
    w.advance(timedelta(days=20))
    return {
        "agreement": agreed.id,
        "intake": w.open("mediation", INTAKE, org_unit="union").id,
        "land": w.open(
            "mediation",
            {**INTAKE, "category": "land"},
            org_unit="union",
            steps=[("register", "mediator", {})],
        ).id,
    }


def test_plan_preview_page_and_apply(any_world: World) -> None:
    w = any_world
    ids = _cases(w)
    _publish_next(w)
    h = w.h("supervisor")
    r = w.client.post("/api/migrations", json=PLAN, headers=h)
    assert r.status_code == 201, r.text
    run = r.json()
    assert r.headers["Location"] == f"/api/migrations/{run['id']}"
    assert (run["status"], run["total"], run["state_map"]) == ("planned", 3, PLAN["state_map"])
    listed = w.client.get("/api/migrations?workflow=mediation", headers=h).json()
    assert [x["id"] for x in listed] == [run["id"]]
    assert w.client.get("/api/migrations?workflow=other", headers=h).json() == []
    previewed = w.client.post(f"/api/migrations/{run['id']}/preview", headers=h).json()
    assert (previewed["status"], previewed["movable"], previewed["refused"]) == ("previewed", 2, 1)
    page = w.client.get(f"/api/migrations/{run['id']}/cases?limit=2", headers=h).json()
    assert [c["case_id"] for c in page["items"]] == sorted(ids.values())[:2]
    assert page["next_after"] == sorted(ids.values())[1]
    rest = w.client.get(
        f"/api/migrations/{run['id']}/cases?limit=2&after={page['next_after']}", headers=h
    ).json()
    assert [c["case_id"] for c in rest["items"]] == sorted(ids.values())[2:]
    assert rest["next_after"] is None
    refused = w.client.get(f"/api/migrations/{run['id']}/cases?movable=false", headers=h).json()
    (land,) = refused["items"]
    assert land["case_id"] == ids["land"] and land["refusals"][0]["code"] == "bad_data"
    agreed = w.client.get(f"/api/migrations/{run['id']}/cases?state=agreement", headers=h).json()
    (item,) = agreed["items"]
    assert item["before"][0]["overdue"] is False and item["after"][0]["overdue"] is True
    no = w.client.post(f"/api/migrations/{run['id']}/apply", json={"confirm": False}, headers=h)
    assert no.status_code == 422 and no.json()["errors"][0]["pointer"] == "#/confirm"
    done = w.client.post(f"/api/migrations/{run['id']}/apply", json={"confirm": True}, headers=h)
    assert done.status_code == 200
    report = done.json()
    assert (report["moved"], report["refused"], report["run"]["status"]) == (2, 1, "applied")
    case = w.client.get(f"/api/cases/{ids['intake']}", headers=w.h("mediator")).json()
    assert (case["case"]["state"], case["case"]["workflow_version"]) == ("reception", NEW)
    got = w.client.get(f"/api/migrations/{run['id']}", headers=h).json()
    assert got["moved"] == 2 and got["applied_at"] is not None


def test_a_wrong_plan_answers_422_with_every_problem(world: World) -> None:
    _publish_next(world)
    bad = {**PLAN, "to_version": NEW + 1, "state_map": {"intake": "nowhere"}, "case_ids": [424242]}
    r = world.client.post("/api/migrations", json=bad, headers=world.h("supervisor"))
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/migration-refused"
    assert body["problems"] == [f"mediation v{NEW + 1} is not published", "no case 424242"]
    r = world.client.post(
        "/api/migrations", json={**PLAN, "case_ids": [0]}, headers=world.h("supervisor")
    )
    assert r.status_code == 422 and r.json()["type"] == "/problems/validation"
    assert world.client.get("/api/migrations", headers=world.h("supervisor")).json() == []


def test_other_roles_are_refused_and_unknown_runs_are_404(world: World) -> None:
    _publish_next(world)
    r = world.client.post("/api/migrations", json=PLAN, headers=world.h("mediator"))
    assert r.status_code == 403
    assert world.client.get("/api/migrations", headers=world.h("org_admin")).status_code == 403
    missing = world.client.get("/api/migrations/77", headers=world.h("admin"))
    assert missing.status_code == 404 and missing.json()["detail"] == "no such migration run"
    r = world.client.post(
        "/api/migrations/77/apply", json={"confirm": True}, headers=world.h("admin")
    )
    assert r.status_code == 404
