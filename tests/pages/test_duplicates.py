"""Duplicate suggestions on the grid report and intake forms, and merging and splitting on
the case page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from engine.casework.context import Casework
from tests.pages.conftest import LoginAs, context_of, csrf_of
from tests.pages.test_no_english import english_words

REPORT = {
    "grid_unit": "g-hp-1-2",
    "f_category": "sanitation",
    "f_severity": "blue",
    "f_location": "二号楼北侧",
    "f_description": "二号楼北侧垃圾堆放三天未清运",
    "lat": "39.961200",
    "lng": "116.417300",
}


def _post(client: TestClient, **fields: str) -> Any:
    token = csrf_of(client, "/grid/report")
    data = {"csrf_token": token, **REPORT, **fields}
    return client.post("/grid/report", data=data, follow_redirects=False)


def test_the_report_form_checks_for_duplicates_before_sending(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("grid_member")
    none = _post(client, check="1")
    assert none.status_code == 200 and context_of(none)["duplicates"] == []
    assert "没有发现疑似重复" in none.text
    sent = _post(client)
    assert sent.status_code == 303
    first = int(sent.headers["location"].split("sent=")[1])
    assert ctx.service.get_case(first).data["description"] == REPORT["f_description"]
    checked = _post(client, check="1", lat="39.961300", lng="116.417400")
    page = context_of(checked)
    assert [d.case_id for d in page["duplicates"]] == [first]
    assert page["widgets"][3].value == REPORT["f_description"]  # the form keeps what was typed
    assert "相距约" in checked.text and "描述相似度" in checked.text
    assert english_words(checked.text) == set()
    assert _post(client, lat="39.9", lng="").status_code == 422  # half a point


def test_the_intake_form_checks_by_the_caller_too(login_as: LoginAs) -> None:
    client = login_as("mediator")
    token = csrf_of(client, "/workroom/new?workflow=mediation")
    base = {
        "csrf_token": token,
        "workflow": "mediation",
        "f_category": "neighbour",
        "f_source": "walk_in",
        "f_description": "楼上漏水",
        "f_notice_given": "on",
        "party_party_role": "applicant",
        "party_name": "张三",
        "party_phone": "13912345678",
    }
    opened = client.post("/workroom/new", data=base, follow_redirects=False)
    assert opened.status_code == 303
    case_id = int(opened.headers["location"].split("/cases/")[1].split("?")[0])
    probe = {**base, "f_description": "装修噪音", "party_phone": "+86 139 1234 5678"}
    checked = client.post("/workroom/new", data={**probe, "check": "1"})
    found = context_of(checked)["duplicates"]
    assert [d.case_id for d in found] == [case_id] and "同一来电号码" in found[0].reasons


def test_merge_and_split_on_the_case_page(login_as: LoginAs, ctx: Casework) -> None:
    grid = login_as("grid_member")
    first = int(_post(grid).headers["location"].split("sent=")[1])
    second = int(_post(grid, lat="39.961250").headers["location"].split("sent=")[1])
    boss = login_as("supervisor")
    page = boss.get(f"/cases/{second}")
    assert [d.case_id for d in context_of(page)["duplicates"]] == [first]
    assert f"将本案并入 #{first}" in page.text and english_words(page.text) == set()
    token = context_of(page)["csrf_token"]
    merged = boss.post(
        f"/cases/{second}/merge",
        data={"csrf_token": token, "into": str(first)},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    after = boss.get(merged.headers["location"])
    assert "已合并，已通知上报人" in after.text and f"作为重复事件并入 #{first}" in after.text
    assert context_of(after)["merged_into"] == first and context_of(after)["forms"] == []
    assert english_words(after.text) == set()
    kept = boss.get(f"/cases/{first}")
    assert f"并入重复事件 #{second}" in kept.text
    bad = boss.post(f"/cases/{first}/merge", data={"csrf_token": token, "into": "abc"})
    assert bad.status_code == 422
    split = boss.post(f"/cases/{second}/split", data={"csrf_token": token}, follow_redirects=False)
    assert split.status_code == 303
    assert ctx.service.get_case(second).closed_at is None
    assert "已拆分" in boss.get(split.headers["location"]).text
