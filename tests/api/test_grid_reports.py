"""Grid reports: intake by a grid member, and who sees the case as it climbs the tiers."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import GRID_REPORT, World


def report(w: World, **extra: object) -> dict[str, object]:
    body = {**GRID_REPORT, "photos": ["upload/2026/11/23/a.jpg"], **extra}
    r = w.client.post("/api/grid-reports", json=body, headers=w.h("grid_member"))
    assert r.status_code == 201, r.text
    result: dict[str, object] = r.json()
    return result


def visible(w: World, user: str, case_id: int) -> bool:
    return w.client.get(f"/api/cases/{case_id}", headers=w.h(user)).status_code == 200


def test_report_opens_a_grid_case_and_calls_the_community(any_world: World) -> None:
    w = any_world
    body = report(w)
    case = body["case"]
    assert isinstance(case, dict)
    assert case["state"] == "community_call"
    assert case["grid_unit"] == "g-hp-1-1"
    assert case["data"]["tier"] == 1
    assert case["data"]["photos"] == ["upload/2026/11/23/a.jpg"]
    assert visible(w, "handler", case["id"])  # the community (tier 1)
    assert not visible(w, "street_handler", case["id"])  # the street (tier 2): not yet
    assert not visible(w, "mediator", case["id"])


def test_fixed_on_the_spot_closes_at_once(world: World) -> None:
    case = report(world, fixed_on_spot=True)["case"]
    assert isinstance(case, dict)
    assert case["state"] == "closed"
    assert not visible(world, "handler", case["id"])  # never left the grid


def test_a_missed_sign_for_deadline_hands_the_case_to_the_street(world: World) -> None:
    case = report(world, severity="red")["case"]
    assert isinstance(case, dict)
    world.advance(timedelta(minutes=11))  # red: sign for within 10 minutes
    world.ctx.service.fire_due_timers()
    detail = world.client.get(f"/api/cases/{case['id']}", headers=world.h("street_handler"))
    assert detail.status_code == 200
    body = detail.json()
    assert body["case"]["data"]["tier"] == 2
    assert body["history"][-1]["action"] == "sign_deadline_missed"
    assert body["history"][-1]["role"] == "system"
    assert visible(world, "handler", case["id"])  # the community keeps seeing it
    assert visible(world, "grid_member", case["id"])
    assert not visible(world, "handler_west", case["id"])


def test_reporter_is_kept_as_personal_data_and_can_stay_anonymous(world: World) -> None:
    case = report(
        world,
        reporter={
            "party_role": "reporter",
            "name": "张大爷",
            "phone": "13811112222",
            "anonymous": True,
        },
    )["case"]
    assert isinstance(case, dict)
    assert "张大爷" not in str(case)
    parties = world.client.get(
        f"/api/cases/{case['id']}/parties", headers=world.h("handler")
    ).json()
    assert parties[0]["name"] == "匿名"
    assert parties[0]["phone"] is None  # fully hidden from the handling unit, last digits too


def test_report_retry_with_the_same_key_opens_one_case(world: World) -> None:
    h = world.h("grid_member", **{"Idempotency-Key": "phone-42"})
    first = world.client.post("/api/grid-reports", json=GRID_REPORT, headers=h)
    retry = world.client.post("/api/grid-reports", json=GRID_REPORT, headers=h)
    assert first.status_code == retry.status_code == 201
    assert first.json()["case"]["id"] == retry.json()["case"]["id"]
    assert retry.json()["replayed"] is True
    listed = world.client.get("/api/cases", headers=world.h("grid_member")).json()
    assert listed["total"] == 1


def test_bad_category_points_at_the_field(world: World) -> None:
    r = world.client.post(
        "/api/grid-reports",
        json={**GRID_REPORT, "category": "garbage"},
        headers=world.h("grid_member"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/category"
    assert world.client.get("/api/cases", headers=world.h("grid_member")).json()["total"] == 0


def test_another_grid_is_403(world: World) -> None:
    r = world.client.post(
        "/api/grid-reports",
        json={**GRID_REPORT, "grid_unit": "g-hp-2-1"},
        headers=world.h("grid_member"),
    )
    assert r.status_code == 403
