"""The intake form of a new case."""

from __future__ import annotations

from typing import Any

from engine.casework.context import Casework
from engine.store.parties import parties_of
from tests.pages.conftest import LoginAs, context_of, template_of


def test_intake_asks_the_fields_of_the_first_step(login_as: LoginAs) -> None:
    response = login_as("mediator").get("/workroom/new")
    assert template_of(response) == "workroom/intake.html"
    page: dict[str, Any] = context_of(response)
    assert page["workflow"] == "mediation"
    widgets = {w.name: (w.kind, w.required) for w in page["widgets"]}
    assert widgets == {
        "category": ("select", True),
        "source": ("select", True),
        "description": ("textarea", True),
        "notice_given": ("bool", True),
        "refused": ("bool", False),
    }
    assert "labor_dispute" in {name for name, _ in page["workflows"]}
    assert "grid_escalation" not in {name for name, _ in page["workflows"]}


def test_intake_opens_the_case_with_its_party_kept_apart(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("mediator")
    page = context_of(client.get("/workroom/new"))
    response = client.post(
        "/workroom/new",
        data={
            "csrf_token": page["csrf_token"],
            "workflow": "mediation",
            "idem": page["idem"],
            "f_category": "neighbour",
            "f_source": "hotline",
            "f_description": "楼上漏水，邻里争执",
            "f_notice_given": "true",
            "party_name": "孙小红",
            "party_phone": "13900001111",
            "party_party_role": "applicant",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    case_id = int(response.headers["location"].split("/")[2].split("?")[0])
    case = ctx.service.get_case(case_id)
    assert (case.state, case.org_unit, case.opened_by) == ("intake", "union", "mediator")
    assert case.data["category"] == "neighbour" and case.data["mediator"] == "mediator"
    with ctx.store.transaction(write=False) as tx:
        parties = parties_of(tx, ctx.sealer, case_id)
    assert [p.name for p in parties] == ["孙小红"]
    assert "孙小红" not in str(case.data)


def test_intake_errors_keep_what_was_typed(login_as: LoginAs) -> None:
    client = login_as("mediator")
    page = context_of(client.get("/workroom/new"))
    response = client.post(
        "/workroom/new",
        data={
            "csrf_token": page["csrf_token"],
            "workflow": "mediation",
            "f_category": "neighbour",
            "f_description": "楼上漏水",
            "party_name": "孙小红",
        },
    )
    assert response.status_code == 422
    again: dict[str, Any] = context_of(response)
    assert set(again["errors"]) == {"source", "notice_given"}
    assert {w.name: w.value for w in again["widgets"]}["description"] == "楼上漏水"
    assert again["party"]["name"] == "孙小红"


def test_a_grid_member_records_public_benefit_work_in_their_grid(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("grid_member")
    page = context_of(client.get("/workroom/new"))
    # Not the grid report (its own form), not the workroom's workflows: the points' only.
    assert [name for name, _ in page["workflows"]] == ["public_points"]
    response = client.post(
        "/workroom/new",
        data={
            "csrf_token": page["csrf_token"],
            "workflow": "public_points",
            "f_participant": "李建国",
            "f_activity": "public_benefit",
            "f_activity_date": "2026-11-21",
            "f_proposed_points": "10",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    case_id = int(response.headers["location"].split("/")[2].split("?")[0])
    case = ctx.service.get_case(case_id)
    assert (case.workflow, case.grid_unit, case.data["participant"]) == (
        "public_points",
        "g-hp-1-1",
        "李建国",
    )


def test_a_handler_may_not_open_the_workrooms_workflows(login_as: LoginAs) -> None:
    page = context_of(login_as("handler").get("/workroom/new"))
    # The community's own work, never a workroom's mediation or labour dispute.
    assert [name for name, _ in page["workflows"]] == [
        "deliberation",
        "public_points",
        "wage_blacklist",
        "wage_monitoring",
    ]
