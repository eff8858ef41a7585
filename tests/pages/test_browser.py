"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against
a real server started by the test, sharing the test's manual clock.

1. A grid member reports on a phone; the community misses its sign-for deadline; the case
   escalates to the street, which handles it; the grid member verifies; closed.
2. A mediator takes a case from intake to the follow-up visit and closes it.
3. A supervisor edits a definition, makes an error, sees its line, fixes it, dry-runs it,
   reviews the change and publishes it with a reason.
4. An administrator creates a user and resets their password; the user logs in; the
   administrator deactivates them and their session stops working.
5. A workroom head assigns a case to a mediator, who finds it under 我的案件.
6. An admin imports a unit-tree file with an error, sees it by row and column, fixes the
   file, imports it, and the units are there; imports the grid's member, then deactivates
   them.
7. A supervisor finds overdue cases on the board, urges (催办) one, sees it in the case's
   history, and reads last month's rates.
8. A resident, on a phone and without an account, reports an issue on the public form with
   their location, is told to consent first, consents, gets a receipt number and follows
   the request's status with it.

Screenshots of each end state go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.publishing import publish
from engine.clock import ManualClock
from engine.model import Actor
from engine.store import duplicates, outbox, receipts
from engine.visibility import Visibility
from tests.conftest import ROOT
from tests.pages.conftest import PASSWORDS
from tests.pages.live import LiveServer

SUPERVISOR = User(0, "supervisor", "supervisor", "supervisor", None, [], scope=Visibility(True))

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), local
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
WAIT_MS = 15_000
# A 1×1 PNG, the photo the grid member attaches.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e2a9a30000000049454e44ae426082"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/test.sh installs it)")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def live(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


class Session:
    """One person in their own browser context (cookies), on a phone or a desk."""

    def __init__(self, browser: Any, live: LiveServer, username: str, device: dict[str, Any]):
        self.live = live
        self.context = browser.new_context(locale="zh-CN", **device)
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        # Whatever the Content-Security-Policy blocks is a page broken by it.
        self.blocked: list[str] = []
        self.page.on(
            "console",
            lambda m: self.blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORDS[username])
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/(workroom|grid|supervisor).*"))

    def goto(self, path: str) -> None:
        self.page.goto(self.live.url + path)

    def act(self, action: str, fields: dict[str, str] | None = None) -> None:
        """Open an action's form on the case page, fill it, submit, and wait for the page."""
        page = self.page
        box = page.locator(f"#action-{action}")
        if box.get_attribute("open") is None:
            box.locator("summary").click()
        for name, value in (fields or {}).items():
            target = page.locator(f"#{action}-f_{name}")
            tag = target.evaluate("el => el.tagName")
            if tag == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
        with page.expect_navigation():
            box.locator("button[type=submit]").click()

    def state(self) -> str:
        value = self.page.locator("#case-state").get_attribute("data-state")
        assert isinstance(value, str)
        return value

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.blocked == []


def edit_source(page: Any, text: str) -> None:
    """Replace the editor's text as a paste would: one input event (filling a 20 kB textarea
    key by key takes seconds)."""
    page.eval_on_selector(
        "#source", "(el, text) => { el.value = text; el.dispatchEvent(new Event('input')); }", text
    )


def test_grid_report_escalates_to_the_street_and_is_verified(
    browser: Any, live: LiveServer, ctx: Casework, clock: ManualClock
) -> None:
    member = Session(browser, live, "grid_member", PHONE)
    member.goto("/grid/report")
    page = member.page
    page.select_option("#grid_unit", "g-hp-1-1")
    page.select_option("#f_category", "road_facility")
    page.select_option("#f_severity", "yellow")
    page.fill("#f_location", "和平里七区东门")
    page.fill("#f_description", "路灯杆倾斜，有倒伏危险")
    page.set_input_files("#photo", {"name": "lamp.png", "mimeType": "image/png", "buffer": PNG})
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    flash = page.locator(".flash").inner_text()
    case_id = int(re.findall(r"#(\d+)", flash)[0])
    case = ctx.service.get_case(case_id)
    assert (case.state, case.data["tier"]) == ("community_call", 1)
    assert case.data["photos"][0].startswith("uploads/")

    # Nobody in the community signs for it within 30 minutes: the sweeper escalates it.
    clock.advance(timedelta(minutes=31))
    assert ctx.service.fire_due_timers().fired >= 1
    case = ctx.service.get_case(case_id)
    assert (case.state, case.data["tier"]) == ("community_call", 2)

    street = Session(browser, live, "street_handler", DESK)
    street.goto(f"/cases/{case_id}")
    assert street.page.locator("#case-tier").inner_text().startswith("2")
    assert street.page.locator("#sign_for-f_handling_unit").input_value() == "s-heping"
    street.act("sign_for")
    assert street.state() == "handling"
    street.act("resolve", {"resolution": "已加固路灯杆并更换底座"})
    assert street.state() == "verification"
    street.close()

    member.goto("/grid/reports")
    page.click(f"#my-reports li[data-case='{case_id}'] a")
    assert member.state() == "verification"
    member.act("verify_ok", {"rating": "5"})
    assert member.state() == "closed"
    assert ctx.service.get_case(case_id).closed_at is not None
    member.shot("grid-closed-phone")
    member.close()


