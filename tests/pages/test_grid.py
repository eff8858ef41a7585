"""The grid member's pages: the report form with a photo, my reports, verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from engine.casework.context import Casework
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 64


def _report(client: TestClient, photo: tuple[str, bytes, str] | None = None, **fields: str) -> Any:
    token = csrf_of(client, "/grid/report")
    data = {
        "csrf_token": token,
        "grid_unit": "g-hp-1-2",
        "f_category": "sanitation",
        "f_severity": "blue",
        "f_location": "二号楼北侧",
        "f_description": "垃圾堆放三天未清运",
        **fields,
    }
    files = {"photo": photo} if photo else None
    return client.post("/grid/report", data=data, files=files, follow_redirects=False)


def test_report_form(login_as: LoginAs) -> None:
    response = login_as("grid_member").get("/grid/report")
    assert template_of(response) == "grid/report.html"
    page: dict[str, Any] = context_of(response)
    assert [code for code, _ in page["grids"]] == ["g-hp-1-1", "g-hp-1-2"]
    assert [(w.name, w.kind) for w in page["widgets"]] == [
        ("category", "select"),
        ("severity", "select"),
        ("location", "text"),
        ("description", "textarea"),
    ]


def test_a_report_with_a_photo_calls_the_community(
    login_as: LoginAs, ctx: Casework, tmp_path: Path
) -> None:
    client = login_as("grid_member")
    response = _report(client, ("bin.png", PNG, "image/png"))
    assert response.status_code == 303
    case_id = int(response.headers["location"].split("sent=")[1])
    case = ctx.service.get_case(case_id)
    assert (case.state, case.grid_unit, case.data["tier"]) == ("community_call", "g-hp-1-2", 1)
    [reference] = case.data["photos"]
    name = reference.removeprefix("uploads/")
    assert (tmp_path / "uploads" / name).read_bytes() == PNG
    photo = client.get(f"/cases/{case_id}/photos/{name}")
    assert photo.status_code == 200 and photo.content == PNG
    assert client.get(f"/cases/{case_id}/photos/other.png").status_code == 404
    mine = client.get(response.headers["location"])
    assert template_of(mine) == "grid/mine.html"
    page: dict[str, Any] = context_of(mine)
    assert page["flash"] == f"已上报，案件编号 #{case_id}。"
    card = next(c for c in page["cases"] if c.id == case_id)
    assert (card.state_label, card.tier) == ("呼叫待签收", "1 · 社区（村）")


def test_a_file_that_is_not_a_photo_is_refused(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("grid_member")
    response = _report(client, ("x.pdf", b"%PDF-1.4 not a photo", "application/pdf"))
    assert response.status_code == 422
    page: dict[str, Any] = context_of(response)
    assert page["errors"]["_photo"] == "请上传 JPEG、PNG 或 WebP 图片。"
    assert {w.name: w.value for w in page["widgets"]}["location"] == "二号楼北侧"


def test_a_report_in_someone_elses_grid_is_refused(login_as: LoginAs) -> None:
    response = _report(login_as("grid_member"), grid_unit="g-qn-1-1")
    assert response.status_code == 422
    assert "_grid" in context_of(response)["errors"]


def test_my_reports_lists_the_cases_waiting_for_my_check(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    response = login_as("grid_member").get("/grid/reports")
    page: dict[str, Any] = context_of(response)
    assert demo_cases["grid:verification"] in {c.id for c in page["to_verify"]}
    assert {c.id for c in page["to_verify"]} <= {c.id for c in page["cases"]}


def test_the_verification_step_on_the_case_page(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["grid:verification"]
    response = login_as("grid_member").get(f"/cases/{case_id}")
    page: dict[str, Any] = context_of(response)
    assert page["mobile"]
    forms = {f.action: [w.name for w in f.widgets] for f in page["forms"]}
    assert forms == {"verify_ok": ["rating"], "verify_fail": ["verify_fail_reason"]}
    rating = page["forms"][0].widgets[0]
    assert (rating.kind, rating.min, rating.max) == ("number", "1", "5")


def test_only_grid_members_report(login_as: LoginAs) -> None:
    response = login_as("mediator").get("/grid/report")
    assert response.status_code == 403


def test_an_issue_fixed_on_the_spot_is_closed_at_once(login_as: LoginAs, ctx: Casework) -> None:
    response = _report(login_as("grid_member"), fixed_on_spot="1")
    case = ctx.service.get_case(int(response.headers["location"].split("sent=")[1]))
    assert (case.state, case.data["fixed_on_spot"]) == ("closed", True)
