"""Cases over HTTP on SQLite and PostgreSQL: open, list, detail, fire, conflicts, retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import GRID_REPORT, MEDIATION_INTAKE, World

ASSESS: dict[str, Any] = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}


def open_mediation(w: World, data: dict[str, Any] | None = None) -> dict[str, Any]:
    r = w.client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": data or MEDIATION_INTAKE},
        headers=w.h("mediator"),
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def fire(
    w: World, case_id: int, action: str, version: int, data: dict[str, Any], **headers: str
) -> Any:
    return w.client.post(
        f"/api/cases/{case_id}/actions/{action}",
        json={"expected_version": version, "data": data},
        headers=w.h("mediator", **headers),
    )


def test_open_case_belongs_to_the_users_organisation(any_world: World) -> None:
    body = open_mediation(any_world)
    case = body["case"]
    assert case["state"] == "intake"
    assert case["org_unit"] == "union"
    assert case["version"] == 1
    assert case["state_label"] == {"zh": "受理登记", "en": "Intake"}
    assert body["event"]["action"] == "open"


def test_detail_lists_actions_for_this_user_deadlines_and_history(any_world: World) -> None:
    w = any_world
    case = open_mediation(w)["case"]
    r = fire(w, case["id"], "register", 1, {})
    assert r.status_code == 200, r.text
    r = fire(w, case["id"], "start_mediation", 2, ASSESS)
    assert r.status_code == 200, r.text
    detail = w.client.get(f"/api/cases/{case['id']}", headers=w.h("mediator")).json()
    assert detail["case"]["state"] == "mediation"
    assert [e["action"] for e in detail["history"]] == ["open", "register", "start_mediation"]
    actions = {a["action"]: a for a in detail["actions"]}
    assert "period_expired" not in actions  # system only
    assert {"record_session", "extend", "reach_agreement", "terminate"} <= set(actions)
    assert actions["reach_agreement"]["missing"] == [
        "agreement_form",
        "agreement_terms",
        "performance_deadline",
    ]
    assert [f["name"] for f in actions["extend"]["fields"]] == [
        "both_parties_consent",
        "extension_reason",
    ]
    deadlines = {d["name"]: d for d in detail["deadlines"] if d["kind"] == "deadline"}
    assert deadlines["mediation_period"]["action"] == "period_expired"
    assert detail["overdue"] is False


def test_org_admin_sees_reopen_but_mediator_does_not(world: World) -> None:
    case = world.open(
        "mediation",
        MEDIATION_INTAKE,
        org_unit="union",
        steps=[
            ("register", "mediator", {}),
            ("start_mediation", "mediator", ASSESS),
            (
                "reach_agreement",
                "mediator",
                {
                    "agreement_form": "oral",
                    "agreement_terms": "分期付款",
                    "performance_deadline": "2026-12-20",
                },
            ),
            ("decline_confirmation", "mediator", {}),
            (
                "record_visit",
                "mediator",
                {"performance": "performed", "satisfaction": 1, "lingering_risk": False},
            ),
        ],
    )
    mine = world.client.get(f"/api/cases/{case.id}", headers=world.h("mediator")).json()
    admin = world.client.get(f"/api/cases/{case.id}", headers=world.h("org_admin")).json()
    assert "reopen" not in {a["action"] for a in mine["actions"]}
    assert "reopen" in {a["action"] for a in admin["actions"]}
    r = world.client.post(
        f"/api/cases/{case.id}/actions/reopen",
        json={"expected_version": case.version, "data": {}},
        headers=world.h("mediator"),
    )
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/role-not-allowed"


def test_stale_expected_version_is_409_and_changes_nothing(any_world: World) -> None:
    w = any_world
    case = open_mediation(w)["case"]
    assert fire(w, case["id"], "register", 1, {}).status_code == 200
    before = w.client.get(f"/api/cases/{case['id']}", headers=w.h("mediator")).json()
    r = fire(w, case["id"], "party_refuses", 1, {})
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"] == "/problems/conflict"
    assert (problem["expected_version"], problem["current_version"]) == (1, 2)
    after = w.client.get(f"/api/cases/{case['id']}", headers=w.h("mediator")).json()
    assert after == before
    assert after["case"]["state"] == "assessment"


def test_idempotent_retry_is_applied_once(any_world: World) -> None:
    w = any_world
    case = open_mediation(w)["case"]
    first = fire(w, case["id"], "register", 1, {}, **{"Idempotency-Key": "k-1"})
    retry = fire(w, case["id"], "register", 1, {}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 200
    assert first.json()["replayed"] is False
    assert retry.json()["replayed"] is True
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["event"] == first.json()["event"]
    history = w.client.get(f"/api/cases/{case['id']}", headers=w.h("mediator")).json()["history"]
    assert [e["action"] for e in history] == ["open", "register"]
    assert history[-1]["case_version"] == 2


def test_idempotency_keys_of_two_users_do_not_meet(world: World) -> None:
    case = open_mediation(world)["case"]
    r1 = world.client.post(
        f"/api/cases/{case['id']}/actions/register",
        json={"expected_version": 1, "data": {}},
        headers=world.h("mediator", **{"Idempotency-Key": "same"}),
    )
    r2 = world.client.post(
        f"/api/cases/{case['id']}/actions/party_refuses",
        json={"expected_version": 2, "data": {}},
        headers=world.h("org_admin", **{"Idempotency-Key": "same"}),
    )
    assert (r1.status_code, r2.status_code) == (200, 200)
    assert r2.json()["replayed"] is False
    assert r2.json()["case"]["state"] == "closed"


def test_same_key_for_another_action_is_422(world: World) -> None:
    case = open_mediation(world)["case"]
    assert fire(world, case["id"], "register", 1, {}, **{"Idempotency-Key": "x"}).status_code == 200
    r = fire(world, case["id"], "party_refuses", 2, {}, **{"Idempotency-Key": "x"})
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize(
    ("action", "data", "slug", "member", "expected"),
    [
        pytest.param(
            "start_mediation",
            {},
            "missing-fields",
            "missing",
            [
                "risk_level",
                "in_scope",
                "organisation",
                "mediator",
                "domestic_violence",
                "crime_risk",
            ],
            id="missing-fields",
        ),
        pytest.param(
            "start_mediation",
            {**ASSESS, "domestic_violence": True},
            "guard-failed",
            "guard",
            "in_scope == true and domestic_violence == false and crime_risk == false",
            id="guard",
        ),
        pytest.param(
            "close_case", {}, "action-not-possible", "state", "assessment", id="not-possible"
        ),
    ],
)
def test_refused_actions_are_422_naming_the_reason(
    world: World, action: str, data: dict[str, Any], slug: str, member: str, expected: Any
) -> None:
    case = open_mediation(world)["case"]
    assert fire(world, case["id"], "register", 1, {}).status_code == 200
    r = fire(world, case["id"], action, 2, data)
    assert r.status_code == 422
    assert r.json()["type"] == f"/problems/{slug}"
    assert r.json()[member] == expected


def test_invalid_values_point_at_the_field(world: World) -> None:
    r = world.client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": {"category": "famly", "sessions": -1}},
        headers=world.h("mediator"),
    )
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert pointers == {"#/data/category", "#/data/sessions"}
    assert "did you mean 'family'" in r.json()["detail"]


def test_unknown_workflow_is_422_on_open(world: World) -> None:
    r = world.client.post(
        "/api/cases", json={"workflow": "mediaton", "data": {}}, headers=world.h("mediator")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/workflow"


def test_list_filters_and_pagination(any_world: World) -> None:
    w = any_world
    a = w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    b = w.open(
        "mediation",
        {**MEDIATION_INTAKE, "description": "邻居漏水纠纷"},
        org_unit="union",
        steps=[("register", "mediator", {}), ("start_mediation", "mediator", ASSESS)],
    )
    c = w.open("labor_dispute", {"description": "拖欠工资"}, org_unit="union")

    def ids(query: str) -> list[int]:
        r = w.client.get(f"/api/cases?{query}", headers=w.h("mediator"))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids("") == [c.id, b.id, a.id]
    assert ids("workflow=mediation") == [b.id, a.id]
    assert ids("state=mediation") == [b.id]
    assert ids("org=union&workflow=labor_dispute") == [c.id]
    assert ids("q=漏水") == [b.id]
    assert ids(f"q={a.id}") == [a.id]
    assert ids("mine=true") == [b.id]  # b names "mediator" as its mediator
    assert ids("limit=2") == [c.id, b.id]
    assert ids("limit=2&offset=2") == [a.id]
    # c: the labour intake reminder (1 working day); b: the one-month mediation period.
    assert ids("sort=deadline") == [c.id, b.id, a.id]
    page = w.client.get("/api/cases?limit=1", headers=w.h("mediator")).json()
    assert page["total"] == 3
    assert ids("overdue=true") == []
    w.advance(timedelta(days=40))  # past both deadlines, before the sweeper ran
    assert ids("overdue=true") == [c.id, b.id]
    w.ctx.service.fire_due_timers()
    # c's reminder only notified; b's period_expired fired and b stays in its state: overdue.
    assert ids("overdue=true") == [b.id]
    assert ids("overdue=false") == [c.id, a.id]
    assert ids("status=closed") == []


def test_list_shows_next_deadline_and_overdue(world: World) -> None:
    b = world.open(
        "mediation",
        MEDIATION_INTAKE,
        org_unit="union",
        steps=[("register", "mediator", {}), ("start_mediation", "mediator", ASSESS)],
    )
    item = world.client.get("/api/cases", headers=world.h("mediator")).json()["items"][0]
    assert item["id"] == b.id
    assert item["next_deadline"] is not None
    assert item["overdue"] is False


def test_open_for_another_organisation_is_403(world: World) -> None:
    r = world.client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": MEDIATION_INTAKE, "org_unit": "women"},
        headers=world.h("mediator"),
    )
    assert r.status_code == 403


def test_open_with_idempotency_key_creates_one_case(world: World) -> None:
    body = {"workflow": "mediation", "data": MEDIATION_INTAKE}
    h = world.h("mediator", **{"Idempotency-Key": "intake-0001"})
    r1 = world.client.post("/api/cases", json=body, headers=h)
    r2 = world.client.post("/api/cases", json=body, headers=h)
    assert r1.json()["case"]["id"] == r2.json()["case"]["id"]
    assert r2.json()["replayed"] is True
    total = world.client.get("/api/cases", headers=world.h("mediator")).json()["total"]
    assert total == 1


def test_hand_over_lets_another_organisation_see_the_case(world: World) -> None:
    case = world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    url = f"/api/cases/{case.id}"
    assert world.client.get(url, headers=world.h("mediator_women")).status_code == 404
    r = world.client.post(
        f"{url}/handovers",
        json={"unit": "women", "reason": "联席会议决定由妇联协办"},
        headers=world.h("org_admin"),
    )
    assert r.status_code == 201
    assert r.json()["granted"] is True
    assert world.client.get(url, headers=world.h("mediator_women")).status_code == 200
    listed = world.client.get("/api/cases", headers=world.h("mediator_women")).json()["items"]
    assert [i["id"] for i in listed] == [case.id]
    detail = world.client.get(url, headers=world.h("org_admin")).json()
    assert detail["handed_to"] == ["women"]
    fired = world.client.post(
        f"{url}/actions/register",
        json={"expected_version": detail["case"]["version"], "data": {}},
        headers=world.h("mediator_women"),
    )
    assert fired.status_code == 200, fired.text
    assert fired.json()["case"]["state"] == "assessment"


def test_transfer_field_hands_the_case_to_the_named_organisation(world: World) -> None:
    case = world.open(
        "mediation",
        MEDIATION_INTAKE,
        org_unit="union",
        steps=[("register", "mediator", {}), ("transfer", "mediator", {"organisation": "women"})],
    )
    assert world.client.get(f"/api/cases/{case.id}", headers=world.h("mediator_women")).is_success


def test_a_grid_case_unsigned_at_the_top_tier_stays_in_the_overdue_list(world: World) -> None:
    case = world.open(
        "grid_escalation",
        by="grid_member",
        grid_unit="g-hp-1-1",
        steps=[("report", "grid_member", {**GRID_REPORT, "severity": "red"})],
    )
    for _ in range(4):  # community → street → district → city; then the city misses it too
        world.advance(timedelta(minutes=11))
        while world.ctx.service.fire_due_timers().claimed:
            pass
    assert world.ctx.service.get_case(case.id).data["tier"] == 4

    def overdue(query: str) -> list[int]:
        r = world.client.get(f"/api/cases?{query}", headers=world.h("supervisor"))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert case.id in overdue("overdue=true")
    assert case.id not in overdue("overdue=false")
    shown = world.client.get(f"/api/cases/{case.id}", headers=world.h("supervisor")).json()
    assert shown["overdue"] is True