def test_mediator_takes_a_case_from_intake_to_closed(
    browser: Any, live: LiveServer, ctx: Casework
) -> None:
    m = Session(browser, live, "mediator", DESK)
    m.goto("/workroom/new")
    page = m.page
    page.select_option("#f_category", "family")
    page.select_option("#f_source", "walk_in")
    page.fill("#f_description", "兄弟二人因父母遗留房屋的居住和分配发生争执")
    page.select_option("#f_notice_given", "true")
    page.fill("#party_party-name", "赵建国")
    page.fill("#party_party-phone", "13611112222")
    with page.expect_navigation():
        page.click("#intake-form button[type=submit]")
    case_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    assert m.state() == "intake"
    assert "赵**" in page.locator("#parties").inner_text()

    m.act("register")
    assert m.state() == "assessment"
    m.act(
        "start_mediation",
        {
            "risk_level": "low",
            "in_scope": "true",
            "organisation": "union",
            "domestic_violence": "false",
            "crime_risk": "false",
        },
    )
    assert m.state() == "mediation"
    m.act("record_session", {"session_mode": "private"})
    m.act(
        "reach_agreement",
        {
            "agreement_form": "written",
            "agreement_terms": "房屋由兄长居住，兄长按月向弟弟支付补偿。",
            "performance_deadline": "2026-12-31",
        },
    )
    assert m.state() == "agreement"
    m.act("decline_confirmation")
    assert m.state() == "follow_up"
    # The follow-up visit form asks performance, satisfaction and lingering risk.
    m.act(
        "record_visit", {"performance": "performed", "satisfaction": "5", "lingering_risk": "false"}
    )
    assert m.state() == "visit_done"
    m.act("close_case")
    assert m.state() == "closed"
    case = ctx.service.get_case(case_id)
    assert case.closed_at is not None and case.data["sessions"] == 1
    assert [e.action for e in ctx.service.history(case_id)] == [
        "open",
        "register",
        "start_mediation",
        "record_session",
        "reach_agreement",
        "decline_confirmation",
        "record_visit",
        "close_case",
    ]
    m.shot("mediation-closed")
    m.close()


def test_a_workroom_head_assigns_a_case_and_the_mediator_finds_it_in_my_cases(
    browser: Any, live: LiveServer, ctx: Casework
) -> None:
    intake = {
        "category": "family",
        "source": "walk_in",
        "description": "邻里漏水纠纷",
        "notice_given": True,
    }
    case = ctx.service.open_case(
        "mediation", Actor("org_admin", "org_admin"), intake, org_unit="union"
    ).case
    mediator = Session(browser, live, "mediator", DESK)
    mediator.goto("/workroom?view=mine")
    assert mediator.page.locator(f"a[href='/cases/{case.id}']").count() == 0
    head = Session(browser, live, "org_admin", DESK)
    head.goto(f"/cases/{case.id}")
    assert head.page.locator("#case-assignee").inner_text() == "未指派"
    head.page.select_option("#assign-mediator", "mediator")
    with head.page.expect_navigation():
        head.page.click("#assign-form button[type=submit]")
    assert head.page.locator("#case-assignee").inner_text() == "mediator"
    assert "指派承办人" in head.page.locator(".timeline").inner_text()
    head.shot("case-assigned")
    head.close()

    mediator.goto("/workroom?view=mine")
    mediator.page.click(f"a[href='/cases/{case.id}']")
    assert mediator.page.locator("#case-assignee").inner_text() == "mediator"
    mediator.close()


