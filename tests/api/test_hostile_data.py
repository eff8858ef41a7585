"""Hostile case data over HTTP: numbers the stores cannot keep, fields a step does not take.

Each was accepted before: a 4,300-digit counter that stopped every later sweep, NaN and
Infinity that broke SQLite's JSON functions, and fields written through any action (a grid
member handing a case to other organisations, a handler resetting the tier, a mediator
writing the outcome that feeds the rates).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import GRID_REPORT, MEDIATION_INTAKE, World

LABOUR_INTAKE = (
    '{"dispute_type": "wages", "applicant_side": "worker", "application_form": "written",'
    ' "description": "拖欠工资", "mediation_org": "union_workroom", "mediator": "mediator"'
)


def named(response: Any, field: str) -> bool:
    """Whether a 422 problem document points at `field` (or at a value inside it)."""
    body = response.json()
    return any(
        e["pointer"].endswith(f"/{field}") or f"/{field}/" in e["pointer"]
        for e in body.get("errors", [])
    )


def open_raw(w: World, user: str, workflow: str, data_json: str, **extra: str) -> Any:
    rest = "".join(f', "{k}": "{v}"' for k, v in extra.items())
    return w.client.post(
        "/api/cases",
        content=f'{{"workflow": "{workflow}", "data": {data_json}{rest}}}',
        headers=w.h(user, **{"Content-Type": "application/json"}),
    )


def test_a_counter_beyond_64_bits_is_refused_and_deadlines_keep_firing(world: World) -> None:
    huge = "9" * 4300  # the most digits Python's JSON parser reads
    r = open_raw(world, "mediator", "labor_dispute", LABOUR_INTAKE + f', "workers_count": {huge}}}')
    assert r.status_code == 422, r.text
    assert named(r, "workers_count")
    r = open_raw(
        world,
        "grid_member",
        "grid_escalation",
        f'{{"escalation_count": {huge}}}',
        grid_unit="g-hp-1-1",
    )
    assert r.status_code == 422 and named(r, "escalation_count")
    grid = world.client.post("/api/grid-reports", json=GRID_REPORT, headers=world.h("grid_member"))
    assert grid.status_code == 201, grid.text
    world.advance(timedelta(minutes=31))
    report = world.ctx.service.fire_due_timers()
    assert report.fired >= 1 and report.skipped == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_when_parsed(world: World, number: str) -> None:
    r = open_raw(
        world, "mediator", "labor_dispute", LABOUR_INTAKE + f', "claim_amount": {number}}}'
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert named(r, "claim_amount")
    nested = open_raw(
        world,
        "grid_member",
        "grid_escalation",
        f'{{"photos": ["a.jpg", [{number}]]}}',
        grid_unit="g-hp-1-1",
    )
    assert nested.status_code == 422 and named(nested, "photos")
    cases = world.client.get("/api/cases", headers=world.h("mediator"))
    assert cases.status_code == 200 and cases.json()["total"] == 0


def test_opening_takes_only_the_fields_it_declares(world: World) -> None:
    body = {
        "workflow": "grid_escalation",
        "grid_unit": "g-hp-1-1",
        "data": {**GRID_REPORT, "co_handlers": ["women", "youth", "science"], "tier": 3},
    }
    r = world.client.post("/api/cases", json=body, headers=world.h("grid_member"))
    assert r.status_code == 422, r.text
    assert named(r, "co_handlers") and named(r, "tier")
    assert "not accepted by opening a case" in r.json()["detail"]


def test_an_action_cannot_reset_the_tier_or_write_the_outcome(world: World) -> None:
    grid = world.client.post("/api/grid-reports", json=GRID_REPORT, headers=world.h("grid_member"))
    case = grid.json()["case"]
    r = world.client.post(
        f"/api/cases/{case['id']}/actions/sign_for",
        json={"expected_version": case["version"], "data": {"handling_unit": "cm", "tier": 0}},
        headers=world.h("handler"),
    )
    assert r.status_code == 422 and named(r, "tier")
    after = world.client.get(f"/api/cases/{case['id']}", headers=world.h("handler")).json()
    assert after["case"]["version"] == case["version"] and after["case"]["data"]["tier"] == 1

    opened = world.client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": MEDIATION_INTAKE},
        headers=world.h("mediator"),
    )
    mediation = opened.json()["case"]
    r = world.client.post(
        f"/api/cases/{mediation['id']}/actions/register",
        json={"expected_version": 1, "data": {"outcome": "agreement", "satisfaction": 5}},
        headers=world.h("mediator"),
    )
    assert r.status_code == 422 and named(r, "outcome") and named(r, "satisfaction")
