"""Definitions: list, read, diagram, validate and review a draft, publish a new version with a
reason, history, differences, timer changes."""

from __future__ import annotations

from typing import Any

from engine.casework.publishing import with_version
from tests.api.conftest import MEDIATION_INTAKE, World


def source(w: World, name: str = "mediation") -> str:
    return w.ctx.registry.latest(name).source


def latest(w: World, name: str = "mediation") -> int:
    return w.ctx.registry.latest(name).version


def test_list_and_get(world: World) -> None:
    listed = world.client.get("/api/definitions", headers=world.h("mediator")).json()
    assert [d["name"] for d in listed] == [
        "deliberation",
        "grid_escalation",
        "joint_meeting",
        "labor_dispute",
        "mediation",
        "project_supervision",
        "public_points",
        "quarterly_scoring",
        "wage_blacklist",
        "wage_monitoring",
    ]
    d = world.client.get("/api/definitions/mediation", headers=world.h("mediator")).json()
    assert d["version"] == latest(world)
    assert d["initial"] == "intake"
    assert d["title"] == {"zh": "人民调解", "en": "People's mediation"}
    states = {s["name"]: s for s in d["states"]}
    assert states["mediation"]["timers"][0]["after"].startswith("1 month")
    assert any(t["action"] == "register" and t["requires"] for t in d["transitions"])
    assert d["source"] == source(world)
    grid = world.client.get("/api/definitions/grid_escalation", headers=world.h("mediator")).json()
    assert [t["name"] for t in grid["tiers"]] == ["grid", "community", "street", "district", "city"]


def test_unknown_definition_is_404(world: World) -> None:
    r = world.client.get("/api/definitions/nope", headers=world.h("mediator"))
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/unknown-workflow"


def test_diagram_is_mermaid(world: World) -> None:
    r = world.client.get("/api/definitions/mediation/diagram?lang=en", headers=world.h("mediator"))
    body = r.json()
    assert body["mermaid"].startswith("stateDiagram-v2")
    assert "Intake" in body["mermaid"]


def test_validate_reports_line_and_column(world: World) -> None:
    broken = source(world).replace("to: assessment", "to: asessment", 1)
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "to: asessment" in t)
    r = world.client.post(
        "/api/definitions/validate", json={"source": broken}, headers=world.h("supervisor")
    )
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    problem = body["problems"][0]
    assert problem["line"] == line
    assert problem["col"] > 1
    assert "assessment" in problem["hint"]
    ok = world.client.post(
        "/api/definitions/validate", json={"source": source(world)}, headers=world.h("supervisor")
    ).json()
    assert ok == {"ok": True, "name": "mediation", "version": latest(world), "problems": []}


def test_publish_a_changed_definition_makes_a_new_version(world: World) -> None:
    was = latest(world)
    old_case = world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    r = world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": was},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == was + 1
    assert r.json()["created"] is True
    assert latest(world) == was + 1
    assert f"version: {was + 1}" in world.ctx.registry.latest("mediation").source
    again = world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": was + 1},
        headers=world.h("supervisor"),
    )
    assert again.status_code == 200
    assert again.json()["version"] == was + 1
    assert again.json()["created"] is False
    new = world.client.post(
        "/api/cases", json={"workflow": "mediation", "data": {}}, headers=world.h("mediator")
    ).json()["case"]
    assert new["workflow_version"] == was + 1
    running = world.client.get(f"/api/cases/{old_case.id}", headers=world.h("mediator")).json()
    assert running["case"]["workflow_version"] == was  # stays on its version
    listed = world.client.get("/api/definitions", headers=world.h("mediator")).json()
    assert next(d for d in listed if d["name"] == "mediation")["versions"] == [was, was + 1]


def test_publish_survives_a_restart(world: World) -> None:
    from fengqiao.context import build

    was = latest(world)
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": was},
        headers=world.h("admin"),
    )
    again = build(world.settings, world.clock)
    try:
        assert again.cw.registry.latest("mediation").version == was + 1
    finally:
        again.close()