def test_supervisor_edits_checks_reviews_publishes_and_migrates(
    browser: Any, live: LiveServer, ctx: Casework
) -> None:
    was = ctx.registry.latest("grid_escalation").version
    # axe is injected on the review page as an inline script: the policy is bypassed.
    s = Session(browser, live, "supervisor", {**DESK, "bypass_csp": True})
    s.goto("/supervisor/definitions/grid_escalation/edit")
    page = s.page
    page.wait_for_selector("#check-summary")
    source = page.locator("#source").input_value()
    edited = source.replace("red: 10 minutes", "red: 15 minutes", 1)
    assert edited != source

    # A typo in a destination state: the error points at its line.
    broken = re.sub(r"(from: verification\n    to: )closed", r"\1closd", edited, count=1)
    line = broken[: broken.index("to: closd")].count("\n") + 1
    edit_source(page, broken)
    problem = page.locator(f"#problems li[data-line='{line}']")
    problem.wait_for()
    assert "closd" in problem.inner_text()
    assert page.locator(".gutter mark", has_text=str(line)).count() == 1
    problem.locator("a").click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('source');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert "closd" in selected

    edit_source(page, edited)
    page.wait_for_selector(".valid#check-summary")

    with page.expect_navigation():
        page.click("button[value=dry_run]")
    result = page.locator("#dry-result")
    assert "结案" in result.locator("h2").inner_text()
    assert result.locator("li.system").count() >= 1  # the missed sign-for deadline escalated
    assert page.locator("#source").input_value() == edited  # nothing typed is lost
    s.shot("definition-dry-run")

    # The review: the change in words, the diagram with it marked, the open cases.
    # The first page of the session drawing a diagram: mermaid (a deferred script, run
    # before the document counts as loaded) is fetched and compiled here.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=4 * WAIT_MS):
        page.click("button[value=review]")
    assert page.url.endswith("/supervisor/definitions/grid_escalation/edit")
    changes = page.locator("#changes")
    assert "sign_for_deadline" in changes.inner_text() and "15 分钟" in changes.inner_text()
    assert page.locator("#open-cases tbody tr").count() >= 1
    page.wait_for_selector(".diagram[data-drawn]")
    s.shot("definition-review")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN) == []

    page.fill("#reason", "红色签收时限改为 15 分钟")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#publish")
    assert f"version={was + 1}" in page.url
    assert "grid_escalation" in page.locator(".flash").inner_text()
    published = ctx.registry.get("grid_escalation", was + 1)
    assert published.source == edited.replace(f"version: {was}", f"version: {was + 1}", 1)
    assert page.locator("#migrate-link").get_attribute("href") == (
        f"/supervisor/migrations/new?workflow=grid_escalation&from={was}&to={was + 1}"
    )
    page.wait_for_selector(".diagram[data-drawn]")
    s.shot("definition-published")

    # The cases still running on the old version: plan, preview, then move them.
    with page.expect_navigation():
        page.click("#migrate-link")
    assert page.locator("#f-from").input_value() == str(was)
    assert page.locator("#f-to").input_value() == str(was + 1)
    page.fill("#f-reason", "红色签收时限改为 15 分钟，运行中的案件随之调整")
    with page.expect_navigation():
        page.click("button[value=plan]")
    assert page.locator("#run-status").get_attribute("data-status") == "planned"
    with page.expect_navigation():
        page.click("#preview-form button[type=submit]")
    rows = page.locator("#preview-table tbody tr[data-movable='yes']")
    movable = rows.count()
    assert movable >= 1
    moving = int(rows.first.get_attribute("data-case") or 0)
    assert ctx.service.get_case(moving).workflow_version == was
    s.shot("journey-migration-preview")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#apply-form button[type=submit]")
    assert page.locator("#run-status").get_attribute("data-status") == "applied"
    assert page.locator("#report-moved").inner_text() == str(movable)
    assert page.locator("#report-failed").inner_text() == "0"
    assert ctx.service.get_case(moving).workflow_version == was + 1
    s.shot("journey-migration-report")
    s.close()


HOSTILE_LABEL = '<img src="/static/probe.png"> %%{init: {"theme": "forest"}}%% #lt;b#gt;'


