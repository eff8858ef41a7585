"""The definition editor: validate (as you type and on submit), dry run, review."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from engine.casework.context import Casework
from tests.pages.conftest import LoginAs, context_of, template_of


def _editor(client: TestClient, name: str = "grid_escalation") -> dict[str, Any]:
    response = client.get(f"/supervisor/definitions/{name}/edit")
    assert template_of(response) == "supervisor/editor.html"
    page: dict[str, Any] = context_of(response)
    return page


def _submit(client: TestClient, page: dict[str, Any], button: str, **extra: str) -> Any:
    data = {
        "csrf_token": page["csrf_token"],
        "source": page["source"],
        "steps": page["steps"],
        "opening": page["opening"],
        "button": button,
        **extra,
    }
    return client.post(
        f"/supervisor/definitions/{page['name']}/edit", data=data, follow_redirects=False
    )


def test_the_editor_starts_from_the_published_source(login_as: LoginAs, ctx: Casework) -> None:
    page = _editor(login_as("supervisor"))
    assert page["source"] == ctx.registry.latest("grid_escalation").source
    assert page["steps"].startswith("report")  # an example script to dry-run
    assert not page["checked"]


def test_checking_on_submit_points_at_the_line_of_each_error(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    page = _editor(client)
    broken = page["source"].replace("to: closed\n", "to: closd\n", 1)
    line = broken[: broken.index("to: closd")].count("\n") + 1
    response = _submit(client, page, "validate", source=broken)
    assert response.status_code == 422
    result: dict[str, Any] = context_of(response)
    assert not result["ok"] and result["source"] == broken
    [problem] = [p for p in result["problems"] if "closd" in p.message]
    assert problem.line == line
    assert problem.excerpt.strip() == "to: closd"
    assert problem.caret.index("^") == problem.col - 1
    assert "closed" in problem.hint


def test_the_validate_endpoint_answers_json_for_the_script(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    page = _editor(client)
    ok = client.post(
        "/supervisor/definitions/validate",
        data={"csrf_token": page["csrf_token"], "source": page["source"]},
    ).json()
    assert ok["ok"] and ok["problems"] == []
    assert ok["summary"].startswith("校验通过")
    bad = client.post(
        "/supervisor/definitions/validate",
        data={"csrf_token": page["csrf_token"], "source": "name: x\nversion: one\n"},
    ).json()
    assert not bad["ok"]
    assert all({"line", "col", "message", "where"} <= set(p) for p in bad["problems"])
    assert any(p["line"] == 2 for p in bad["problems"])


def test_dry_run_plays_the_draft_in_memory_only(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("supervisor")
    page = _editor(client)
    before = ctx.store.engine.url
    cases_before = ctx.service.get_case(1).version
    response = _submit(client, page, "dry_run")
    assert response.status_code == 200
    result: dict[str, Any] = context_of(response)
    dry = result["dry"]
    assert dry.final_state == "closed" and not dry.failed
    assert [s.action for s in dry.automatic] == ["sign_deadline_missed"]
    assert dry.automatic[0].changes["tier"] == 2
    assert result["steps"] == page["steps"] and result["source"] == page["source"]
    assert ctx.store.engine.url == before and ctx.service.get_case(1).version == cases_before


def test_a_changed_draft_is_reviewed_before_it_is_published(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = _editor(client)
    changed = page["source"].replace("red: 10 minutes", "red: 15 minutes", 1)
    response = _submit(client, page, "review", source=changed)
    assert response.status_code == 200
    assert template_of(response) == "supervisor/review.html"
    review: dict[str, Any] = context_of(response)
    assert (review["base_version"], review["next_version"]) == (2, 3)
    assert review["source"] == changed
    assert ctx.registry.latest("grid_escalation").version == 2  # nothing published yet


def test_the_editor_publishes_nothing_itself(login_as: LoginAs, ctx: Casework) -> None:
    """Publishing goes through the review page: the editor has no publish button, and an
    old form's `publish` is only a check."""
    client = login_as("supervisor")
    page = _editor(client)
    assert 'value="publish"' not in client.get("/supervisor/definitions/mediation/edit").text
    changed = page["source"].replace("red: 10 minutes", "red: 15 minutes", 1)
    response = _submit(client, page, "publish", source=changed)
    assert response.status_code == 200 and template_of(response) == "supervisor/editor.html"
    assert ctx.registry.latest("grid_escalation").version == 2


def test_reviewing_unchanged_content_says_so(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("supervisor")
    page = _editor(client, "mediation")
    review: dict[str, Any] = context_of(_submit(client, page, "review"))
    assert review["unchanged"] and review["base_version"] == 2
    assert ctx.registry.latest("mediation").version == 2


def test_a_draft_with_errors_is_never_reviewed(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("supervisor")
    page = _editor(client)
    response = _submit(client, page, "review", source="name: grid_escalation\n")
    assert response.status_code == 422
    assert template_of(response) == "supervisor/editor.html"
    assert ctx.registry.latest("grid_escalation").version == 2
