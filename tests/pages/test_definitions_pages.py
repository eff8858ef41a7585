"""The definitions list and a definition's page with its diagram."""

from __future__ import annotations

from typing import Any

import pytest

from engine.casework.context import Casework
from engine.errors import Problem
from tests.pages.conftest import LoginAs, context_of, template_of


def test_definitions_list(login_as: LoginAs) -> None:
    response = login_as("supervisor").get("/supervisor/definitions")
    assert template_of(response) == "supervisor/definitions.html"
    page: dict[str, Any] = context_of(response)
    names = [d.name for d in page["definitions"]]
    assert names == [
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
    assert page["may_edit"]
    mediation = next(d for d in page["definitions"] if d.name == "mediation")
    latest = mediation.versions[-1]
    assert (mediation.title, mediation.version, mediation.versions) == (
        "人民调解",
        latest,
        [latest],
    )
    assert page["problems"] == []
    assert "definition-problems" not in response.text


def test_the_shipped_files_left_out_are_shown_above_the_list(
    login_as: LoginAs, ctx: Casework
) -> None:
    ctx.definition_problems = (
        Problem(
            "definitions/mediation.yaml",
            18,
            10,
            "version",
            "mediation v2 was published from this file on 2026-11-23 with other content",
            "raise `version` to 3",
        ),
    )
    client = login_as("supervisor")
    zh = client.get("/supervisor/definitions").text
    assert '<div class="error-summary" role="alert" id="definition-problems">' in zh
    assert "本次启动有 1 个流程定义文件的问题" in zh
    assert "<code>definitions/mediation.yaml:18:10</code> <code>version</code>:" in zh
    assert "mediation v2 was published from this file on 2026-11-23 with other content" in zh
    assert "<strong>请把 `version` 提高到 3</strong>" in zh  # the engine's hint, translated
    en = client.get("/supervisor/definitions?lang=en").text
    assert "<strong>raise `version` to 3</strong>" in en
    assert "1 problem(s) in the shipped definition files" in en
    assert "Every other workflow and every published version keep running" in en
    page: dict[str, Any] = context_of(client.get("/supervisor/definitions"))
    assert [d.name for d in page["definitions"]] == [
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


def test_definition_page_draws_the_diagram_locally(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    response = client.get("/supervisor/definitions/grid_escalation?lang=en")
    assert template_of(response) == "supervisor/definition.html"
    page: dict[str, Any] = context_of(response)
    assert page["title"] == "Grid escalation"
    diagram: str = page["diagram"]
    assert diagram.startswith("stateDiagram-v2")
    assert "community_call --> community_call" in diagram
    assert "note " not in diagram  # the timers are listed in their own table
    assert {t.name for t in page["timers"]} >= {"sign_for_deadline", "handling_deadline"}
    assert {a.action for a in page["actions"]} >= {"report", "sign_for", "verify_ok"}
    assert "/static/vendor/mermaid.min.js" in response.text


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/supervisor/definitions", id="list"),
        pytest.param("/supervisor/definitions/mediation", id="definition"),
        pytest.param("/supervisor/definitions/mediation/edit", id="editor"),
        pytest.param("/supervisor/overdue", id="overdue"),
        pytest.param("/supervisor/rates", id="rates"),
    ],
)
def test_supervision_pages_are_not_for_mediators(login_as: LoginAs, path: str) -> None:
    response = login_as("mediator").get(path)
    assert response.status_code == 403
    assert template_of(response) == "errors/error.html"


def test_organisation_admins_read_but_do_not_edit(login_as: LoginAs) -> None:
    client = login_as("org_admin")
    assert context_of(client.get("/supervisor/definitions"))["may_edit"] is False
    assert client.get("/supervisor/definitions/mediation/edit").status_code == 403


def test_an_unknown_workflow_is_not_found(login_as: LoginAs) -> None:
    response = login_as("supervisor").get("/supervisor/definitions/nope")
    assert response.status_code == 404


def test_a_definition_page_shows_case_level_and_recurring_timers(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    zh = client.get("/supervisor/definitions/project_supervision").text
    assert "全案（各环节）" in zh
    assert "每半个月（每月15日和月末）; 自项目开始日期起; 至计划完成日期止; 到达期终评审即止" in zh
    en = client.get("/supervisor/definitions/project_supervision?lang=en").text
    assert "every half month (the 15th and the month&#39;s end); from Start date" in en
