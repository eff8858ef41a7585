"""The unit tree's pages and the grid members' page: forms with CSRF, refusals shown on the
form, a retire refused listing the cases to hand over, who may."""

from __future__ import annotations

from typing import Any

from engine.casework.context import Casework
from engine.model import Actor
from engine.store import audit
from engine.store.units import get_unit
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "邻里纠纷",
    "notice_given": True,
}


def test_an_admin_sees_the_tree_and_creates_a_unit(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("admin")
    page = client.get("/admin/units")
    assert page.status_code == 200 and template_of(page) == "admin/units.html"
    assert "组织架构" in page.text and "和平里一社区" in page.text
    token = csrf_of(client, "/admin/units")
    sent = client.post(
        "/admin/units",
        data={
            "csrf_token": token,
            "code": "cm-hp-3",
            "name_zh": "和平里三社区",
            "name_en": "",
            "kind": "community",
            "parent": "s-heping",
        },
        follow_redirects=False,
    )
    assert (
        sent.status_code == 303 and sent.headers["location"] == "/admin/units/cm-hp-3?done=created"
    )
    shown = client.get(sent.headers["location"])
    assert "单位已建立" in shown.text and "和平里三社区" in shown.text
    with ctx.store.transaction(write=False) as tx:
        assert get_unit(tx, "cm-hp-3") is not None
        assert any(e.action == "unit_created" for e in audit.entries(tx, limit=50))


def test_a_unit_that_cannot_sit_there_is_shown_on_the_form(login_as: LoginAs) -> None:
    client = login_as("admin")
    token = csrf_of(client, "/admin/units")
    sent = client.post(
        "/admin/units",
        data={
            "csrf_token": token,
            "code": "g-new",
            "name_zh": "新网格",
            "kind": "grid",
            "parent": "s-heping",
        },
    )
    assert sent.status_code == 422
    assert "a grid cannot sit under a street" in sent.text
    assert 'value="g-new"' in sent.text  # what was typed stays


def test_rename_move_merge_from_the_unit_page(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("admin")
    token = csrf_of(client, "/admin/units/cm-hp-2")
    r = client.post(
        "/admin/units/cm-hp-2/rename",
        data={"csrf_token": token, "name_zh": "和平里第二社区", "name_en": "Hepingli 2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/admin/units/cm-hp-2/move",
        data={"csrf_token": token, "parent": "s-qingnian"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/admin/units/cm-hp-2")
    assert "和平里第二社区" in page.text and "青年路街道" in page.text
    r = client.post("/admin/units/cm-hp-2/move", data={"csrf_token": token, "parent": "g-hp-1-1"})
    assert r.status_code == 422 and "cannot sit under a grid" in r.text
    r = client.post(
        "/admin/units/cm-hp-2/merge",
        data={"csrf_token": token, "into": "cm-hp-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/units/cm-hp-1?done=merge"
    with ctx.store.transaction(write=False) as tx:
        assert get_unit(tx, "cm-hp-2").retired  # type: ignore[union-attr]
        assert get_unit(tx, "g-hp-2-1").parent == "cm-hp-1"  # type: ignore[union-attr]


def test_a_refused_retire_links_the_cases_to_hand_over(login_as: LoginAs, ctx: Casework) -> None:
    case = ctx.service.open_case(
        "mediation", Actor("mediator_science", "mediator"), INTAKE, org_unit="science"
    ).case
    client = login_as("admin")
    token = csrf_of(client, "/admin/units/science")
    r = client.post("/admin/units/science/retire", data={"csrf_token": token})
    assert r.status_code == 409
    assert "不能撤销" in r.text
    assert f'href="/cases/{case.id}#handover"' in r.text
    assert "mediator_science" in r.text
    page: dict[str, Any] = context_of(r)
    assert case.id in page["in_use"].cases


def test_a_workroom_head_sees_its_organisation_only(login_as: LoginAs) -> None:
    client = login_as("org_admin")
    page = client.get("/admin/units")
    codes = [line.unit.code for line in context_of(page)["lines"]]
    assert codes == ["union"]
    assert client.get("/admin/units/women").status_code == 403
    assert login_as("mediator").get("/admin/units").status_code == 403


def test_a_form_without_its_csrf_token_is_refused(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("admin")
    r = client.post("/admin/units/cm-hp-1/rename", data={"name_zh": "改名"})
    assert r.status_code == 403
    with ctx.store.transaction(write=False) as tx:
        assert get_unit(tx, "cm-hp-1").name_zh == "和平里一社区"  # type: ignore[union-attr]


def test_a_supervisor_gives_grids_and_hands_a_leaving_members_over(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = client.get("/admin/grids")
    assert page.status_code == 200 and "网格员与网格" in page.text
    token = csrf_of(client, "/admin/grids")
    r = client.post(
        "/admin/grids/assign",
        data={"csrf_token": token, "username": "grid_member", "grid": "g-hp-2-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    members = {m.username: m for m in context_of(client.get("/admin/grids"))["members"]}
    assert "g-hp-2-1" in members["grid_member"].grid_units
    r = client.post(
        "/admin/grids/unassign",
        data={"csrf_token": token, "username": "grid_member", "grid": "g-hp-2-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/admin/grids/assign",
        data={"csrf_token": token, "username": "mediator", "grid": "g-hp-2-1"},
    )
    assert r.status_code == 422 and "not a grid member" in r.text
    r = client.post(
        "/admin/grids/redraw",
        data={"csrf_token": token, "source": "g-hp-1-2", "target": "g-hp-1-1", "cases": "x"},
    )
    assert r.status_code == 422
    assert login_as("mediator").get("/admin/grids").status_code == 403


def test_the_cases_a_retire_lists_are_handed_over_from_their_page(
    login_as: LoginAs, ctx: Casework
) -> None:
    case = ctx.service.open_case(
        "mediation", Actor("mediator_science", "mediator"), INTAKE, org_unit="science"
    ).case
    client = login_as("admin")
    page = client.get(f"/cases/{case.id}")
    assert 'id="handover-form"' in page.text
    token = csrf_of(client, f"/cases/{case.id}")
    r = client.post(f"/cases/{case.id}/handover", data={"csrf_token": token, "unit": "union"})
    assert r.status_code == 422 and "请填写移交理由" in r.text
    r = client.post(
        f"/cases/{case.id}/handover",
        data={"csrf_token": token, "unit": "union", "reason": "科协调解室撤销，交工会办理"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "案件已移交 union" in client.get(r.headers["location"]).text
    r = client.post("/admin/units/science/retire", data={"csrf_token": token})
    assert r.status_code == 409  # the science mediator is still a user of it
    assert f"/cases/{case.id}#handover" not in r.text and "mediator_science" in r.text
