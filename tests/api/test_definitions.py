"""Definitions: list, read, diagram, validate a draft, publish a new version."""

from __future__ import annotations

from tests.api.conftest import MEDIATION_INTAKE, World


def source(w: World, name: str = "mediation") -> str:
    return w.ctx.registry.latest(name).source


def test_list_and_get(world: World) -> None:
    listed = world.client.get("/api/definitions", headers=world.h("mediator")).json()
    assert [d["name"] for d in listed] == ["grid_escalation", "labor_dispute", "mediation"]
    d = world.client.get("/api/definitions/mediation", headers=world.h("mediator")).json()
    assert d["version"] == 1
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
    assert ok == {"ok": True, "name": "mediation", "version": 1, "problems": []}


def test_publish_a_changed_definition_makes_a_new_version(world: World) -> None:
    old_case = world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    r = world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": 1},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2
    assert r.json()["created"] is True
    assert world.ctx.registry.latest("mediation").version == 2
    assert "version: 2" in world.ctx.registry.latest("mediation").source
    again = world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": 2},
        headers=world.h("supervisor"),
    )
    assert again.status_code == 200
    assert again.json()["version"] == 2
    assert again.json()["created"] is False
    new = world.client.post(
        "/api/cases", json={"workflow": "mediation", "data": {}}, headers=world.h("mediator")
    ).json()["case"]
    assert new["workflow_version"] == 2
    running = world.client.get(f"/api/cases/{old_case.id}", headers=world.h("mediator")).json()
    assert running["case"]["workflow_version"] == 1  # stays on its version
    listed = world.client.get("/api/definitions", headers=world.h("mediator")).json()
    assert next(d for d in listed if d["name"] == "mediation")["versions"] == [1, 2]


def test_publish_survives_a_restart(world: World) -> None:
    from fengqiao.context import build

    changed = source(world).replace("after: 1 month", "after: 20 days", 1)
    world.client.post(
        "/api/definitions",
        json={"source": changed, "reason": "调解期限改为 20 天", "based_on": 1},
        headers=world.h("admin"),
    )
    again = build(world.settings, world.clock)
    try:
        assert again.cw.registry.latest("mediation").version == 2
    finally:
        again.close()


def test_publish_a_new_workflow_starts_at_version_1(world: World) -> None:
    text = source(world, "labor_dispute").replace("name: labor_dispute", "name: labour_pilot", 1)
    text = text.replace("version: 1", "version: 7", 1)
    r = world.client.post(
        "/api/definitions",
        json={"source": text, "reason": "劳动争议试点", "based_on": 0},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 201
    assert (r.json()["name"], r.json()["version"]) == ("labour_pilot", 1)


def test_publish_an_invalid_draft_is_422_with_lines(world: World) -> None:
    broken = source(world).replace("initial: intake", "initial: intak", 1)
    r = world.client.post(
        "/api/definitions",
        json={"source": broken, "reason": "改初始状态", "based_on": 1},
        headers=world.h("supervisor"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/invalid-definition"
    assert body["problems"][0]["line"] >= 1
    assert world.ctx.registry.latest("mediation").version == 1
