"""The unit administration over HTTP: the tree, changes, refusals as problems, and the next
request seeing a change (the unit and scope caches refreshed)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api import units as units_cache
from api.app import create_app
from tests.api.conftest import MEDIATION_INTAKE, World


def test_an_admin_creates_renames_and_moves_units(any_world: World) -> None:
    w = any_world
    c, h = w.client, w.h("admin")
    r = c.post(
        "/api/admin/units",
        json={
            "code": "cm-hp-3",
            "name_zh": "和平里三社区",
            "kind": "community",
            "parent": "s-heping",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["name_en"] == "和平里三社区"
    r = c.post(
        "/api/admin/units/cm-hp-3/rename",
        json={"name_zh": "和平里三社区", "name_en": "Hepingli Community 3"},
        headers=h,
    )
    assert r.json()["name_en"] == "Hepingli Community 3"
    r = c.post("/api/admin/units/cm-hp-3/move", json={"parent": "s-qingnian"}, headers=h)
    assert r.json()["parent"] == "s-qingnian"
    units = {u["code"]: u for u in c.get("/api/units", headers=h).json()}
    assert units["cm-hp-3"]["parent"] == "s-qingnian"  # the directory sees it at once
    tree = c.get("/api/admin/units", headers=h).json()
    assert any(u["code"] == "cm-hp-3" and u["depth"] == 3 for u in tree)


def test_refusals_are_problems(world: World) -> None:
    c, h = world.client, world.h("admin")
    r = c.post("/api/admin/units/cm-hp-1/move", json={"parent": "d-east"}, headers=h)
    assert r.status_code == 422 and r.json()["type"] == "/problems/unit-placement"
    r = c.post("/api/admin/units/s-heping/move", json={"parent": "cm-hp-1"}, headers=h)
    assert r.status_code == 422 and "cycle" in r.json()["detail"]
    r = c.post(
        "/api/admin/units",
        json={"code": "g-hp-1-1", "name_zh": "重复", "kind": "grid", "parent": "cm-hp-1"},
        headers=h,
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/unit-exists"
    r = c.post("/api/admin/units/union/retire", headers=h)
    assert r.status_code == 409
    body = r.json()
    assert body["type"] == "/problems/unit-in-use" and "mediator" in body["users"]
    r = c.post(
        "/api/admin/units/union/rename", json={"name_zh": "工会"}, headers=world.h("mediator")
    )
    assert r.status_code == 403
    r = c.post(
        "/api/admin/units/women/rename", json={"name_zh": "妇联"}, headers=world.h("org_admin")
    )
    assert r.status_code == 403
    r = c.get("/api/admin/units/nowhere", headers=h)
    assert r.status_code == 422 and r.json()["type"] == "/problems/unknown-unit"


def test_after_a_merge_the_next_request_sees_the_new_tree(any_world: World) -> None:
    w = any_world
    c = w.client
    case = w.open("mediation", MEDIATION_INTAKE, by="mediator_women", org_unit="women")
    listed = c.get("/api/cases", headers=w.h("mediator"), params={"open_only": "true"}).json()
    assert case.id not in [i["id"] for i in listed["items"]]  # the union's mediator
    r = c.post("/api/admin/units/women/merge", json={"into": "union"}, headers=w.h("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["cases"] == [case.id] and "mediator_women" in r.json()["users"]
    listed = c.get("/api/cases", headers=w.h("mediator"), params={"open_only": "true"}).json()
    assert case.id in [i["id"] for i in listed["items"]]
    detail = c.get("/api/admin/units/women", headers=w.h("admin")).json()
    assert detail["unit"]["retired_at"] is not None and detail["members"] == []
    # The women's mediator is now a union mediator: the next request sees the union's cases.
    mine = c.get(f"/api/cases/{case.id}", headers=w.h("mediator_women"))
    assert mine.status_code == 200


def test_a_workroom_head_adds_a_workroom_to_its_organisation(world: World) -> None:
    c = world.client
    r = c.post(
        "/api/admin/units",
        json={
            "code": "union-wr1",
            "name_zh": "工会第一调解室",
            "kind": "workroom",
            "parent": "union",
        },
        headers=world.h("org_admin"),
    )
    assert r.status_code == 201, r.text
    tree = c.get("/api/admin/units", headers=world.h("org_admin")).json()
    assert [u["code"] for u in tree] == ["union", "union-wr1"]


def test_grid_members_get_grids_and_hand_them_over(any_world: World) -> None:
    w = any_world
    c, h = w.client, w.h("supervisor")
    report = c.post(
        "/api/grid-reports",
        json={
            "grid_unit": "g-hp-1-1",
            "location": "3号楼",
            "category": "sanitation",
            "severity": "yellow",
            "description": "垃圾满溢",
        },
        headers=w.h("grid_member"),
    )
    assert report.status_code == 201, report.text
    case_id = report.json()["case"]["id"]
    r = c.post("/api/grid-members/grid_member_west/grids", json={"grids": ["g-hp-2-1"]}, headers=h)
    assert r.json()["grid_units"] == ["g-w-1-1", "g-hp-2-1"]
    r = c.post("/api/grid-members/grid_member/grids", json={"grids": ["g-w-1-1"]}, headers=h)
    assert r.status_code == 403  # a grid of the west district: not this supervisor's
    r = c.post("/api/grid-members/grid_member/handover", json={"to": "grid_member_west"}, headers=h)
    assert r.status_code == 200, r.text
    assert case_id in r.json()["cases"]
    seen = c.get(f"/api/cases/{case_id}", headers=w.h("grid_member_west"))
    assert seen.status_code == 200  # the next request sees the new grids
    assert c.get(f"/api/cases/{case_id}", headers=w.h("grid_member")).status_code == 404
    r = c.delete("/api/grid-members/grid_member_west/grids/g-hp-1-1", headers=h)
    assert "g-hp-1-1" not in r.json()["grid_units"]


def test_another_process_sees_a_change_within_the_reload_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second app on the same database (another server process) keeps its tree for at most
    RELOAD_AFTER_S, then sees the change."""
    other = TestClient(create_app(world.ctx, uploads_dir=world.settings.uploads_dir))
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    with other:
        h = world.h("admin")
        before = {u["code"]: u["parent"] for u in other.get("/api/units", headers=h).json()}
        assert before["cm-hp-2"] == "s-heping"
        r = world.client.post(
            "/api/admin/units/cm-hp-2/move", json={"parent": "s-qingnian"}, headers=h
        )
        assert r.status_code == 200
        now[0] += units_cache.RELOAD_AFTER_S - 1
        still = {u["code"]: u["parent"] for u in other.get("/api/units", headers=h).json()}
        assert still["cm-hp-2"] == "s-heping"
        now[0] += 2
        after = {u["code"]: u["parent"] for u in other.get("/api/units", headers=h).json()}
        assert after["cm-hp-2"] == "s-qingnian"