def test_admin_creates_a_user_who_logs_in_until_deactivated(browser: Any, live: LiveServer) -> None:
    first, second = "first long secret", "second long secret"
    admin = Session(browser, live, "admin", DESK)
    page = admin.page
    admin.goto("/admin/users")
    with page.expect_navigation():
        page.click("a[href='/admin/users/new']")
    page.fill("#username", "wang.lei")
    page.fill("#display_name", "工会调解员 王磊")
    page.select_option("#role", "mediator")
    page.select_option("#unit", "union")
    page.fill("#password", first)
    page.fill("#password_again", first)
    with page.expect_navigation():
        page.click("form[action='/admin/users/new'] button[type=submit]")
    assert "用户已创建" in page.content()
    user_page = page.url.split("?")[0]

    page.fill("#password", second)
    page.fill("#password_again", second)
    with page.expect_navigation():
        page.click("form[action$='/password'] button[type=submit]")
    assert "新密码已设置" in page.content()

    person = browser.new_context(locale="zh-CN", **DESK)
    person.set_default_timeout(WAIT_MS)
    p2 = person.new_page()
    p2.goto(live.url + "/login")
    p2.fill("#username", "wang.lei")
    p2.fill("#password", second)
    p2.click("button[type=submit]")
    p2.wait_for_url(re.compile(r".*/workroom.*"))
    assert "工会调解员 王磊" in p2.content()

    page.goto(user_page)
    with page.expect_navigation():
        page.click("form[action$='/deactivate'] button[type=submit]")
    assert "用户已停用" in page.content()
    admin.shot("users-deactivated")

    p2.goto(live.url + "/workroom")
    p2.wait_for_url(re.compile(r".*/login\?next=.*"))
    assert p2.locator("#password").count() == 1
    person.close()
    admin.close()


def test_supervisor_urges_an_overdue_case_and_reads_last_months_rates(
    browser: Any, live: LiveServer, ctx: Casework, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=10))  # the demo's deadlines pass; nobody sweeps
    sup = Session(browser, live, "supervisor", DESK)
    sup.goto("/supervisor/overdue")
    page = sup.page
    rows = page.locator("#board tbody tr")
    assert rows.count() >= 2
    row_id = rows.first.get_attribute("id")
    assert row_id is not None
    case_id = int(row_id.rsplit("-", 1)[1])
    assert "已逾期" in rows.first.inner_text()  # the most urgent first: overdue
    page.check(f"#pick-{case_id}")
    page.fill("#note", "请今日内处理并回复")
    with page.expect_navigation():
        page.click("#urge-button")
    assert "已催办 1 件案件" in page.locator(".flash").inner_text()
    assert "1 次" in page.locator(f"#board-case-{case_id}").inner_text()
    sup.shot("supervisor-board")

    sup.goto(f"/cases/{case_id}")
    assert "本案已逾期" in page.locator("#overdue-banner").inner_text()
    timeline = page.locator("ol.timeline li").first.inner_text()
    assert "催办" in timeline and "请今日内处理并回复" in timeline
    with ctx.store.transaction(write=False) as tx:
        kinds = [n.kind for n in outbox.of_case(tx, case_id)]
    assert "urge_case" in kinds  # the responsible unit is told

    today = clock.now().astimezone(ZoneInfo(ctx.timezone)).date()
    last_day = today.replace(day=1) - timedelta(days=1)
    sup.goto("/supervisor/rates")
    page.fill("#from", last_day.replace(day=1).isoformat())
    page.fill("#to", last_day.isoformat())
    with page.expect_navigation():
        page.click("form[action='/supervisor/rates'] button[type=submit]")
    assert f"from={last_day.replace(day=1).isoformat()}" in page.url
    assert page.locator("svg").count() >= 5  # a chart per rate
    sup.shot("supervisor-rates")
    sup.close()


def test_a_hostile_label_is_drawn_as_text(browser: Any, live: LiveServer, ctx: Casework) -> None:
    """An image tag in a label fetches nothing and a directive changes nothing: the diagram
    is drawn, with the label's text in it."""
    source = (ROOT / "definitions" / "grid_escalation.yaml").read_text(encoding="utf-8")
    labelled = re.sub(r"(\n  closed:\n    label: ){[^}]*}", r"\1{zh: 'LABEL', en: 'LABEL'}", source)
    assert labelled != source
    version = publish(
        ctx,
        SUPERVISOR,
        labelled.replace("LABEL", HOSTILE_LABEL),
        reason="标签",
        based_on=ctx.registry.latest("grid_escalation").version,
    ).definition.version
    s = Session(browser, live, "supervisor", DESK)
    fetched: list[str] = []
    s.page.on("request", lambda r: fetched.append(r.url) if "probe" in r.url else None)
    s.goto(f"/supervisor/definitions/grid_escalation?version={version}")
    s.page.wait_for_selector(".diagram[data-drawn]")
    svg = s.page.locator(".diagram svg")
    assert svg.count() == 1
    assert svg.locator("img").count() == 0
    drawn = svg.text_content() or ""
    assert '<img src="/static/probe.png">' in drawn, drawn
    assert '%%{init: {"theme": "forest"}}%%' in drawn
    assert "#lt;b#gt;" in drawn
    assert fetched == []
    s.close()


