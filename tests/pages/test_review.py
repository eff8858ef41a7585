"""Reviewing a draft before publishing it, publishing with a reason, a stale draft, the
version history, and changing a deadline from a definition page without writing YAML."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.publishing import publish
from engine.durations import Duration
from engine.store.tables import CaseRow
from engine.visibility import Visibility
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

SUPERVISOR = User(0, "supervisor", "supervisor", "supervisor", None, [], scope=Visibility(True))
CASES = CaseRow.__table__  # type: ignore[attr-defined]

# One change of each kind the review lists, made to the shipped grid_escalation.
EDITS = (
    (
        "title: {zh: 网格事件分级响应, en: Grid escalation}",
        "title: {zh: 网格事件处置, en: Grid issues}",
    ),
    ("label: {zh: 挂账, en: Parked}", "label: {zh: 挂账暂缓, en: Parked for now}"),
    (
        "label: {zh: 核查通过并评价, en: Verified — rate and close}",
        "label: {zh: 核查通过, en: Verified}",
    ),
    ("label: {zh: 返工次数, en: Rework count}", "label: {zh: 返工次数合计, en: Reworks}"),
    ("red: 10 minutes", "red: 15 minutes"),
)


def edited(ctx: Casework, name: str = "grid_escalation") -> str:
    source = ctx.registry.latest(name).source
    for old, new in EDITS:
        assert old in source, old
        source = source.replace(old, new, 1)
    return source


def open_cases(ctx: Casework, name: str) -> dict[int, int]:
    """Counted here on the table itself, apart from the use case the page calls."""
    query = (
        select(CASES.c.workflow_version, func.count())
        .where(CASES.c.workflow == name, CASES.c.closed_at.is_(None))
        .group_by(CASES.c.workflow_version)
    )
    with ctx.store.transaction(write=False) as tx:
        return {int(v): int(n) for v, n in tx.conn.execute(query)}


def to_review(client: TestClient, source: str, name: str = "grid_escalation", **q: str) -> Any:
    token = csrf_of(client, f"/supervisor/definitions/{name}/edit")
    data = {"csrf_token": token, "source": source, "steps": "", "opening": "", "button": "review"}
    lang = f"?lang={q['lang']}" if "lang" in q else ""
    return client.post(f"/supervisor/definitions/{name}/edit{lang}", data=data)


def review_page(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert template_of(response) == "supervisor/review.html"
    return context_of(response)


def post_publish(client: TestClient, page: dict[str, Any], **fields: str) -> Any:
    data = {
        "csrf_token": page["csrf_token"],
        "source": page["source"],
        "based_on": str(page["base_version"]),
        **fields,
    }
    return client.post(
        f"/supervisor/definitions/{page['name']}/publish", data=data, follow_redirects=False
    )


def texts(page: dict[str, Any]) -> dict[str, list[str]]:
    return {g.kind: [c.text for c in g.changes] for g in page["groups"]}


def test_the_review_words_each_kind_of_change(login_as: LoginAs, ctx: Casework) -> None:
    response = to_review(login_as("supervisor"), edited(ctx))
    page = review_page(response)
    assert (page["base_version"], page["next_version"], page["unchanged"]) == (2, 3, False)
    words = texts(page)
    assert list(words) == ["workflow", "state", "transition", "field", "timer"]
    assert any("网格事件处置" in w for w in words["workflow"])
    assert words["state"] == ["状态 parked 的名称从 “挂账”改为 “挂账暂缓”"]
    assert any("verify_ok" in w and "核查通过" in w for w in words["transition"])
    assert any("rework_count" in w for w in words["field"])
    assert any("sign_for_deadline" in w and "15 分钟" in w for w in words["timer"])
    for group in page["groups"]:
        assert f"<h3>{group.title}</h3>" in response.text
        for change in group.changes:
            assert change.text.replace("“", "") in response.text.replace("“", "")
    assert 'name="based_on" value="2"' in response.text
    assert 'id="reason"' in response.text and 'id="confirm"' in response.text


def test_the_review_is_in_english_on_the_english_pages(login_as: LoginAs, ctx: Casework) -> None:
    page = review_page(to_review(login_as("supervisor"), edited(ctx), lang="en"))
    words = texts(page)
    assert words["state"] == ['state parked: label "Parked" → "Parked for now"']
    assert [g.title for g in page["groups"]][:2] == ["Workflow settings", "States"]


def test_the_diagram_marks_what_changed(login_as: LoginAs, ctx: Casework) -> None:
    response = to_review(login_as("supervisor"), edited(ctx))
    diagram: str = review_page(response)["diagram"]
    assert diagram.startswith("stateDiagram-v2")
    # The renamed state and the state whose timer changed are drawn as changed.
    assert "    class community_call,parked changed" in diagram.splitlines()
    assert "classDef changed" in diagram
    assert "verification --> closed: ✎ 核查通过" in diagram
    # The note of the changed timer stays, marked; the unchanged timers' notes are left out.
    notes = [line for line in diagram.splitlines() if line.lstrip().startswith("note ")]
    assert len(notes) == 1 and "✎" in notes[0] and "sign_for_deadline" in notes[0]
    assert '<pre class="mermaid">' in response.text
    assert "/static/vendor/mermaid.min.js" in response.text


def test_the_review_counts_the_open_cases_per_version(login_as: LoginAs, ctx: Casework) -> None:
    expected = open_cases(ctx, "grid_escalation")
    assert expected  # the demo has running grid reports
    response = to_review(login_as("supervisor"), edited(ctx))
    page = review_page(response)
    assert page["open_cases"] == sorted(expected.items())
    for version, count in expected.items():
        assert f'?version={version}">v{version}</a></td><td>{count}</td>' in response.text


def test_unchanged_content_says_so_and_offers_no_publishing(
    login_as: LoginAs, ctx: Casework
) -> None:
    source = ctx.registry.latest("mediation").source
    response = to_review(login_as("supervisor"), source + "\n# only a comment\n", "mediation")
    page = review_page(response)
    assert page["unchanged"] and page["change_count"] == 0
    assert "内容与第 2 版相同" in response.text
    assert 'id="publish-form"' not in response.text


def test_a_draft_with_errors_goes_back_to_the_editor(login_as: LoginAs, ctx: Casework) -> None:
    response = to_review(login_as("supervisor"), "name: grid_escalation\n")
    assert response.status_code == 422
    assert template_of(response) == "supervisor/editor.html"
    assert ctx.registry.latest("grid_escalation").version == 2


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        pytest.param({"confirm": "1"}, {"reason"}, id="no-reason"),
        pytest.param({"reason": "  "}, {"reason", "confirm"}, id="blank-reason"),
        pytest.param({"reason": "区政府通知"}, {"confirm"}, id="not-confirmed"),
    ],
)
def test_publishing_needs_a_reason_and_a_confirmation(
    login_as: LoginAs, ctx: Casework, fields: dict[str, str], missing: set[str]
) -> None:
    client = login_as("supervisor")
    page = review_page(to_review(client, edited(ctx)))
    response = post_publish(client, page, **fields)
    again = review_page(response, 422)
    assert set(again["errors"]) == missing
    assert again["source"] == page["source"] and again["base_version"] == 2
    assert again["reason"] == fields.get("reason", "").strip()
    if again["reason"]:
        assert f">{again['reason']}</textarea>" in response.text
    assert ctx.registry.latest("grid_escalation").version == 2


def test_publishing_makes_the_next_version_and_links_to_moving_the_cases(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = review_page(to_review(client, edited(ctx)))
    response = post_publish(client, page, reason="依据区网格办通知调整", confirm="1")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/supervisor/definitions/grid_escalation?version=3&published=1&from=2"
    published = ctx.registry.latest("grid_escalation")
    assert published.version == 3
    [timer] = [t for t in published.all_timers() if t.name == "sign_for_deadline"]
    assert timer.after.table["red"] == Duration(15, "minutes")
    shown = client.get(location)
    assert context_of(shown)["flash"] == "已发布 grid_escalation 第 3 版。"
    link = "/supervisor/migrations/new?workflow=grid_escalation&amp;from=2&amp;to=3"
    assert f'href="{link}"' in shown.text


def test_a_stale_draft_is_reviewed_again_against_the_new_version(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = review_page(to_review(client, edited(ctx)))
    # Someone else publishes v3 while this draft is being reviewed.
    other = ctx.registry.latest("grid_escalation").source.replace("24 hours", "36 hours")
    publish(ctx, SUPERVISOR, other, reason="另一位督导的调整", based_on=2)
    response = post_publish(client, page, reason="依据通知调整", confirm="1")
    stale = review_page(response, 409)
    assert stale["stale"] and (stale["base_version"], stale["next_version"]) == (3, 4)
    assert "已有人发布了第 3 版" in response.text
    assert 'href="#changes-h"' in response.text and 'name="based_on" value="3"' in response.text
    assert stale["reason"] == "依据通知调整" and stale["source"] == page["source"]
    assert ctx.registry.latest("grid_escalation").version == 3
    # Compared with v3, publishing the draft now also undoes the other change: it says so.
    assert any("verification_due" in t for t in texts(stale)["timer"])
    done = post_publish(client, stale, reason="依据通知调整", confirm="1")
    assert done.status_code == 303 and "version=4" in done.headers["location"]


def test_the_history_lists_every_version_with_who_when_why_and_its_changes(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = review_page(to_review(client, edited(ctx)))
    post_publish(client, page, reason="依据区网格办通知调整", confirm="1")
    assert (
        'href="/supervisor/definitions/grid_escalation/history"'
        in client.get("/supervisor/definitions").text
    )
    assert 'id="history-link"' in client.get("/supervisor/definitions/grid_escalation").text
    response = client.get("/supervisor/definitions/grid_escalation/history")
    assert template_of(response) == "supervisor/history.html"
    versions = context_of(response)["versions"]
    assert [v.version for v in versions] == [3, 2]
    newest, first = versions
    assert (newest.by, newest.reason, newest.previous) == ("supervisor", "依据区网格办通知调整", 2)
    assert newest.at == "2026-11-23 09:00"
    assert newest.change_count == len(EDITS) and first.previous == 0
    assert first.by == "shipped"
    assert '<details class="diff">' in response.text
    assert "与第 2 版相比的变更（5 项）" in response.text
    assert 'href="/supervisor/definitions/grid_escalation?version=3"' in response.text


def test_an_unknown_workflow_has_no_history(login_as: LoginAs) -> None:
    response = login_as("supervisor").get("/supervisor/definitions/nope/history")
    assert response.status_code == 404


def timer_post(client: TestClient, name: str, state: str, timer: str, **fields: Any) -> Any:
    token = csrf_of(client, f"/supervisor/definitions/{name}")
    return client.post(
        f"/supervisor/definitions/{name}/timers/{state}/{timer}",
        data={"csrf_token": token, **fields},
        follow_redirects=False,
    )


def test_a_deadline_changed_by_form_is_reviewed_published_and_used(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    shown = client.get("/supervisor/definitions/mediation")
    form = context_of(shown)["timer_forms"][("mediation", "mediation_period")]
    assert (form.amount, [u.value for u in form.units if u.chosen], form.remind) == (
        "1",
        ["months"],
        "80",
    )
    assert [r.value for r in form.roles if r.chosen] == ["mediator"]
    assert 'action="/supervisor/definitions/mediation/timers/mediation/mediation_period"' in (
        shown.text
    )
    response = timer_post(
        client,
        "mediation",
        "mediation",
        "mediation_period",
        amount="15",
        unit="working_days",
        remind="75",
        notify=["mediator", "org_admin"],
    )
    page = review_page(response)
    words = texts(page)["timer"]
    assert words == [
        "定时器 mediation_period 的期限从 1 个月改为 15 个工作日",
        "定时器 mediation_period 的提醒时点从 80% 改为 75%",
        "定时器 mediation_period 的通知角色从 调解员 改为 调解员、组织管理员",
    ]
    assert list(texts(page)) == ["timer"]
    done = post_publish(client, page, reason="区司法局要求按工作日计", confirm="1")
    assert done.status_code == 303
    assert done.headers["location"].endswith("version=3&published=1&from=2")
    latest = ctx.registry.latest("mediation")
    [timer] = [t for t in latest.all_timers() if t.name == "mediation_period"]
    assert timer.after.duration == Duration(15, "working_days")
    assert (timer.remind_at, timer.notify) == (0.75, ("mediator", "org_admin"))
    assert "from=2&amp;to=3" in client.get(done.headers["location"]).text


def test_a_duration_table_becomes_one_length(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("supervisor")
    form = context_of(client.get("/supervisor/definitions/grid_escalation"))["timer_forms"][
        ("community_call", "sign_for_deadline")
    ]
    assert form.table_by == "severity" and form.amount == ""
    response = timer_post(
        client,
        "grid_escalation",
        "community_call",
        "sign_for_deadline",
        amount="20",
        unit="minutes",
        remind="80",
        notify=["handler"],
    )
    page = review_page(response)
    assert any("20 分钟" in w for w in texts(page)["timer"])


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        pytest.param({"amount": "abc", "unit": "days"}, "amount", id="amount"),
        pytest.param({"amount": "0", "unit": "days"}, "amount", id="zero"),
        pytest.param({"amount": "3", "unit": "fortnights"}, "unit", id="unit"),
        pytest.param({"amount": "3", "unit": "days", "remind": "150"}, "remind", id="remind"),
    ],
)
def test_a_bad_timer_form_is_shown_again_with_what_was_typed(
    login_as: LoginAs, ctx: Casework, fields: dict[str, str], bad: str
) -> None:
    client = login_as("supervisor")
    response = timer_post(client, "mediation", "mediation", "mediation_period", **fields)
    assert response.status_code == 422
    assert template_of(response) == "supervisor/definition.html"
    form = context_of(response)["timer_forms"][("mediation", "mediation_period")]
    assert set(form.errors) == {bad} and form.amount == fields["amount"]
    assert 'id="timer-mediation-mediation_period" open' in response.text
    assert ctx.registry.latest("mediation").version == 2


def test_an_unchanged_timer_form_reviews_as_unchanged(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    response = timer_post(
        client,
        "mediation",
        "mediation",
        "mediation_period",
        amount="1",
        unit="months",
        remind="80",
        notify=["mediator"],
    )
    assert review_page(response)["unchanged"]


def test_an_unknown_timer_is_not_found(login_as: LoginAs) -> None:
    response = timer_post(login_as("supervisor"), "mediation", "mediation", "nope", amount="1")
    assert response.status_code == 404


def test_old_versions_and_readers_get_no_timer_forms(login_as: LoginAs, ctx: Casework) -> None:
    publish(ctx, SUPERVISOR, edited(ctx), reason="调整", based_on=2)
    supervisor = login_as("supervisor")
    assert (
        context_of(supervisor.get("/supervisor/definitions/grid_escalation?version=2"))[
            "timer_forms"
        ]
        == {}
    )
    assert context_of(supervisor.get("/supervisor/definitions/grid_escalation"))["timer_forms"]
    reader = login_as("org_admin").get("/supervisor/definitions/grid_escalation")
    assert context_of(reader)["timer_forms"] == {} and "timer.change" not in reader.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/supervisor/definitions/mediation/history", id="history"),
        pytest.param("post", "/supervisor/definitions/mediation/publish", id="publish"),
        pytest.param(
            "post",
            "/supervisor/definitions/mediation/timers/mediation/mediation_period",
            id="timer",
        ),
    ],
)
def test_mediators_cannot_reach_these_pages(
    login_as: LoginAs, ctx: Casework, method: str, path: str
) -> None:
    client = login_as("mediator")
    token = csrf_of(client, "/workroom")
    data = {"csrf_token": token, "source": ctx.registry.latest("mediation").source}
    data |= {"reason": "x", "confirm": "1", "based_on": "2", "amount": "2", "unit": "days"}
    response = client.get(path) if method == "get" else client.post(path, data=data)
    assert response.status_code == 403
    assert template_of(response) == "errors/error.html"
    assert ctx.registry.latest("mediation").version == 2


def test_organisation_admins_read_the_history_but_do_not_publish(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("org_admin")
    assert client.get("/supervisor/definitions/mediation/history").status_code == 200
    token = csrf_of(client, "/supervisor/definitions")
    data = {"csrf_token": token, "source": ctx.registry.latest("mediation").source}
    data |= {"reason": "x", "confirm": "1", "based_on": "2"}
    assert client.post("/supervisor/definitions/mediation/publish", data=data).status_code == 403
