"""Every main page, rendered in Chinese, shows no English: the words a reader sees (text, not
attributes, scripts or code) hold no Latin word but data, codes and names on an allowlist."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.model import Actor
from fengqiao.demo import AREAS, ORGANISATIONS, USERS
from tests.pages.conftest import LoginAs, csrf_of

# Not read as prose: scripts, styles, code (YAML, keys, expressions), the editor's source.
SKIPPED = {"script", "style", "code", "pre", "textarea", "svg", "kbd", "samp"}
QUOTED = re.compile(r"'[^'\n]*'")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]{2,}")
# Names and codes a Chinese page shows as they are: the product, formats, standards.
ALLOWED = {
    "Fengqiao",  # the brand, beside 枫桥
    "YAML",
    "CSV",
    "JSON",
    "Excel",
    "xlsx",
    "ISO",
    "API",
    "Mermaid",
    "English",  # the language switch names each language in itself
    "fengqiao",  # the command named in the help: `fengqiao validate`
    "validate",
}
USERNAMES = {u.username for u in USERS}  # people's names are data, whatever they read like
# Unit codes are identifiers, shown beside the unit's name where one is chosen (a hand-over).
UNIT_CODES = {a[0] for a in AREAS} | {o[0] for o in ORGANISATIONS}
BROKEN_YAML = """\
name: grid_escalation
version: 1
title: {zh: 网格, en: Grid}
owner_roles: [grid_member, bogus_role]
states:
  open: {label: {zh: 开始, en: Open}, initial: true}
  shut: {label: {zh: 结束, en: Shut}, final: true}
transitions:
  - {action: close, from: open, to: closd, label: {zh: 关闭, en: Close}, roles: [mediator]}
