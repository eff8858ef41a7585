"""The overdue board's page with 催办 on a selection, urging from the case page (its next
deadline and overdue banner), and the workroom queue most urgent first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.casework.context import Casework
from engine.casework.notifications import claim_deliveries
from engine.casework.urging import URGE
from engine.clock import ManualClock
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

BOARD = "/supervisor/overdue"


def test_the_board_shows_why_each_case_is_late_and_urges_a_selection(
    login_as: LoginAs, ctx: Casework, clock: ManualClock, demo_cases: dict[str, int]
) -> None:
    clock.advance(timedelta(days=40))  # nobody swept: every pending deadline is missed
    client = login_as("supervisor")
    page = client.get(BOARD)
    assert template_of(page) == "supervisor/overdue.html"
    lines = context_of(page)["cases"]
    assert lines and all(line.overdue for line in lines)
    mediation = demo_cases["mediation:mediation"]
    line = next(line for line in lines if line.id == mediation)
    assert line.unit == "区总工会" and line.missed and line.missed_at
    assert line.late.startswith("已逾期") and line.urges == 0
    assert "逾期看板" in page.text and 'name="case_id"' in page.text and "催办" in page.text
    picked = [lines[0].id, mediation]
    token = csrf_of(client, BOARD)
    sent = client.post(
        f"{BOARD}/urge",
        data={"csrf_token": token, "case_id": [str(i) for i in picked], "note": "请今日处理"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{BOARD}?urged=2"
    after = client.get(sent.headers["location"])
    assert "已催办 2 件案件。" in after.text
    urged = {line.id: line.urges for line in context_of(after)["cases"]}
    assert urged[mediation] == 1 and urged[picked[0]] == 1
    notified = {(n.case_id, n.kind) for n in claim_deliveries(ctx, clock.now(), 500)}
    assert {(mediation, URGE), (picked[0], URGE)} <= notified
    case_page = client.get(f"/cases/{mediation}")
    assert "催办" in case_page.text and "请今日处理" in case_page.text
    entry = context_of(case_page)["timeline"][0]
    assert (entry.action, entry.note, entry.urge) == ("催办", "请今日处理", True)


def test_urging_nothing_or_by_a_mediator_is_refused(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    client = login_as("supervisor")
    token = csrf_of(client, BOARD)
    empty = client.post(f"{BOARD}/urge", data={"csrf_token": token, "note": "x"})
    assert empty.status_code == 422 and "请先勾选要催办的案件。" in empty.text
    mediation = demo_cases["mediation:mediation"]
    mediator = login_as("mediator")
    token = csrf_of(mediator, f"/cases/{mediation}")
    refused = mediator.post(f"/cases/{mediation}/urge", data={"csrf_token": token})
    assert refused.status_code == 403
    assert 'id="urge-button"' not in mediator.get(f"/cases/{mediation}").text
    assert URGE not in [e.action for e in ctx.service.history(mediation)]
    bad_unit = client.get(f"{BOARD}?unit=nowhere")
    assert bad_unit.status_code == 422 and "没有这个单位。" in bad_unit.text


def test_the_case_page_shows_the_next_deadline_an_overdue_banner_and_urges(
    login_as: LoginAs, ctx: Casework, clock: ManualClock, demo_cases: dict[str, int]
) -> None:
    mediation = demo_cases["mediation:mediation"]
    client = login_as("supervisor")
    before = client.get(f"/cases/{mediation}")
    assert context_of(before)["next_deadline"] is not None and not context_of(before)["overdue"]
    assert 'id="next-deadline"' in before.text and 'id="overdue-banner"' not in before.text
    clock.advance(timedelta(days=40))
    client = login_as("supervisor")  # sessions last 12 hours
    late = client.get(f"/cases/{mediation}")
    assert 'id="overdue-banner"' in late.text and "本案已逾期" in late.text
    assert "应于" in context_of(late)["overdue_text"]
    token = csrf_of(client, f"/cases/{mediation}")
    sent = client.post(
        f"/cases/{mediation}/urge",
        data={"csrf_token": token, "note": "尽快联系双方", "idem": "once"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{mediation}?urged=1"
    again = client.post(  # the same form sent twice: urged once
        f"/cases/{mediation}/urge",
        data={"csrf_token": token, "note": "尽快联系双方", "idem": "once"},
        follow_redirects=False,
    )
    assert again.status_code == 303
    shown = client.get(sent.headers["location"])
    assert "已催办，责任单位已收到通知。" in shown.text
    assert context_of(shown)["urges"] == 1
    assert [e.action for e in ctx.service.history(mediation)].count(URGE) == 1
    english = client.get(f"/cases/{mediation}?lang=en")
    assert "This case is overdue" in english.text and "Urged" in english.text


def test_the_queue_puts_the_most_urgent_first_with_its_due_date_and_days_late(
    login_as: LoginAs, ctx: Casework, clock: ManualClock, demo_cases: dict[str, int]
) -> None:
    clock.advance(timedelta(days=40))
    client = login_as("org_admin")
    page = client.get("/workroom?view=org")
    context: dict[str, Any] = context_of(page)
    assert context["sort"] == "urgency"
    cards = context["cases"]
    overdue = [c.overdue for c in cards]
    assert overdue == sorted(overdue, reverse=True)  # the overdue ones first
    late = [c for c in cards if c.late_days]
    assert late and "已逾期" in page.text and f"已逾期 {late[0].late_days}天" in page.text
    assert late[0].due is not None and late[0].due.at_text in page.text
    days = [c.late_days for c in cards if c.late_days is not None]
    assert days == sorted(days, reverse=True)  # overdue longest first (all tier 0)
    newest = context_of(client.get("/workroom?view=org&sort=newest"))
    assert newest["sort"] == "newest"
    assert [c.id for c in newest["cases"]] == sorted((c.id for c in newest["cases"]), reverse=True)
    assert 'name="sort"' in page.text and "紧急程度" in page.text
