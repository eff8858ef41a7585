"""The case page: facts, parties, history, deadlines, action forms; firing and its errors."""

from __future__ import annotations

from typing import Any

from api.pages.forms import action_fields
from engine.casework.cases import open_case
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.publishing import publish
from engine.external import ExternalRef
from engine.model import Actor
from engine.store import audit
from engine.visibility import Visibility
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

MEDIATOR = Actor("mediator", "mediator")
SUPERVISOR = User(0, "supervisor", "supervisor", "supervisor", None, [], scope=Visibility(True))


def page_of(response: Any, template: str = "workroom/case.html") -> dict[str, Any]:
    assert template_of(response) == template, response.text
    return context_of(response)


def test_case_page_shows_the_actions_this_user_may_take(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    page = page_of(login_as("mediator").get(f"/cases/{case_id}"))
    case = ctx.service.get_case(case_id)
    definition = ctx.service.definition_of(case)
    assert page["case"].id == case_id and page["state_label"] == "调解协商"
    allowed = [o.transition.action for o in ctx.service.allowed_actions(case, MEDIATOR)]
    assert [f.action for f in page["forms"]] == allowed
    for form in page["forms"]:
        transition = definition.transition(case.state, form.action)
        assert transition is not None
        expected = [name for name, _ in action_fields(definition, transition)]
        assert [w.name for w in form.widgets] == expected
    agreement = next(f for f in page["forms"] if f.action == "reach_agreement")
    kinds = {w.name: w.kind for w in agreement.widgets}
    assert kinds == {
        "agreement_form": "select",
        "agreement_terms": "textarea",
        "performance_deadline": "date",
    }
    form_select = agreement.widgets[0]
    assert [(o.value, o.label) for o in form_select.options] == [
        ("written", "书面调解协议"),
        ("oral", "口头协议"),
    ]
    assert {t.name for t in page["timers"]} == {"mediation_period"}
    assert [e.seq for e in page["timeline"]] == sorted(
        (e.seq for e in page["timeline"]), reverse=True
    )


def test_parties_are_masked_and_an_unmasked_read_is_audited(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    page = page_of(client.get(f"/cases/{case_id}"))
    assert not page["revealed"] and page["may_reveal"]
    applicant = page["parties"][0]
    assert (applicant.name, applicant.phone) == ("王**", "138****5678")
    token = page["csrf_token"]
    shown = page_of(
        client.post(
            f"/cases/{case_id}/parties/reveal", data={"csrf_token": token, "reason": "电话回访"}
        )
    )
    assert shown["revealed"]
    assert (shown["parties"][0].name, shown["parties"][0].phone) == ("王秀英", "13812345678")
    with ctx.store.transaction(write=False) as tx:
        entries = audit.entries(tx, case_ids=[case_id])
    reads = [e for e in entries if e.action == "personal_data_read"]
    assert {(e.username, e.reason) for e in reads} == {("mediator", "电话回访")}
    assert len(reads) == len(shown["parties"])


def test_unmasking_needs_a_reason_and_a_role_that_may(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    token = csrf_of(client, f"/cases/{case_id}")
    no_reason = client.post(f"/cases/{case_id}/parties/reveal", data={"csrf_token": token})
    assert no_reason.status_code == 422
    assert page_of(no_reason)["page_errors"]
    grid_case = demo_cases["grid:handling"]
    handler = login_as("handler")
    token = csrf_of(handler, f"/cases/{grid_case}")
    refused = handler.post(
        f"/cases/{grid_case}/parties/reveal", data={"csrf_token": token, "reason": "想看"}
    )
    assert refused.status_code == 403
    page_of(refused, "errors/error.html")


def test_adding_a_party_keeps_it_apart_and_masked(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    token = csrf_of(client, f"/cases/{case_id}")
    response = client.post(
        f"/cases/{case_id}/parties",
        data={
            "csrf_token": token,
            "party_role": "respondent",
            "name": "钱多多",
            "phone": "13500001234",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = page_of(client.get(f"/cases/{case_id}"))
    assert ("钱**", "135****1234") in {(p.name, p.phone) for p in page["parties"]}
    assert "钱多多" not in str(ctx.service.get_case(case_id).data)


def test_firing_an_action_redirects_back_with_a_note(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    page = page_of(client.get(f"/cases/{case_id}"))
    version = page["case"].version
    response = client.post(
        f"/cases/{case_id}/act",
        data={
            "csrf_token": page["csrf_token"],
            "action": "record_session",
            "version": str(version),
            "idem": page["idem"],
            "f_session_mode": "private",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}?done=record_session"
    after = page_of(client.get(response.headers["location"]))
    assert after["flash"] == "已办理：记录调解会谈"
    assert ctx.service.get_case(case_id).version == version + 1


def _post(client: Any, case_id: int, page: dict[str, Any], action: str, **fields: str) -> Any:
    data = {
        "csrf_token": page["csrf_token"],
        "action": action,
        "version": str(page["case"].version),
        "idem": page["idem"],
    }
    data.update({f"f_{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case_id}/act", data=data, follow_redirects=False)


def test_a_wrong_value_shows_the_form_again_with_what_was_typed(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    page = page_of(client.get(f"/cases/{case_id}"))
    response = _post(
        client,
        case_id,
        page,
        "reach_agreement",
        agreement_form="written",
        agreement_terms="分两期付清",
        performance_deadline="next week",
    )
    assert response.status_code == 422
    again = page_of(response)
    form = next(f for f in again["forms"] if f.action == "reach_agreement")
    assert form.open
    widgets = {w.name: w for w in form.widgets}
    assert widgets["performance_deadline"].error == "请输入日期（年-月-日）"
    assert widgets["performance_deadline"].value == "next week"
    assert widgets["agreement_terms"].value == "分两期付清"


def test_a_failed_guard_says_why_in_the_users_language(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:intake"]
    client = login_as("mediator_women")
    client.cookies.set("lang", "en")
    page = page_of(client.get(f"/cases/{case_id}"))
    register = next(f for f in page["forms"] if f.action == "register")
    prefilled = {w.name: w.value for w in register.widgets}
    assert prefilled["category"] == "family"  # the form starts from the case's data
    response = _post(client, case_id, page, "register", **{**prefilled, "notice_given": "false"})
    assert response.status_code == 422
    form = next(f for f in page_of(response)["forms"] if f.action == "register")
    assert form.errors["_guard"].startswith("Explain the parties' rights and duties first")


def test_a_stale_version_shows_the_new_state_and_keeps_what_was_typed(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    page = page_of(client.get(f"/cases/{case_id}"))
    # Someone else records a session meanwhile.
    ctx.service.fire(
        case_id, "record_session", Actor("org_admin", "org_admin"), {"session_mode": "public"}
    )
    response = _post(
        client,
        case_id,
        page,
        "reach_agreement",
        agreement_form="oral",
        agreement_terms="当场赔偿500元",
        performance_deadline="2026-11-30",
    )
    assert response.status_code == 409
    conflict = page_of(response, "errors/conflict.html")
    assert conflict["case"].version == page["case"].version + 1
    assert conflict["last_actor"] == "org_admin"
    assert ("协议内容", "当场赔偿500元") in conflict["typed_rows"]
    assert ("协议形式", "口头协议") in conflict["typed_rows"]
    retry = conflict["retry"]
    assert retry is not None and retry.action == "reach_agreement"
    assert {w.name: w.value for w in retry.widgets}["agreement_terms"] == "当场赔偿500元"


def test_a_stale_form_whose_action_is_gone_says_so(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    page = page_of(client.get(f"/cases/{case_id}"))
    ctx.service.fire(
        case_id,
        "terminate",
        Actor("org_admin", "org_admin"),
        {"termination_reason": "party_withdrew"},
    )
    response = _post(client, case_id, page, "record_session", session_mode="private")
    assert response.status_code == 409
    conflict = page_of(response, "errors/conflict.html")
    assert conflict["retry"] is None and conflict["state_label"] == "调解不成"


def test_a_missing_form_token_is_refused_and_what_was_typed_is_offered_again(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    client = login_as("mediator")
    response = client.post(
        f"/cases/{case_id}/act", data={"action": "record_session", "f_session_mode": "private"}
    )
    assert response.status_code == 403
    page = page_of(response, "errors/error.html")
    assert ("f_session_mode", "private") in page["values"]
    assert page["action"] == f"/cases/{case_id}/act"
    assert page["csrf_token"]


def test_a_case_of_another_organisation_is_not_found(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    response = login_as("mediator").get(f"/cases/{demo_cases['mediation:intake']}")
    assert response.status_code == 404
    assert page_of(response, "errors/error.html")["message"] == "找不到该页面或案件，或您无权查看。"


def test_a_malformed_case_number_is_a_not_found_page(login_as: LoginAs) -> None:
    response = login_as("mediator").get("/cases/abc")
    assert response.status_code == 404
    assert template_of(response) == "errors/error.html"


def test_a_running_case_shows_its_workflow_version_and_a_newer_one(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:mediation"]
    source = ctx.registry.latest("mediation").source
    publish(
        ctx,
        SUPERVISOR,
        source.replace("after: 7 days", "after: 10 days", 1),
        reason="回访期限延长",
        based_on=2,
    )
    response = login_as("org_admin").get(f"/cases/{case_id}")
    version = page_of(response)["workflow_version"]
    assert (version.version, version.newer) == (2, 3)
    assert '<a href="/supervisor/definitions/mediation?version=2">v2</a>' in response.text
    assert "已有新版本 v3" in response.text
    # A mediator may not read definitions: the version is shown, not linked.
    shown = login_as("mediator").get(f"/cases/{case_id}")
    assert page_of(shown)["workflow_version"].link == ""
    assert "/supervisor/definitions/" not in shown.text and "v2" in shown.text


def test_a_projects_page_shows_its_case_level_recurring_deadlines_with_their_reasons(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["project_supervision:rectifying"]
    page = page_of(login_as("supervisor").get(f"/cases/{case_id}"))
    reasons = {t.name: t.reason for t in page["timers"]}
    assert reasons == {
        "progress_report": "每半个月一报",
        "half_year_summary": "每半年进行一次总结",
        "rectification_deadline": "逾期未整改",
    }


def test_case_page_shows_the_source_and_its_ticket(login_as: LoginAs, ctx: Casework) -> None:
    mediator = User(0, "mediator", "mediator", "mediator", "union", [], scope=Visibility(True))
    data = {"category": "family", "source": "walk_in", "description": "噪音", "notice_given": True}
    opened = open_case(ctx, mediator, "mediation", data, external=ExternalRef("12345", "GD-9"))
    response = login_as("mediator").get(f"/cases/{opened.case.id}")
    assert page_of(response)["external"] == ExternalRef("12345", "GD-9")
    assert "12345 · 工单号 GD-9" in response.text
