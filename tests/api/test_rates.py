"""Rates over a known set of cases; exclusions by a reviewer with the reason kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.casework.rates import period_label
from engine.model import Actor
from engine.store.rate_facts import add_urges
from tests.api.conftest import MEDIATION_INTAKE, START, World

ASSESS = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
AGREE = {"agreement_form": "oral", "agreement_terms": "分期", "performance_deadline": "2026-12-20"}
TO_MEDIATION = [("register", "mediator", {}), ("start_mediation", "mediator", ASSESS)]
FAIL = [
    ("terminate", "mediator", {"termination_reason": "no_agreement"}),
    ("close_failed", "mediator", {"advised_route": "court", "route_advice": "可向法院起诉"}),
]


def visit(satisfaction: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        *TO_MEDIATION,
        ("reach_agreement", "mediator", AGREE),
        ("decline_confirmation", "mediator", {}),
        (
            "record_visit",
            "mediator",
            {"performance": "performed", "satisfaction": satisfaction, "lingering_risk": False},
        ),
    ]


@pytest.fixture
def cases(world: World) -> dict[str, int]:
    w = world

    def mk(steps: list[tuple[str, str, dict[str, Any]]], org: str = "union") -> int:
        return w.open("mediation", MEDIATION_INTAKE, org_unit=org, steps=steps).id

    ids = {
        "A": mk([("register", "mediator", {})]),
        "B": mk([*visit(5), ("close_case", "mediator", {})]),
        "C": mk([*TO_MEDIATION, *FAIL]),
        "D": mk(TO_MEDIATION),
        "E": mk([("register", "mediator", {})]),
        "F": w.open("labor_dispute", {}, org_unit="union").id,
        "G": mk(visit(2)),
        "H": mk([], org="women"),
    }
    w.advance(timedelta(days=40))
    assert w.ctx.service.fire_due_timers().fired >= 1  # D's one-month period expires
    for action, actor, data in FAIL:
        case = w.ctx.service.get_case(ids["D"])
        w.ctx.service.fire(case.id, action, Actor(actor, "mediator"), data)
    r = w.client.post(
        "/api/rates/exclusions",
        json={"case_id": ids["E"], "reason": "重复诉求，同一事项已在处理"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 201
    return ids


def test_rates_by_organisation(world: World, cases: dict[str, int]) -> None:
    r = world.client.get("/api/rates?group_by=organisation", headers=world.h("supervisor"))
    assert r.status_code == 200
    body = r.json()
    union = next(g for g in body["groups"] if g["key"] == "union")
    assert union["label"] == "区总工会"
    assert union["cases"] == 6  # A B C D F G (E excluded, H is the women's federation's)
    assert union["excluded"] == 1
    assert union["responded_in_time"] == 5  # F was never acted on
    assert union["response_rate"] == pytest.approx(5 / 6, abs=1e-4)
    assert union["resolved"] == 1  # B: closed with an agreement
    assert union["resolution_rate"] == pytest.approx(1 / 6, abs=1e-4)
    assert (union["rated"], union["satisfied"], union["satisfaction_rate"]) == (2, 1, 0.5)
    assert (union["closed"], union["closed_on_time"]) == (3, 2)  # D missed its period
    assert union["on_time_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (union["mediated"], union["agreements"], union["mediation_success_rate"]) == (4, 2, 0.5)
    assert union["avg_close_hours"] == pytest.approx(40 * 24 / 3, abs=0.01)
    women = next(g for g in body["groups"] if g["key"] == "women")
    assert (women["cases"], women["response_rate"], women["on_time_rate"]) == (1, 0.0, None)
    assert body["total"]["cases"] == 7


def test_rates_only_count_what_the_user_sees(world: World, cases: dict[str, int]) -> None:
    body = world.client.get("/api/rates", headers=world.h("org_admin")).json()
    assert body["total"]["cases"] == 6
    assert [g["key"] for g in body["groups"]] == ["all"]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        pytest.param("group_by=category", ["-", "family"], id="category"),
        pytest.param("group_by=workflow", ["labor_dispute", "mediation"], id="workflow"),
        pytest.param("group_by=period&period=month", ["2026-11"], id="month"),
        pytest.param("group_by=period&period=week", ["2026-W48"], id="week"),
        pytest.param("group_by=grid", ["-"], id="grid"),
    ],
)
def test_groupings(world: World, cases: dict[str, int], query: str, keys: list[str]) -> None:
    body = world.client.get(f"/api/rates?{query}", headers=world.h("supervisor")).json()
    assert [g["key"] for g in body["groups"]] == keys


def test_period_filter(world: World, cases: dict[str, int]) -> None:
    later = (START + timedelta(days=1)).isoformat()
    r = world.client.get("/api/rates", params={"from": later}, headers=world.h("supervisor"))
    assert r.json()["total"]["cases"] == 0
    far = world.client.get(
        "/api/rates/trend",
        params={"to": "0001-01-01T00:00:00+00:00"},
        headers=world.h("supervisor"),
    )
    assert far.status_code == 200  # clamped to 1900: twelve months about it, no cases
    assert len(far.json()["groups"]) == 12 and far.json()["total"]["cases"] == 0
    naive = world.client.get(
        "/api/rates", params={"from": "2026-11-01T00:00:00"}, headers=world.h("supervisor")
    )
    assert naive.status_code == 422


def test_exclusion_keeps_the_first_review_and_can_be_undone(
    world: World, cases: dict[str, int]
) -> None:
    h = world.h("supervisor")
    again = world.client.post(
        "/api/rates/exclusions", json={"case_id": cases["E"], "reason": "另一个理由"}, headers=h
    )
    assert again.status_code == 200
    assert again.json()["reason"] == "重复诉求，同一事项已在处理"
    listed = world.client.get("/api/rates/exclusions", headers=h).json()
    assert [(e["case_id"], e["reviewer"]) for e in listed] == [(cases["E"], "supervisor")]
    assert world.client.delete(f"/api/rates/exclusions/{cases['E']}", headers=h).status_code == 204
    assert world.client.get("/api/rates", headers=h).json()["total"]["excluded"] == 0
    audit = world.client.get(f"/api/cases/{cases['E']}/audit", headers=h).json()
    assert [e["action"] for e in audit] == ["rate_included", "rate_excluded"]


def test_period_labels_use_the_local_time_zone() -> None:
    from zoneinfo import ZoneInfo

    late = START.replace(hour=17)  # 01:00 next day in Beijing
    tz = ZoneInfo("Asia/Shanghai")
    assert period_label(late, "day", tz) == "2026-11-24"
    assert period_label(late, "quarter", tz) == "2026-Q4"
    assert period_label(late, "year", tz) == "2026"


def test_groups_ranked_by_a_rate(world: World, cases: dict[str, int]) -> None:
    body = world.client.get(
        "/api/rates?group_by=organisation&rank_by=response", headers=world.h("supervisor")
    ).json()
    assert body["rank_by"] == "response"
    # union: 5 of 6 responded (F never acted on); women: H never acted on.
    assert [(g["rank"], g["key"]) for g in body["groups"]] == [(1, "union"), (2, "women")]
    assert body["groups"][0]["awaiting_response"] == 6


def test_the_monthly_trend_has_twelve_months(world: World, cases: dict[str, int]) -> None:
    r = world.client.get(
        "/api/rates/trend",
        params={"to": "2026-12-01T00:00:00+08:00"},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 200
    body = r.json()
    months = {g["key"]: g for g in body["groups"]}
    assert list(months) == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert months["2026-11"]["cases"] == 7 and months["2026-10"]["cases"] == 0
    assert body["total"]["cases"] == 7


def test_too_many_periods_is_refused(world: World, cases: dict[str, int]) -> None:
    r = world.client.get(
        "/api/rates",
        params={
            "group_by": "period",
            "period": "day",
            "from": "2020-01-01T00:00:00+08:00",
            "to": "2026-12-01T00:00:00+08:00",
        },
        headers=world.h("supervisor"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["detail"] == "at most 400 days"


def test_the_rates_are_documented_in_openapi(world: World) -> None:
    schema = world.client.get("/api/openapi.json").json()
    assert "/api/rates/trend" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/rates"]["get"]["parameters"]}
    assert {"from", "to", "group_by", "rank_by", "period"} <= params


def test_rates_count_the_cases_urged(world: World, cases: dict[str, int]) -> None:
    with world.ctx.store.transaction() as tx:
        add_urges(tx, [cases["A"], cases["A"], cases["B"], cases["E"]])  # E is excluded
    body = world.client.get("/api/rates?group_by=organisation", headers=world.h("supervisor"))
    union = next(g for g in body.json()["groups"] if g["key"] == "union")
    assert union["urged"] == 2  # A (twice) and B; E is not counted