def test_publish_a_new_workflow_starts_at_version_1(world: World) -> None:
    text = source(world, "labor_dispute").replace("name: labor_dispute", "name: labour_pilot", 1)
    text = with_version(text, 7)
    r = world.client.post(
        "/api/definitions",
        json={"source": text, "reason": "劳动争议试点", "based_on": 0},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 201
    assert (r.json()["name"], r.json()["version"]) == ("labour_pilot", 1)


def test_publish_an_invalid_draft_is_422_with_lines(world: World) -> None:
    was = latest(world)
    broken = source(world).replace("initial: intake", "initial: intak", 1)
    r = world.client.post(
        "/api/definitions",
        json={"source": broken, "reason": "改初始状态", "based_on": was},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/invalid-definition"
    assert body["problems"][0]["line"] >= 1
    assert latest(world) == was


# -- reviewed publishing ------------------------------------------------------------------------

TIMER = "/api/definitions/mediation/timers/mediation/mediation_period/draft"


def publish(
    w: World, text: str, based_on: int, reason: str = "依新规定调整", who: str = "supervisor"
) -> Any:
    return w.client.post(
        "/api/definitions",
        json={"source": text, "reason": reason, "based_on": based_on},
        headers=w.h(who),
    )


def test_review_a_draft(world: World) -> None:
    world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    r = world.client.post(
        "/api/definitions/review", json={"source": changed}, headers=world.h("supervisor")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["name"] == "mediation"
    assert (body["base_version"], body["based_on"], body["next_version"]) == (2, 2, 3)
    assert body["unchanged"] is False
    assert body["open_cases"] == {"2": 1}
    assert body["changes"] == [
        {
            "kind": "timer",
            "op": "changed",
            "name": "mediation_period",
            "state": "mediation",
            "zh": "定时器 mediation_period 的期限从 1 个月改为 20 天",
            "en": "timer mediation_period: duration 1 month → 20 days",
        }
    ]
    assert body["problems"] == [] and body["source"] == changed
    assert world.ctx.registry.latest("mediation").version == 2  # nothing stored


def test_review_a_broken_draft_lists_its_problems(world: World) -> None:
    broken = source(world).replace("initial: intake", "initial: intak", 1)
    body = world.client.post(
        "/api/definitions/review", json={"source": broken}, headers=world.h("supervisor")
    ).json()
    assert body["ok"] is False and body["next_version"] is None and body["changes"] == []
    assert body["problems"][0]["line"] >= 1


def test_publish_needs_a_reason_and_the_reviewed_version(world: World) -> None:
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    for body in (
        {"source": changed, "based_on": 2},
        {"source": changed, "reason": "x"},
        {"source": changed, "reason": "", "based_on": 2},
        {"source": changed, "reason": "长" * 501, "based_on": 2},
    ):
        r = world.client.post("/api/definitions", json=body, headers=world.h("supervisor"))
        assert r.status_code == 422, body
        assert r.json()["type"] == "/problems/validation"
    blank = publish(world, changed, 2, reason="   ")
    assert blank.status_code == 422
    assert blank.json()["errors"] == [{"pointer": "#/reason", "detail": "1 to 500 characters"}]
    assert world.ctx.registry.latest("mediation").version == 2


def test_a_stale_draft_is_409_and_publishes_nothing(world: World) -> None:
    mine = source(world).replace("after: 1 month", "after: 20 days", 1)
    theirs = source(world).replace("after: 1 month", "after: 10 days", 1)
    assert publish(world, theirs, 2, who="admin").status_code == 201
    r = publish(world, mine, 2)
    assert r.status_code == 409
    body = r.json()
    assert body["type"] == "/problems/conflict"
    assert (body["workflow"], body["based_on"], body["current_version"]) == ("mediation", 2, 3)
    assert "after: 10 days" in world.ctx.registry.latest("mediation").source


def test_history_and_diff_between_versions(world: World) -> None:
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    assert publish(world, changed, 2, reason="依新规缩短").status_code == 201
    history = world.client.get(
        "/api/definitions/mediation/history", headers=world.h("org_admin")
    ).json()
    assert [(v["version"], v["published_by"], v["reason"]) for v in history] == [
        (3, "supervisor", "依新规缩短"),
        (2, "shipped", ""),
    ]
    assert [c["en"] for c in history[0]["changes"]] == [
        "timer mediation_period: duration 1 month → 20 days"
    ]
    assert history[1]["changes"][0]["op"] == "added"  # the first version: all new
    d = world.client.get(
        "/api/definitions/mediation/diff?from=3&to=2", headers=world.h("supervisor")
    ).json()
    assert (d["from_version"], d["to_version"]) == (3, 2)
    assert [c["zh"] for c in d["changes"]] == ["定时器 mediation_period 的期限从 20 天改为 1 个月"]
    missing = world.client.get(
        "/api/definitions/mediation/diff?from=2&to=9", headers=world.h("supervisor")
    )
    assert missing.status_code == 404
    assert (
        world.client.get("/api/definitions/nope/history", headers=world.h("supervisor")).status_code
        == 404
    )


def test_a_diagram_marked_with_the_changes(world: World) -> None:
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    assert publish(world, changed, 2).status_code == 201
    r = world.client.get(
        "/api/definitions/mediation/diagram?version=3&compare_to=2&lang=en",
        headers=world.h("supervisor"),
    ).json()
    assert (r["version"], r["compare_to"]) == (3, 2)
    assert "    class mediation changed" in r["mermaid"].splitlines()
    assert "✎ ⏱ mediation_period 20 days" in r["mermaid"]
    plain = world.client.get(
        "/api/definitions/mediation/diagram?version=3", headers=world.h("mediator")
    ).json()
    assert plain["compare_to"] is None and "classDef" not in plain["mermaid"]


def test_a_timer_change_without_yaml(world: World) -> None:
    r = world.client.post(
        TIMER,
        json={"after": "25 working days", "remind_at": 0.5, "notify": ["mediator", "org_admin"]},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_version"] == 3 and body["based_on"] == 2
    assert {c["name"] for c in body["changes"]} == {"mediation_period"}
    assert "定时器 mediation_period 的期限从 1 个月改为 25 个工作日" in [
        c["zh"] for c in body["changes"]
    ]
    assert world.ctx.registry.latest("mediation").version == 2  # only a draft
    done = publish(world, body["source"], body["based_on"], reason="延长调解期")
    assert done.status_code == 201 and done.json()["version"] == 3
    timer = world.ctx.registry.latest("mediation").states["mediation"].timers[0]
    assert (str(timer.after.duration), timer.remind_at) == ("25 working days", 0.5)


def test_a_bad_timer_change(world: World) -> None:
    bad = world.client.post(TIMER, json={"after": "soon"}, headers=world.h("supervisor"))
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/invalid-definition"
    [problem] = bad.json()["problems"]
    assert problem["key"] == "states.mediation.timers[0].after" and problem["line"] > 1
    unknown = world.client.post(
        "/api/definitions/mediation/timers/mediation/nope/draft",
        json={"after": "1 day"},
        headers=world.h("supervisor"),
    )
    assert unknown.status_code == 404
    assert (unknown.json()["state"], unknown.json()["timer"]) == ("mediation", "nope")
    share = world.client.post(TIMER, json={"remind_at": 1.5}, headers=world.h("supervisor"))
    assert share.status_code == 422
    refused = world.client.post(TIMER, json={"after": "1 day"}, headers=world.h("mediator"))
    assert refused.status_code == 403


def test_the_new_endpoints_are_documented(world: World) -> None:
    doc = world.client.get("/api/openapi.json").json()
    paths = doc["paths"]
    for path, method in [
        ("/api/definitions/review", "post"),
        ("/api/definitions/{name}/history", "get"),
        ("/api/definitions/{name}/diff", "get"),
        ("/api/definitions/{name}/timers/{state}/{timer}/draft", "post"),
    ]:
        assert method in paths[path], path
    publish_op = paths["/api/definitions"]["post"]
    assert "409" in publish_op["responses"]
    schema = doc["components"]["schemas"]["PublishIn"]
    assert {"reason", "based_on", "source"} <= set(schema["required"])