UNITS_FILE = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "s-xinhua,新华街道,Xinhua Street,街道,d-east\n"
    "cm-xinhua,新华一社区,Xinhua Community 1,社区,s-xinhua\n"
    "g-xinhua,新华一社区第1网格,Xinhua grid 1,网格,{parent}\n"
)


def test_admin_imports_a_unit_file_after_fixing_its_error(
    browser: Any, live: LiveServer, ctx: Casework
) -> None:
    s = Session(browser, live, "admin", DESK)
    page = s.page
    s.goto("/admin/import")
    bad = UNITS_FILE.format(parent="cm-xinhau").encode("utf-8")  # a typo in the parent
    page.set_input_files(
        "#file-units", {"name": "units.csv", "mimeType": "text/csv", "buffer": bad}
    )
    with page.expect_navigation():
        page.click("#preview-units")
    row = page.locator("#import-problems tbody tr")
    assert row.count() == 1
    cells = [c.strip() for c in row.locator("td").all_text_contents()]
    assert cells == ["4", "上级单位编码", "上级单位编码不存在。", "cm-xinhau"]
    assert page.locator("#import-apply").count() == 0

    good = UNITS_FILE.format(parent="cm-xinhua").encode("gbk")  # saved again, as GBK
    page.set_input_files(
        "#file-units", {"name": "units.csv", "mimeType": "text/csv", "buffer": good}
    )
    with page.expect_navigation():
        page.click("#preview-units")
    assert "新增 3，更新 0，未变化 0" in page.locator("#import-counts").inner_text()
    with page.expect_navigation():
        page.click("#import-apply")
    assert "已导入 units.csv：新增 3" in page.locator("#import-done").inner_text()
    s.shot("admin-import")
    tree = {u["code"]: u for u in page.evaluate("fetch('/api/units').then(r => r.json())")}
    assert tree["g-xinhua"]["parent"] == "cm-xinhua" and tree["s-xinhua"]["name_zh"] == "新华街道"
    s.goto("/admin/audit?action=units_imported")
    assert page.locator("#audit-entries tbody tr").count() == 1

    # The grid's member comes in by the users' file; later they leave and are deactivated.
    s.goto("/admin/import")
    users = "用户名,姓名,角色,所属单位,网格\nzhou.min,周敏,网格员,,g-xinhua\n".encode()
    page.set_input_files(
        "#file-users", {"name": "users.csv", "mimeType": "text/csv", "buffer": users}
    )
    with page.expect_navigation():
        page.click("#preview-users")
    assert "新增 1" in page.locator("#import-counts").inner_text()
    with page.expect_navigation():
        page.click("#import-apply")
    s.goto("/admin/users")
    with page.expect_navigation():
        page.click("a:text-is('zhou.min')")
    assert "未设置密码" in page.content()  # imported: no password until one is set
    with page.expect_navigation():
        page.click("form[action$='/deactivate'] button[type=submit]")
    assert "用户已停用" in page.content()
    s.shot("admin-import-deactivated")
    s.close()


AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "best-practice"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


@pytest.mark.parametrize(
    ("username", "device", "paths"),
    [
        pytest.param(
            "mediator",
            DESK,
            ["/workroom?view=org", "/cases/{mediation:mediation}", "/workroom/new"],
            id="workroom",
        ),
        pytest.param(
            "grid_member",
            PHONE,
            ["/grid/report", "/grid/reports", "/cases/{grid:verification}"],
            id="grid-member",
        ),
        pytest.param(
            "supervisor",
            DESK,
            [
                "/supervisor/definitions",
                "/supervisor/definitions/grid_escalation",
                "/supervisor/definitions/grid_escalation/edit",
                "/supervisor/definitions/grid_escalation/history",
                "/supervisor/overdue",
                "/supervisor/rates",
            ],
            id="supervisor",
        ),
        pytest.param(
            "admin",
            DESK,
            ["/admin/users", "/admin/users/new", "/admin/users/2", "/account/password"],
            id="users",
        ),
        pytest.param(
            "admin",
            DESK,
            ["/admin/units", "/admin/units/union", "/admin/units/g-hp-1-1", "/admin/grids"],
            id="units",
        ),
        pytest.param(
            "org_admin",
            DESK,
            ["/cases/{mediation:mediation}", "/admin/units"],
            id="workroom-head",
        ),
        pytest.param("admin", DESK, ["/admin/import", "/admin/audit"], id="admin"),
    ],
)
def test_pages_have_no_serious_accessibility_violations(
    browser: Any,
    live: LiveServer,
    demo_cases: dict[str, int],
    username: str,
    device: dict[str, Any],
    paths: list[str],
) -> None:
    """axe-core's WCAG 2 A/AA and best-practice rules: labels, contrast, landmarks, names."""
    # axe is injected as an inline script, which the pages' policy rightly refuses.
    person = Session(browser, live, username, {**device, "bypass_csp": True})
    for path in paths:
        person.goto(re.sub(r"{([\w:]+)}", lambda m: str(demo_cases[m[1]]), path))
        person.page.add_script_tag(path=str(AXE))
        assert person.page.evaluate(AXE_RUN) == [], path
    person.close()


