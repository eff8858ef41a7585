"""Tasks within a case over HTTP: a meeting's decisions given, assigned, completed, closed;
the meeting concludes; each unit sees its own task; refusals as problems."""

from __future__ import annotations

from tests.api.conftest import World


def _meeting(w: World) -> int:
    case = w.open(
        "joint_meeting",
        {"topic": "群团议题", "meeting_date": "2026-12-01T09:00:00+08:00"},
        by="supervisor",
        org_unit="d-east",
    )
    c = w.client
    r = c.post(
        f"/api/cases/{case.id}/actions/convene",
        json={
            "expected_version": case.version,
            "data": {"chair_unit": "women", "co_handlers": ["union", "women"]},
        },
        headers=w.h("supervisor"),
    )
    assert r.status_code == 200, r.text
    r = c.post(
        f"/api/cases/{case.id}/actions/record_minutes",
        json={"expected_version": r.json()["case"]["version"], "data": {"minutes": "纪要"}},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 200, r.text
    return case.id


def test_decisions_over_http(world: World) -> None:
    w, c = world, world.client
    case_id = _meeting(w)
    r = c.post(
        f"/api/cases/{case_id}/tasks",
        json={"unit": "union", "title": "工会落实", "due": "5 working days"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 201, r.text
    union_task = r.json()
    assert union_task["status"] == "open" and union_task["current"]
    r = c.post(
        f"/api/cases/{case_id}/tasks",
        json={"unit": "women", "title": "妇联落实"},
        headers=w.h("supervisor"),
    )
    women_task = r.json()
    # The union's workroom head sees its own task only; the supervisor both.
    mine = c.get(f"/api/cases/{case_id}/tasks", headers=w.h("org_admin")).json()
    assert [t["id"] for t in mine["tasks"]] == [union_task["id"]] and not mine["may_add"]
    every = c.get(f"/api/cases/{case_id}/tasks", headers=w.h("supervisor")).json()
    assert len(every["tasks"]) == 2 and every["may_add"] and every["may_close"]
    r = c.post(
        f"/api/cases/{case_id}/tasks/{union_task['id']}/assignment",
        json={"assignee": "mediator"},
        headers=w.h("org_admin"),
    )
    assert r.status_code == 200 and r.json()["assignee"] == "mediator"
    r = c.post(
        f"/api/cases/{case_id}/tasks/{women_task['id']}/completion",
        json={"note": "不是我的"},
        headers=w.h("org_admin"),
    )
    assert r.status_code == 404  # another unit's task is not seen
    r = c.post(
        f"/api/cases/{case_id}/tasks/{union_task['id']}/completion",
        json={"note": "已完成"},
        headers=w.h("mediator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done" and r.json()["note"] == "已完成"
    r = c.post(
        f"/api/cases/{case_id}/tasks/{women_task['id']}/closure",
        json={"reason": "并入下次会议"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    case = c.get(f"/api/cases/{case_id}", headers=w.h("supervisor")).json()
    assert case["case"]["state"] == "concluded"
    r = c.post(
        f"/api/cases/{case_id}/tasks/{women_task['id']}/closure",
        json={"reason": "again"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/task-finished"


def test_refusals_are_problems(world: World) -> None:
    w, c = world, world.client
    case_id = _meeting(w)
    r = c.post(
        f"/api/cases/{case_id}/tasks",
        json={"unit": "union", "title": "x", "due": "yesterday"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 422 and r.json()["type"] == "/problems/validation"
    r = c.post(
        f"/api/cases/{case_id}/tasks",
        json={"unit": "nowhere", "title": "x"},
        headers=w.h("supervisor"),
    )
    assert r.status_code == 422
    r = c.post(
        f"/api/cases/{case_id}/tasks",
        json={"unit": "union", "title": "x"},
        headers=w.h("org_admin"),
    )
    assert r.status_code == 403
    r = c.get(f"/api/cases/{case_id}/tasks", headers=w.h("grid_member"))
    assert r.status_code == 404
    assert c.get(f"/api/cases/{case_id}/tasks", headers=w.h("supervisor")).json()["tasks"] == []
