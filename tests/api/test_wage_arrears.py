"""The wage arrears blacklist over HTTP: a listing decided through the API puts the employer
on the list, and a new project opened through the API for it has `employer_listed` filled
and starts only with a wage prepayment (422 guard-failed otherwise); the field is never
taken from input."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import World

EMPLOYER = "91511700MA62000001"


def post(w: World, who: str, path: str, body: dict[str, Any]) -> Any:
    return w.client.post(path, json=body, headers=w.h(who))


def step(w: World, who: str, case: dict[str, Any], action: str, data: dict[str, Any]) -> Any:
    r = post(
        w,
        who,
        f"/api/cases/{case['id']}/actions/{action}",
        {"expected_version": case["version"], "data": data},
    )
    assert r.status_code == 200, r.text
    return r.json()["case"]


def open_project(w: World, **extra: Any) -> Any:
    data = {
        "employer_code": EMPLOYER,
        "project_name": "安置房三期",
        "workers_count": 20,
        "start_date": "2026-11-23",
        **extra,
    }
    return post(w, "handler", "/api/cases", {"workflow": "wage_monitoring", "data": data})


def test_a_listed_employers_project_opened_over_http_needs_a_prepayment(world: World) -> None:
    w = world
    r = post(
        w,
        "handler",
        "/api/cases",
        {
            "workflow": "wage_blacklist",
            "data": {
                "employer_code": EMPLOYER,
                "grounds": "amount_threshold",
                "payment_deadline": "2026-11-20",
            },
        },
    )
    assert r.status_code == 201, r.text
    listing = r.json()["case"]
    listing = step(
        w,
        "handler",
        listing,
        "serve_notice",
        {"notice_served_on": "2026-11-23", "notice_note": "告知"},
    )
    listing = step(w, "handler", listing, "file_objection", {"objection": "资金困难"})
    listing = step(w, "handler", listing, "reject_objection", {"objection_review": "不成立"})
    listing = step(
        w,
        "supervisor",
        listing,
        "decide_listing",
        {"decision_note": "列入决定书", "listed_on": "2026-11-23"},
    )
    assert listing["data"]["blacklisted"] is True

    r = open_project(w)
    assert r.status_code == 201, r.text
    project = r.json()["case"]
    assert project["data"]["employer_listed"] is True
    refused = post(
        w,
        "handler",
        f"/api/cases/{project['id']}/actions/start_monitoring",
        {"expected_version": project["version"], "data": {}},
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/guard-failed"
    started = step(
        w,
        "handler",
        project,
        "start_monitoring",
        {"wage_guarantee": "prepayment", "guarantee_amount": 120000},
    )
    assert started["state"] == "monitoring"


def test_the_listing_is_not_taken_from_the_request(world: World) -> None:
    r = open_project(world, employer_listed=False)
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/invalid-data"