def test_the_queue_downloads_an_export_and_the_agreement_prints(
    browser: Any, live: LiveServer, demo_cases: dict[str, int]
) -> None:
    m = Session(browser, live, "mediator", DESK)
    m.goto("/workroom?view=org")
    page = m.page
    with page.expect_download() as info:
        page.click("text=导出 CSV")
    download = info.value
    assert download.suggested_filename.startswith("cases-")
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "案件编号" in data.decode("utf-8-sig")
    case_id = demo_cases["mediation:follow_up"]
    assert f"\r\n{case_id}," in data.decode("utf-8-sig")

    m.goto(f"/cases/{case_id}")
    with page.expect_navigation():
        page.click("#print-links >> text=人民调解协议书")
    assert page.locator("h1").inner_text() == "人民调解协议书"
    assert "王**" in page.locator("article.document").inner_text()
    page.fill("#print-reason", "打印协议书交当事人签字")
    with page.expect_navigation():
        page.click("article.document >> xpath=preceding::button[@type='submit'][1]")
    document = page.locator("article.document").inner_text()
    assert "王秀英" in document and "调解员（签名）" in document
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.locator("article.document").is_visible()
    m.shot("agreement-print")
    m.close()


def test_a_resident_reports_on_the_public_form_and_follows_it_by_receipt(
    browser: Any, live: LiveServer, ctx: Casework
) -> None:
    ctx.public_grid = "g-hp-1-1"
    context = browser.new_context(
        locale="zh-CN",
        geolocation={"latitude": 39.9612, "longitude": 116.4173},
        permissions=["geolocation"],
        **PHONE,
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live.url + "/public/report")
    assert page.locator("#pipl-notice").is_visible()
    page.select_option("#category", "road_facility")
    page.fill("#location", "和平里七区东门外人行道")
    page.click("button[data-locate]")
    page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
    page.fill("#description", "人行道地砖大面积松动，老人经过容易绊倒")
    page.fill("#name", "王阿姨")
    page.fill("#phone", "13700001111")
    with page.expect_navigation():
        page.click("#public-submit")
    assert "需要您同意" in page.locator("#public-errors").inner_text()
    assert page.locator("#description").input_value().startswith("人行道地砖")
    page.check("#consent")
    with page.expect_navigation():
        page.click("#public-submit")
    receipt = page.locator("#public-receipt").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    assert page.locator("#public-stage").get_attribute("data-stage") == "received"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-receipt-phone.png"), full_page=True)

    page.goto(live.url + "/public/status")
    page.fill("#receipt", receipt.lower())
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#public-stage").inner_text().startswith("已受理")
    assert "王阿姨" not in page.content() and "地砖" not in page.content()
    context.close()
    assert blocked == []
    # axe-core on the public pages (injected as an inline script: the policy bypassed).
    checked = browser.new_context(locale="zh-CN", bypass_csp=True, **PHONE)
    for path in ("/public/report", f"/public/status/{receipt.replace('-', '')}"):
        axe_page = checked.new_page()
        axe_page.goto(live.url + path)
        axe_page.add_script_tag(path=str(AXE))
        assert axe_page.evaluate(AXE_RUN) == [], path
    checked.close()
    # The case holds the phone's position: the handler's duplicate suggestions use it.
    with ctx.store.transaction(write=False) as tx:
        case_id = receipts.case_of(tx, receipt.replace("-", ""))
        assert case_id is not None
        [(lat, lng)] = duplicates.points(tx, [case_id]).values()
    assert abs(lat - 39.9612) < 1e-4 and abs(lng - 116.4173) < 1e-4
