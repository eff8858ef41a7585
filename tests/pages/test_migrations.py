"""The supervisor's migration pages: the runs, the plan form and its errors, the preview with
its filters and pages, the confirmation, the report; who may; and, in a browser, a breaking
version published, planned with a state mapping, previewed and applied."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.pages import migrations
from api.pages.migration_form import worded
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.publishing import publish
from engine.clock import ManualClock
from engine.migration_check import PlanProblem
from engine.store import audit
from engine.visibility import Visibility
from tests.migration_versions import NEW, OLD, breaking_source
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of
from tests.pages.live import LiveServer
from tests.pages.test_browser import AXE, AXE_RUN, DESK, Session, browser, live  # noqa: F401

PATH = "/supervisor/migrations"
SUPERVISOR = User(0, "supervisor", "supervisor", "supervisor", None, [], scope=Visibility(True))
REASON = f"第 {NEW} 版将“受理登记”更名为“接待登记”，取消“已报警”环节，司法确认申请期缩短为 15 日"


@pytest.fixture
def new(ctx: Casework) -> int:
    """The breaking version after the shipped mediation, published; its number."""
    old = ctx.registry.latest("mediation")
    assert old.version == OLD
    source = breaking_source(old.source, NEW)
    published = publish(ctx, SUPERVISOR, source, reason=REASON, based_on=OLD)
    assert published.created and published.definition.version == NEW
    return published.definition.version


def plan_data(token: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": token,
        "workflow": "mediation",
        "from": str(OLD),
        "to": str(NEW),
        "map_intake": "reception",
        "map_police_reported": "-",
        "scope": "all",
        "case_ids": "",
        "reason": REASON,
        "button": "plan",
    }
    data.update(fields)
    return data


def planned(client: TestClient, **fields: Any) -> int:
    """Plan a run through the form; its id."""
    token = csrf_of(client, f"{PATH}/new?workflow=mediation&from={OLD}&to={NEW}")
    sent = client.post(PATH + "/new", data=plan_data(token, **fields), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    found = re.fullmatch(rf"{PATH}/(\d+)\?planned=1", sent.headers["location"])
    assert found is not None, sent.headers["location"]
    return int(found[1])


def previewed(client: TestClient, run_id: int) -> None:
    token = csrf_of(client, f"{PATH}/{run_id}")
    sent = client.post(
        f"{PATH}/{run_id}/preview", data={"csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{PATH}/{run_id}"


def test_the_plan_form_shows_the_states_to_map_and_creates_the_run(
    login_as: LoginAs, ctx: Casework, new: int
) -> None:
    client = login_as("supervisor")
    form = client.get(f"{PATH}/new?workflow=mediation&from={OLD}&to={NEW}")
    assert template_of(form) == "supervisor/migration_new.html"
    page: dict[str, Any] = context_of(form)
    rows = [(r.state, r.value, r.error) for r in page["rows"]]
    assert rows == [("intake", "", ""), ("police_reported", "", "")]
    targets = [o.value for o in page["targets"]]
    assert "reception" in targets and "closed" not in targets  # no final state offered
    assert [o.value for o in page["versions"]] == [str(OLD), str(NEW)]
    assert 'name="map_police_reported"' in form.text and "不迁移" in form.text

    run_id = planned(client)
    shown = client.get(f"{PATH}/{run_id}?planned=1")
    assert template_of(shown) == "supervisor/migration.html"
    run = context_of(shown)["run"]
    assert (run.workflow, run.from_version, run.to_version, run.status) == (
        "mediation",
        OLD,
        new,
        "planned",
    )
    assert run.reason == REASON and run.created_by == "supervisor"
    assert "迁移计划已保存" in shown.text and 'action="/supervisor/migrations/' in shown.text
    assert [(m.state, m.to_state) for m in context_of(shown)["state_map"]] == [
        ("受理登记", "接待登记")
    ]  # cases in police_reported are left where they are
    with ctx.store.transaction(write=False) as tx:
        entries = audit.entries(tx, limit=20)
    assert any(e.username == "supervisor" and REASON in (e.reason or "") for e in entries)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"from": "99"}, "from", "请选择已发布的版本", id="unpublished-version"),
        pytest.param({"to": str(OLD)}, "to", "目标版本须与原版本不同", id="same-version"),
        pytest.param({"map_intake": ""}, "map_intake", "请为该环节选择新环节", id="unmapped"),
        pytest.param({"map_intake": "closed"}, "map_intake", "未终结的环节", id="mapped-to-final"),
        pytest.param({"reason": "   "}, "reason", "请写明迁移理由", id="empty-reason"),
        pytest.param({"scope": "states"}, "states", "请至少勾选", id="no-state-ticked"),
        pytest.param(
            {"scope": "ids", "case_ids": "3, abc"}, "case_ids", "abc", id="bad-case-number"
        ),
    ],
)
def test_plan_errors_are_shown_next_to_their_fields_with_what_was_typed(
    login_as: LoginAs, new: int, fields: dict[str, str], field: str, message: str
) -> None:
    client = login_as("supervisor")
    token = csrf_of(client, PATH + "/new")
    typed = fields.get("reason", "保留这段理由")
    sent = client.post(PATH + "/new", data=plan_data(token, **{"reason": typed, **fields}))
    assert sent.status_code == 422
    errors = context_of(sent)["errors"]
    assert list(errors) == [field] and message in errors[field]
    assert f'id="f-{field}-error"' in sent.text
    if typed.strip():
        assert typed in sent.text
    assert context_of(client.get(PATH))["runs"] == []  # nothing was planned


def test_problems_found_when_planning_are_shown_in_the_page_language(
    login_as: LoginAs, new: int
) -> None:
    client = login_as("supervisor")
    token = csrf_of(client, PATH + "/new")
    fields = {"scope": "ids", "case_ids": "987654"}  # a well-formed number, no such case
    sent = client.post(PATH + "/new", data=plan_data(token, **fields))
    assert sent.status_code == 422
    assert context_of(sent)["problems"] == ["找不到案件 #987654"]
    assert "计划未保存" in sent.text and "no case" not in sent.text
    english = client.post(PATH + "/new?lang=en", data=plan_data(token, **fields))
    assert context_of(english)["problems"] == ["no case 987654"]
    assert context_of(client.get(PATH))["runs"] == []


def test_every_planning_problem_is_worded_in_both_languages() -> None:
    problems = [
        PlanProblem("reason", "a reason of 1 to 500 characters is required", {"n": 500}),
        PlanProblem(
            "unpublished", "mediation v9 is not published", {"workflow": "mediation", "version": 9}
        ),
        PlanProblem(
            "workflows",
            "mediation and grid are different workflows",
            {"source": "mediation", "target": "grid"},
        ),
        PlanProblem(
            "same_version",
            "the cases are on v2 already: choose another version",
            {"version": 2},
        ),
        PlanProblem(
            "map_old",
            "state map a -> b: v2 has no state 'a'",
            {"old": "a", "new": "b", "version": 2},
        ),
        PlanProblem(
            "map_new",
            "state map a -> b: v3 has no state 'b'",
            {"old": "a", "new": "b", "version": 3},
        ),
        PlanProblem(
            "map_final",
            "state map a -> b: 'b' is a final state of v3",
            {"old": "a", "new": "b", "version": 3},
        ),
        PlanProblem("state", "state a: v2 has no state 'a'", {"state": "a", "version": 2}),
        PlanProblem("too_many", "at most 9 cases may be listed", {"n": 9}),
        PlanProblem("no_case", "no case 7", {"id": 7}),
        PlanProblem(
            "run_status",
            "run 4 is Applied: plan a new run instead",
            {"run": 4, "status": "applied"},
        ),
        PlanProblem("no_preview", "run 4 has no preview yet: preview it first", {"run": 4}),
    ]
    assert worded(problems, "en") == list(problems)
    chinese = worded(problems, "zh")
    assert all(re.search("[\u4e00-\u9fff]", text) for text in chinese), chinese
    assert chinese[-3:] == [
        "找不到案件 #7",
        "迁移 #4 状态为“已完成”：请新建迁移计划",
        "迁移 #4 尚未预览：请先生成预览",
    ]
    assert worded(["a problem without a code"], "zh") == ["a problem without a code"]


def test_refreshing_the_form_for_another_workflow_offers_its_versions(
    login_as: LoginAs, ctx: Casework, new: int
) -> None:
    grid = ctx.registry.latest("grid_escalation").version
    assert [d.version for d in ctx.registry.versions("grid_escalation")] == [grid]
    client = login_as("supervisor")
    token = csrf_of(client, PATH + "/new")
    sent = client.post(
        PATH + "/new",
        data={
            "csrf_token": token,
            "workflow": "grid_escalation",
            "from": str(OLD),
            "to": str(new),
            "button": "refresh",
        },
    )
    assert sent.status_code == 200
    page = context_of(sent)
    # grid_escalation has its shipped version only
    assert page["errors"] == {"to": "目标版本须与原版本不同"}
    assert [o.value for o in page["versions"]] == [str(grid)]
    assert context_of(client.get(PATH))["runs"] == []


def test_the_preview_is_filtered_and_paged_and_links_each_case(
    login_as: LoginAs,
    ctx: Casework,
    clock: ManualClock,
    demo_cases: dict[str, int],
    new: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.advance(timedelta(days=20))  # past the new 15-day judicial-confirmation window
    client = login_as("supervisor")
    run_id = planned(client)
    before = client.get(f"{PATH}/{run_id}")
    assert context_of(before)["previewed"] is False and "生成预览" in before.text
    previewed(client, run_id)

    page = context_of(client.get(f"{PATH}/{run_id}"))
    run = page["run"]
    assert (run.status, run.total, run.movable, run.refused) == ("previewed", 8, 6, 2)
    rows = page["rows"]
    ids = [r.case_id for r in rows]
    assert ids == sorted(ids)
    intake = next(r for r in rows if r.case_id == demo_cases["mediation:intake"])
    assert (intake.state_label, intake.to_state_label, intake.movable) == (
        "受理登记",
        "接待登记",
        True,
    )
    agreement = next(r for r in rows if r.case_id == demo_cases["mediation:agreement"])
    assert [d.due.at_text for d in agreement.before] == ["2026-12-23 09:00"]  # 30 days
    assert [d.due.at_text for d in agreement.after] == ["2026-12-08 09:00"]  # 15 days
    assert agreement.after[0].overdue and agreement.after[0].due.status == "overdue"
    assert not agreement.before[0].overdue

    shown = client.get(f"{PATH}/{run_id}")
    case_id = demo_cases["mediation:intake"]
    assert f'<a href="/cases/{case_id}">#{case_id}</a>' in shown.text
    assert shown.text.count("迁移后即逾期") == 1
    assert client.get(f"/cases/{case_id}").status_code == 200

    only = context_of(client.get(f"{PATH}/{run_id}?state=intake"))["rows"]
    assert [r.case_id for r in only] == [case_id]
    refused = context_of(client.get(f"{PATH}/{run_id}?movable=no"))["rows"]
    mediating, reported = demo_cases["mediation:mediation"], demo_cases["mediation:police_reported"]
    assert [(r.case_id, r.movable) for r in refused] == [(mediating, False), (reported, False)]
    assert "consent_form" in refused[0].reasons[0] and refused[0].to_state_label == "调解协商"
    assert "police_reported" in refused[1].reasons[0] and refused[1].to_state_label == ""
    english = context_of(client.get(f"{PATH}/{run_id}?movable=no&lang=en"))["rows"]
    assert english[1].reasons[0].startswith(f"mediation v{new} has no state 'police_reported'")
    both = context_of(client.get(f"{PATH}/{run_id}?movable=no&state=police_reported"))["rows"]
    assert [r.case_id for r in both] == [reported]
    movable = context_of(client.get(f"{PATH}/{run_id}?movable=yes"))["rows"]
    assert len(movable) == run.movable and all(r.movable for r in movable)

    # Pages of two, by case number: every case once, in order.
    monkeypatch.setattr(migrations, "PAGE_SIZE", 2)
    seen: list[int] = []
    href = f"{PATH}/{run_id}"
    while href:
        paged = context_of(client.get(href))
        assert len(paged["rows"]) <= 2
        seen += [r.case_id for r in paged["rows"]]
        href = paged["next_href"]
    assert seen == ids
    last = context_of(client.get(f"{PATH}/{run_id}?movable=yes&after={movable[0].case_id}"))
    assert last["first_href"] == f"{PATH}/{run_id}?movable=yes"


def test_applying_needs_the_confirmation_then_reports(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int], new: int
) -> None:
    client = login_as("supervisor")
    run_id = planned(client)
    previewed(client, run_id)
    page = client.get(f"{PATH}/{run_id}")
    movable = context_of(page)["run"].movable
    assert f"我已核对预览，确认迁移 {movable} 件案件" in page.text
    token = csrf_of(client, f"{PATH}/{run_id}")

    unconfirmed = client.post(f"{PATH}/{run_id}/apply", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert context_of(unconfirmed)["confirm_error"] == "请先勾选确认"
    assert 'id="confirm-error"' in unconfirmed.text
    case_id = demo_cases["mediation:intake"]
    assert ctx.service.get_case(case_id).workflow_version == OLD

    sent = client.post(
        f"{PATH}/{run_id}/apply",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    report_page = client.get(sent.headers["location"])
    report = context_of(report_page)["report"]
    run = context_of(report_page)["run"]
    assert (report.moved, report.already_moved, report.refused, report.failed) == (6, 0, 2, 0)
    assert movable == 6 and run.refused == 2
    assert run.status == "applied" and run.moved == movable
    assert "迁移结果" in report_page.text and 'id="apply-form"' not in report_page.text
    case = ctx.service.get_case(case_id)
    assert (case.workflow_version, case.state) == (new, "reception")
    reported = ctx.service.get_case(demo_cases["mediation:police_reported"])
    assert (reported.workflow_version, reported.state) == (OLD, "police_reported")

    listed = context_of(client.get(PATH))["runs"]
    assert [(r.id, r.status, r.moved) for r in listed] == [(run_id, "applied", movable)]

    history = client.get(f"/cases/{case_id}")
    assert history.status_code == 200
    assert f"迁移至第 {new} 版" in history.text


def test_the_definition_page_links_to_the_plan_for_its_running_cases(
    login_as: LoginAs, new: int
) -> None:
    client = login_as("supervisor")
    page = client.get("/supervisor/definitions/mediation")
    link = context_of(page)["running"]
    assert link is not None and link.href == f"{PATH}/new?workflow=mediation&from={OLD}&to={new}"
    assert link.open_cases > 0 and "迁移运行中的案件" in page.text
    form = context_of(client.get(link.href))
    assert (form["form"].from_text, form["form"].to_text) == (str(OLD), str(new))
    # One version only: nothing to migrate to.
    assert context_of(client.get("/supervisor/definitions/grid_escalation"))["running"] is None


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(PATH, id="list"),
        pytest.param(PATH + "/new", id="plan-form"),
        pytest.param(PATH + "/1", id="run"),
    ],
)
def test_mediators_and_organisation_admins_are_refused(login_as: LoginAs, path: str) -> None:
    for username in ("mediator", "org_admin"):
        response = login_as(username).get(path)
        assert response.status_code == 403, username
        assert template_of(response) == "errors/error.html"


def test_a_mediator_cannot_post_a_plan(login_as: LoginAs, new: int) -> None:
    mediator = login_as("mediator")
    token = csrf_of(mediator, "/workroom")
    sent = mediator.post(PATH + "/new", data=plan_data(token))
    assert sent.status_code == 403
    assert context_of(login_as("supervisor").get(PATH))["runs"] == []
    link = context_of(login_as("org_admin").get("/supervisor/definitions/mediation"))["running"]
    assert link is None


def test_a_form_without_its_token_changes_nothing(login_as: LoginAs, new: int) -> None:
    client = login_as("supervisor")
    sent = client.post(PATH + "/new", data=plan_data("forged"))
    assert sent.status_code == 403 and template_of(sent) == "errors/error.html"
    assert context_of(client.get(PATH))["runs"] == []


def test_an_unknown_run_is_not_found(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    assert client.get(PATH + "/999").status_code == 404
    assert client.get(PATH + "/0").status_code == 404


@pytest.mark.slow
def test_a_supervisor_migrates_running_cases_in_the_browser(
    browser: Any,  # noqa: F811
    live: LiveServer,  # noqa: F811
    ctx: Casework,
    clock: ManualClock,
    demo_cases: dict[str, int],
    new: int,
) -> None:
    clock.advance(timedelta(days=20))  # past the new 15-day window, not the old 30-day one
    s = Session(browser, live, "supervisor", DESK)
    page = s.page
    # The diagram's script is large (and deferred): under load, waiting for it to run is
    # waiting for nothing this test looks at. The link is clicked as soon as it is there.
    page.goto(live.url + "/supervisor/definitions/mediation", wait_until="commit")
    with page.expect_navigation():
        page.click("#migrate-running")
    assert page.locator("#f-from").input_value() == str(OLD)
    assert page.locator("#f-to").input_value() == str(new)
    page.select_option("#f-map_intake", "reception")
    page.select_option("#f-map_police_reported", "-")
    page.fill("#f-reason", REASON)
    s.shot("migration-plan")
    with page.expect_navigation():
        page.click("button[value=plan]")
    assert page.locator("#run-status").get_attribute("data-status") == "planned"

    with page.expect_navigation():
        page.click("#preview-form button[type=submit]")
    table = page.locator("#preview-table")
    case_id = demo_cases["mediation:intake"]
    row = table.locator(f"tr[data-case='{case_id}']")
    assert "接待登记" in row.inner_text() and row.get_attribute("data-movable") == "yes"
    late = table.locator(f"tr[data-case='{demo_cases['mediation:agreement']}'] .overdue-after")
    assert late.inner_text() == "迁移后即逾期"
    refused = table.locator(f"tr[data-case='{demo_cases['mediation:mediation']}']")
    assert refused.get_attribute("data-movable") == "no" and "consent_form" in refused.inner_text()
    s.shot("migration-preview")

    # Without the confirmation the browser itself refuses to send the form.
    page.click("#apply-form button[type=submit]")
    assert page.eval_on_selector("#confirm", "el => el.validity.valueMissing")
    assert ctx.service.get_case(case_id).workflow_version == OLD
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#apply-form button[type=submit]")
    assert page.locator("#run-status").get_attribute("data-status") == "applied"
    report = [page.locator(f"#report-{n}").inner_text() for n in ("moved", "refused", "failed")]
    assert report == ["6", "2", "0"]
    s.shot("migration-report")

    s.goto(f"/cases/{case_id}")
    assert s.state() == "reception"
    assert f"迁移至第 {new} 版" in page.locator("ol.timeline").inner_text()
    s.close()


@pytest.mark.slow
def test_the_migration_pages_have_no_serious_accessibility_violations(
    browser: Any,  # noqa: F811
    live: LiveServer,  # noqa: F811
    login_as: LoginAs,
    new: int,
) -> None:
    """axe-core's WCAG 2 A/AA and best-practice rules on the list, the plan form with its
    errors, and a previewed run."""
    client = login_as("supervisor")
    run_id = planned(client)
    previewed(client, run_id)
    person = Session(browser, live, "supervisor", {**DESK, "bypass_csp": True})
    page = person.page
    plan_form = f"{PATH}/new?workflow=mediation&from={OLD}&to={NEW}"
    for path in (PATH, plan_form, f"{PATH}/{run_id}"):
        person.goto(path)
        if path == plan_form:
            with page.expect_navigation():
                page.click("button[value=plan]")  # nothing chosen: every error shown
            assert page.locator("#plan-errors li").count() >= 2
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_RUN) == [], path
    person.close()
