"""GET /api/points/ledger, /balances, /ranking; POST /api/points/redemptions, /corrections
(with an Idempotency-Key, a retry is applied once)."""

from __future__ import annotations

from typing import Any

from engine.store.audit import audit_log
from tests.api.conftest import World

WORK: dict[str, Any] = {
    "participant": "夕阳红志愿队",
    "participant_kind": "organisation",
    "activity": "care",
    "activity_date": "2026-11-20",
    "description": "为独居老人上门理发 12 人次",
    "proposed_points": 40,
}


def awarded(w: World) -> int:
    case = w.open(
        "public_points",
        WORK,
        by="grid_member",
        grid_unit="g-hp-1-1",
        steps=[("verify", "handler", {})],
    )
    assert case.state == "awarded"
    return case.id


def test_redeem_down_to_zero_then_refused_and_corrected(any_world: World) -> None:
    w = any_world
    case_id = awarded(w)
    r = w.client.get(
        "/api/points/ledger",
        params={"account_kind": "person", "account": "夕阳红志愿队"},
        headers=w.h("handler"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["balance"] == 40 and body["next_before"] is None
    (entry,) = body["entries"]
    assert (entry["case_id"], entry["action"], entry["category"]) == (case_id, "verify", "care")
    assert entry["reason"] == {"zh": "公益活动换积分", "en": "Points for public-benefit work"}

    redeem = {
        "account": "夕阳红志愿队",
        "amount": 40,
        "partner": "便民家政",
        "note": "家政服务 2 次",
    }
    r = w.client.post("/api/points/redemptions", json=redeem, headers=w.h("grid_member"))
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == -40 and r.json()["partner"] == "便民家政"
    r = w.client.post(
        "/api/points/redemptions", json={**redeem, "amount": 1}, headers=w.h("grid_member")
    )
    assert r.status_code == 422 and r.json()["type"].endswith("insufficient-points")
    assert (r.json()["balance"], r.json()["asked"]) == (0, 1)

    r = w.client.post(
        "/api/points/corrections",
        json={"entry_id": entry["id"], "reason": "重复登记"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 422 and r.json()["type"].endswith("insufficient-points")
    redemption_id = w.client.get("/api/points/ledger", headers=w.h("handler")).json()["entries"][0][
        "id"
    ]
    r = w.client.post(
        "/api/points/corrections",
        json={"entry_id": redemption_id, "reason": "服务未提供，退回积分"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["corrects"] == redemption_id and r.json()["amount"] == 40
    again = w.client.post(
        "/api/points/corrections",
        json={"entry_id": redemption_id, "reason": "again"},
        headers=w.h("supervisor"),
    )
    assert again.status_code == 409
    missing = w.client.post(
        "/api/points/corrections",
        json={"entry_id": 99999, "reason": "x"},
        headers=w.h("supervisor"),
    )
    assert missing.status_code == 404
    balances = w.client.get("/api/points/balances", headers=w.h("org_admin")).json()
    assert balances == [
        {"account_kind": "person", "account": "夕阳红志愿队", "balance": 40, "entries": 3}
    ]


def test_bad_requests_and_roles_write_nothing(any_world: World) -> None:
    w = any_world
    awarded(w)
    for body in (
        {"account": "夕阳红志愿队", "amount": 0, "partner": "p"},
        {"account": "夕阳红志愿队", "amount": 5},
        {"account": "夕阳红志愿队", "amount": 5, "partner": "p", "extra": 1},
        {"account": "夕阳红志愿队", "amount": 5, "partner": "\u0000"},
    ):
        r = w.client.post("/api/points/redemptions", json=body, headers=w.h("handler"))
        assert r.status_code == 422, body
    r = w.client.post(
        "/api/points/redemptions",
        json={"account": "夕阳红志愿队", "amount": 5, "partner": "p"},
        headers=w.h("mediator"),
    )
    assert r.status_code == 403
    assert w.client.get("/api/points/ledger", headers=w.h("mediator")).status_code == 403
    assert (
        w.client.get("/api/points/ranking?quarter=2026Q9", headers=w.h("admin")).status_code == 422
    )
    ledger = w.client.get("/api/points/ledger", headers=w.h("handler")).json()
    assert len(ledger["entries"]) == 1


def audited(w: World) -> list[str]:
    with w.ctx.store.transaction(write=False) as tx:
        return [r.action for r in tx.conn.execute(audit_log.select()) if "points" in r.action]


def test_a_retried_redemption_and_correction_answer_the_first_entry(any_world: World) -> None:
    w = any_world
    awarded(w)  # 40 points
    redeem = {"account": "夕阳红志愿队", "amount": 15, "partner": "便民家政"}
    key = w.h("handler", **{"Idempotency-Key": "form-7"})
    first = w.client.post("/api/points/redemptions", json=redeem, headers=key)
    assert first.status_code == 201, first.text
    again = w.client.post("/api/points/redemptions", json=redeem, headers=key)
    assert (again.status_code, again.json()) == (201, first.json())
    reused = w.client.post("/api/points/redemptions", json={**redeem, "amount": 5}, headers=key)
    assert reused.status_code == 422 and reused.json()["type"].endswith("idempotency-key-reused")
    mine = w.h("grid_member", **{"Idempotency-Key": "form-7"})  # another user's own key
    assert w.client.post("/api/points/redemptions", json=redeem, headers=mine).status_code == 201
    ledger = w.client.get(
        "/api/points/ledger",
        params={"account_kind": "person", "account": "夕阳红志愿队"},
        headers=w.h("handler"),
    ).json()
    assert ledger["balance"] == 10 and len(ledger["entries"]) == 3

    fix = {"entry_id": first.json()["id"], "reason": "服务未提供，退回积分"}
    key = w.h("supervisor", **{"Idempotency-Key": "fix-7"})
    counter = w.client.post("/api/points/corrections", json=fix, headers=key)
    assert counter.status_code == 201, counter.text
    again = w.client.post("/api/points/corrections", json=fix, headers=key)
    assert (again.status_code, again.json()) == (201, counter.json())
    reused = w.client.post(
        "/api/points/corrections", json={**fix, "reason": "另一个理由"}, headers=key
    )
    assert reused.status_code == 422 and reused.json()["type"].endswith("idempotency-key-reused")
    assert audited(w) == ["points_redeemed", "points_redeemed", "points_corrected"]
    too_long = w.h("handler", **{"Idempotency-Key": "k" * 101})
    r = w.client.post("/api/points/redemptions", json=redeem, headers=too_long)
    assert r.status_code == 422
    assert len(w.client.get("/api/points/ledger", headers=w.h("handler")).json()["entries"]) == 4


def test_the_quarterly_ranking_lists_every_organisation(any_world: World) -> None:
    w = any_world
    add = {"item": "publicity", "points": 8, "description": "市级媒体报道 1 篇"}
    deduct = {"item": "funding", "points": 3, "description": "未完成资金争取任务"}
    w.open(
        "quarterly_scoring",
        {"quarter": "2026Q4"},
        by="supervisor",
        org_unit="women",
        steps=[("add_points", "supervisor", add), ("deduct_points", "supervisor", deduct)],
    )
    r = w.client.get("/api/points/ranking", params={"quarter": "2026Q4"}, headers=w.h("org_admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["quarter"] == "2026Q4"
    assert body["items"] == [
        "publicity",
        "activities",
        "hardship_aid",
        "funding",
        "dispute_resolution",
    ]
    first = body["units"][0]
    assert (first["unit"], first["total"], first["rank"]) == ("women", 5, 1)
    assert first["items"]["funding"] == -3 and first["name"]["zh"] == "区妇联"
    assert {u["unit"] for u in body["units"]} >= {"union", "youth", "disabled", "science"}
    assert all(u["rank"] == 2 for u in body["units"][1:])  # the others tie at zero
    book = w.client.get(
        "/api/points/ledger", params={"book": "assessment"}, headers=w.h("supervisor")
    ).json()
    assert [e["amount"] for e in book["entries"]] == [-3, 8]


def test_a_grid_member_records_the_work_and_the_community_verifies_it(any_world: World) -> None:
    w = any_world
    r = w.client.post(
        "/api/cases",
        json={"workflow": "public_points", "data": WORK, "grid_unit": "g-hp-1-1"},
        headers=w.h("grid_member"),
    )
    assert r.status_code == 201, r.text
    case = r.json()["case"]
    # Held at the community tier: the community's handler sees it, another community's not.
    assert w.client.get(f"/api/cases/{case['id']}", headers=w.h("handler_west")).status_code == 404
    r = w.client.post(
        f"/api/cases/{case['id']}/actions/verify",
        json={"expected_version": case["version"], "data": {}},
        headers=w.h("handler"),
    )
    assert r.status_code == 200, r.text
    ledger = w.client.get(
        "/api/points/ledger", params={"case_id": case["id"]}, headers=w.h("handler")
    ).json()
    assert [(e["account"], e["amount"], e["actor"]) for e in ledger["entries"]] == [
        ("夕阳红志愿队", 40, "handler")
    ]