"""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.words: list[str] = []
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        data = QUOTED.sub("", data)  # a name quoted from the source ('closd') is data
        if not self.skipping:
            self.words += WORD.findall(data)
            self.lines += [data.strip()] if WORD.search(data) else []


def english_words(html: str, data: frozenset[str] = frozenset()) -> set[str]:
    """The Latin words a reader sees on the page that are neither allowed nor data, each
    with the text it stands in (to tell where it came from)."""
    parser = _Text()
    parser.feed(html)
    return {
        f"{w} in {line!r}"
        for line in parser.lines
        for w in WORD.findall(line)
        if w not in ALLOWED and w not in data and w not in USERNAMES and w not in UNIT_CODES
    }


def _chinese(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert '<html lang="zh-CN">' in response.text
    return response.text


def _escalated_case(ctx: Casework, clock: ManualClock) -> int:
    """A grid report the community let pass: the sweeper escalated it to the street."""
    grid = Actor("grid_member", "grid_member")
    case = ctx.service.open_case("grid_escalation", grid, {}, grid_unit="g-hp-1-1").case
    report = {
        "grid_unit": "g-hp-1-1",
        "location": "和平里七区3号楼北侧",
        "category": "public_safety",
        "severity": "red",
        "description": "井盖缺失",
    }
    ctx.service.fire(case.id, "report", grid, report)
    clock.advance(timedelta(minutes=11))
    while ctx.service.fire_due_timers().claimed:
        pass
    assert ctx.service.get_case(case.id).data["tier"] >= 1
    return case.id


@pytest.mark.parametrize(
    ("user", "path"),
    [
        pytest.param("mediator", "/workroom", id="queue"),
        pytest.param("mediator", "/workroom?view=overdue", id="queue-overdue"),
        pytest.param("mediator", "/workroom/new", id="intake"),
        pytest.param("grid_member", "/grid/report", id="grid-report"),
        pytest.param("grid_member", "/grid/reports", id="my-reports"),
        pytest.param("supervisor", "/supervisor/definitions", id="definitions"),
        pytest.param("supervisor", "/supervisor/definitions/mediation", id="definition"),
        pytest.param("supervisor", "/supervisor/definitions/mediation/history", id="history"),
        pytest.param("supervisor", "/supervisor/definitions/mediation/edit", id="editor"),
        pytest.param("supervisor", "/supervisor/migrations", id="migrations"),
        pytest.param(
            "supervisor", "/supervisor/migrations/new?workflow=mediation", id="migration-plan"
        ),
        pytest.param("supervisor", "/supervisor/overdue", id="overdue-board"),
        pytest.param("supervisor", "/supervisor/rates", id="rates"),
        pytest.param("supervisor", "/supervisor/rates/exclusions", id="exclusions"),
        pytest.param("supervisor", "/points", id="points-ledger"),
        pytest.param("supervisor", "/points?book=assessment", id="points-assessment"),
        pytest.param("grid_member", "/points?account=王秀英", id="points-account"),
        pytest.param("supervisor", "/points/ranking", id="points-ranking"),
    ],
)
def test_a_chinese_page_shows_no_english(login_as: LoginAs, user: str, path: str) -> None:
    assert english_words(_chinese(login_as(user), path)) == set()


def test_the_login_page_shows_no_english(app: object) -> None:
    with TestClient(app) as client:  # type: ignore[arg-type]
        assert english_words(_chinese(client, "/login")) == set()


def test_a_case_with_an_escalation_shows_no_english(
    login_as: LoginAs, ctx: Casework, clock: ManualClock
) -> None:
    case_id = _escalated_case(ctx, clock)
    html = _chinese(login_as("supervisor"), f"/cases/{case_id}")
    assert "逾期未办" in html  # the note the sweeper wrote, in Chinese
    assert english_words(html) == set()


def test_the_editor_with_a_broken_yaml_and_its_dry_run_show_no_english(
    login_as: LoginAs,
) -> None:
    client = login_as("supervisor")
    token = csrf_of(client, "/supervisor/definitions/grid_escalation/edit")
    base = {"csrf_token": token, "opening": "", "steps": ""}
    broken = client.post(
        "/supervisor/definitions/grid_escalation/edit",
        data={**base, "source": BROKEN_YAML, "button": "check"},
    )
    assert broken.status_code == 422
    assert "未知角色" in broken.text and "未定义" in broken.text
    assert "第 4 行" in broken.text  # where, in the editor's words
    assert english_words(broken.text) == set()
    source = client.get("/supervisor/definitions/grid_escalation/edit")
    dry = client.post(
        "/supervisor/definitions/grid_escalation/edit",
        data={
            **base,
            "source": _source_of(source.text),
            "steps": "report\nbogus\n+2 days",
            "button": "dry_run",
        },
    )
    assert dry.status_code in (200, 422)
    assert "未知操作" in dry.text or "不能执行操作" in dry.text  # the step `bogus`, refused
    assert english_words(dry.text, data=frozenset({"bogus"})) == set()  # the step as typed


def _source_of(html: str) -> str:
    import html as html_lib

    found = re.search(r"<textarea[^>]*name=\"source\"[^>]*>(.*?)</textarea>", html, re.DOTALL)
    assert found is not None
    return html_lib.unescape(found.group(1))


def test_the_review_of_a_changed_draft_shows_no_english(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    source = _source_of(client.get("/supervisor/definitions/grid_escalation/edit").text)
    changed = source.replace(
        "owner_roles: [grid_member, org_admin, supervisor]",
        "owner_roles: [grid_member, org_admin, supervisor, mediator]",
    ).replace("label: {zh: 网格发现, en: Discovery}", "label: {zh: 网格巡查发现, en: Patrol}")
    assert changed != source
    token = csrf_of(client, "/supervisor/definitions/grid_escalation/edit")
    review = client.post(
        "/supervisor/definitions/grid_escalation/edit",
        data={
            "csrf_token": token,
            "source": changed,
            "steps": "",
            "opening": "",
            "button": "review",
        },
    )
    assert review.status_code == 200
    assert (
        "可立案角色从 网格员、组织管理员、督导 改为 网格员、组织管理员、督导、调解员" in review.text
    )
    # The diff names a state and the workflow by their codes beside their labels.
    assert english_words(review.text, data=frozenset({"discovery", "grid_escalation"})) == set()
