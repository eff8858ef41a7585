"""Personal data: masked in lists and for roles without need; unmasked reads are audited."""

from __future__ import annotations

from tests.api.conftest import MEDIATION_INTAKE, World

PARTY = {
    "party_role": "applicant",
    "name": "王秀英",
    "phone": "13812345678",
    "id_number": "110101196505121234",
    "address": "东城区和平里七区3号楼2单元",
    "sensitive": True,
}


def case_with_party(w: World) -> int:
    case = w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    r = w.client.post(f"/api/cases/{case.id}/parties", json=PARTY, headers=w.h("mediator"))
    assert r.status_code == 201
    assert r.json()["masked"] is True
    return case.id


def test_parties_are_masked_in_case_views(world: World) -> None:
    case_id = case_with_party(world)
    detail = world.client.get(f"/api/cases/{case_id}", headers=world.h("supervisor")).json()
    p = detail["parties"][0]
    assert (p["name"], p["phone"], p["id_number"]) == ("王**", "138****5678", "1101**********1234")
    assert p["address"] == "东城区和平里****"
    listed = world.client.get(f"/api/cases/{case_id}/parties", headers=world.h("mediator")).json()
    assert listed == detail["parties"]
    everything = str(world.client.get("/api/cases", headers=world.h("mediator")).json())
    assert "13812345678" not in everything and "王秀英" not in everything


def test_unmasked_read_needs_a_role_and_a_reason_and_is_audited(world: World) -> None:
    case_id = case_with_party(world)
    url = f"/api/cases/{case_id}/personal-data"
    assert world.client.get(url, headers=world.h("mediator")).status_code == 422  # no reason
    assert (
        world.client.get(url, params={"reason": "核对"}, headers=world.h("supervisor")).status_code
        == 403
    )
    r = world.client.get(url, params={"reason": "电话回访当事人"}, headers=world.h("mediator"))
    assert r.status_code == 200
    party = r.json()["parties"][0]
    assert (party["name"], party["phone"], party["masked"]) == ("王秀英", "13812345678", False)
    audit = world.client.get(f"/api/cases/{case_id}/audit", headers=world.h("org_admin")).json()
    read = audit[0]
    assert (read["username"], read["action"], read["case_id"], read["reason"]) == (
        "mediator",
        "personal_data_read",
        case_id,
        "电话回访当事人",
    )
    assert read["party_id"] == party["id"]
    assert read["at"].startswith("2026-11-23T01:00")
    assert [e["action"] for e in audit] == ["personal_data_read", "party_added"]


def test_personal_workflow_fields_are_masked(world: World) -> None:
    text = world.ctx.registry.latest("labor_dispute").source.replace(
        "  mediator:\n    type: string\n",
        "  mediator:\n    type: string\n    personal: true\n",
        1,
    )
    r = world.client.post(
        "/api/definitions",
        json={
            "source": text,
            "reason": "调解员姓名属个人信息",
            "based_on": world.ctx.registry.latest("labor_dispute").version,
        },
        headers=world.h("admin"),
    )
    assert r.status_code == 201, r.text
    case = world.open("labor_dispute", {"mediator": "李明"}, org_unit="union")
    shown = world.client.get(f"/api/cases/{case.id}", headers=world.h("mediator")).json()
    assert shown["case"]["data"]["mediator"] == "李*"
    assert shown["history"][0]["data"]["mediator"] == "李*"
    revealed = world.client.get(
        f"/api/cases/{case.id}/personal-data",
        params={"reason": "核对"},
        headers=world.h("mediator"),
    ).json()
    assert revealed["personal_fields"] == {"mediator": "李明"}


def test_invalid_party_fields_point_at_the_field(world: World) -> None:
    case = world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    r = world.client.post(
        f"/api/cases/{case.id}/parties",
        json={**PARTY, "phone": "call me"},
        headers=world.h("mediator"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/phone"
