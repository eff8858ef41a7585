"""Reviewed exclusions on the supervisor's pages: excluded with a reason, kept out of the rates,
audited, counted again; bad input re-shown with what was typed; other roles refused."""

from __future__ import annotations

from typing import Any

from engine.casework.context import Casework
from engine.store import audit
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

PATH = "/supervisor/rates/exclusions"


def _union_cases(login_as: LoginAs) -> int:
    page: dict[str, Any] = context_of(
        login_as("supervisor").get("/supervisor/rates?by=organisation&workflow=mediation")
    )
    return int(next(line.cases for line in page["lines"] if line.key == "union"))


def test_a_supervisor_excludes_a_request_and_counts_it_again(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:closed"]
    before = _union_cases(login_as)
    client = login_as("supervisor")
    token = csrf_of(client, PATH)
    reason = "同一诉求重复提交，已在其他案件办理"
    sent = client.post(
        PATH,
        data={"csrf_token": token, "case_id": str(case_id), "reason": reason},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{PATH}?done={case_id}"

    listed = client.get(f"{PATH}?done={case_id}")
    assert template_of(listed) == "supervisor/exclusions.html"
    lines = context_of(listed)["lines"]
    assert [(e.case_id, e.reason, e.reviewer) for e in lines] == [(case_id, reason, "supervisor")]
    assert f"案件 #{case_id} 已排除" in listed.text
    assert _union_cases(login_as) == before - 1
    with ctx.store.transaction(write=False) as tx:
        entries = audit.entries(tx, case_ids=[case_id], limit=10)
    assert any(e.action == "rate_excluded" and e.reason == reason for e in entries)

    again = client.post(
        PATH,
        data={"csrf_token": token, "case_id": str(case_id), "reason": "另一个理由"},
        follow_redirects=False,
    )
    assert again.headers["location"] == f"{PATH}?already={case_id}"
    assert context_of(client.get(PATH))["lines"][0].reason == reason  # the first review stays

    back = client.post(
        f"{PATH}/{case_id}/include", data={"csrf_token": token}, follow_redirects=False
    )
    assert back.status_code == 303
    assert context_of(client.get(PATH))["lines"] == []
    assert _union_cases(login_as) == before


def test_bad_input_is_shown_again_with_what_was_typed(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    token = csrf_of(client, PATH)
    no_reason = client.post(PATH, data={"csrf_token": token, "case_id": "3", "reason": " "})
    assert no_reason.status_code == 422
    assert context_of(no_reason)["case_id"] == "3"
    assert "请写明排除理由" in no_reason.text

    typed = "这段理由不应丢失"
    unknown = client.post(PATH, data={"csrf_token": token, "case_id": "99999", "reason": typed})
    assert unknown.status_code == 404
    assert typed in unknown.text and 'value="99999"' in unknown.text


def test_who_may_see_and_who_may_review(login_as: LoginAs, demo_cases: dict[str, int]) -> None:
    org_admin = login_as("org_admin")
    page = org_admin.get(PATH)
    assert page.status_code == 200 and context_of(page)["may_review"] is False
    assert 'action="/supervisor/rates/exclusions"' not in page.text
    token = csrf_of(org_admin, PATH)
    refused = org_admin.post(
        PATH,
        data={"csrf_token": token, "case_id": str(demo_cases["mediation:closed"]), "reason": "xx"},
    )
    assert refused.status_code == 403
    assert login_as("mediator").get(PATH).status_code == 403
