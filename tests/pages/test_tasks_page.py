"""The case page's tasks: the lead sees every task and may give and close them, a unit its
own with the form to report it done; the forms post through the use cases; Chinese only."""

from __future__ import annotations

from engine.casework.context import Casework
from tests.pages.conftest import LoginAs, context_of, csrf_of
from tests.pages.test_no_english import english_words


def test_the_lead_sees_every_task_and_gives_one(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["meeting:follow_up"]
    client = login_as("supervisor")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    shown = context_of(page)
    assert [t.status for t in shown["tasks"]] == ["open", "done", "open"]
    assert shown["may_add_task"] and all(t.may_close for t in shown["tasks"] if t.status == "open")
    assert "任务分解与落实" in page.text and "已划线" in page.text  # the done task's note
    assert english_words(page.text) == set()
    token = csrf_of(client, f"/cases/{case_id}")
    r = client.post(
        f"/cases/{case_id}/tasks",
        data={"csrf_token": token, "unit": "youth", "title": "组织青年志愿者引导停车", "due": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?task=added#tasks")
    after = client.get(r.headers["location"])
    assert "任务已分解。" in after.text and "组织青年志愿者引导停车" in after.text
    r = client.post(
        f"/cases/{case_id}/tasks",
        data={"csrf_token": token, "unit": "youth", "title": "过去的任务", "due": "2020-01-01"},
    )
    assert r.status_code == 422 and "过去的任务" not in r.text.split("task-list")[-1]
    assert english_words(r.text, data=frozenset({"due"})) == set()


def test_a_unit_reports_its_task_done_and_the_lead_closes_the_last(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["meeting:follow_up"]
    union = login_as("org_admin")
    page = union.get(f"/cases/{case_id}")
    mine = context_of(page)["tasks"]
    assert [t.unit for t in mine] == ["区总工会"] and mine[0].may_complete
    assert not context_of(page)["may_add_task"]
    token = csrf_of(union, f"/cases/{case_id}")
    r = union.post(
        f"/cases/{case_id}/tasks/{mine[0].id}/complete",
        data={"csrf_token": token, "note": "三家企业开放 60 个车位"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    lead = login_as("supervisor")
    tasks = context_of(lead.get(f"/cases/{case_id}"))["tasks"]
    women = next(t for t in tasks if t.status == "open")
    token = csrf_of(lead, f"/cases/{case_id}")
    r = lead.post(
        f"/cases/{case_id}/tasks/{women.id}/close",
        data={"csrf_token": token, "reason": ""},
    )
    assert r.status_code == 422  # a reason is required
    r = lead.post(
        f"/cases/{case_id}/tasks/{women.id}/close",
        data={"csrf_token": token, "reason": "宣传并入社区活动"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert ctx.service.get_case(case_id).state == "concluded"
    final = lead.get(f"/cases/{case_id}")
    assert "宣传并入社区活动" in final.text and "决定全部落实" in final.text
    assert english_words(final.text) == set()
