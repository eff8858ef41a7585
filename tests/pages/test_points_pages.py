"""The points pages on the demo data: the ledger with balances, a redemption that fits and one
that would overdraw (re-shown with what was typed, nothing written), a counter-entry, the
quarterly ranking with every organisation; other roles refused (tests/pages/test_no_english.py
reads them in Chinese)."""

from __future__ import annotations

from typing import Any

from engine.casework.context import Casework
from engine.store import points as ledger_store
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of


def balance_of(ctx: Casework, account: str) -> int:
    with ctx.store.transaction(write=False) as tx:
        return ledger_store.balance(
            tx, "person", account, ("volunteering", "public_benefit", "care", "redemption")
        )


def test_the_ledger_shows_balances_and_where_each_entry_came_from(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    page = login_as("handler").get("/points")
    assert page.status_code == 200 and template_of(page) == "points/ledger.html"
    seen: dict[str, Any] = context_of(page)
    assert {(b.account, b.balance) for b in seen["balances"]} == {
        ("夕阳红志愿服务队", 50),
        ("王秀英", 10),  # 30 awarded, 20 redeemed at the demo's partner
    }
    by_case = {e.case_id for e in seen["entries"] if e.case_id}
    assert demo_cases["points:awarded"] in by_case
    assert any(e.partner == "惠民超市" and e.amount == -20 for e in seen["entries"])
    assert "惠民超市" in page.text and f"/cases/{demo_cases['points:awarded']}" in page.text
    assert 'href="/workroom/new?workflow=public_points"' in page.text  # record new work
    org_admin = login_as("org_admin").get("/points").text
    assert 'href="/workroom/new?workflow=public_points"' not in org_admin


def test_a_redemption_fits_the_balance_or_is_refused(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("grid_member")
    token = csrf_of(client, "/points")
    form = {"csrf_token": token, "account": "王秀英", "amount": "11", "partner": "便民家政"}
    refused = client.post("/points/redeem", data=form)
    assert refused.status_code == 422
    assert "积分不足" in refused.text and 'value="便民家政"' in refused.text
    assert balance_of(ctx, "王秀英") == 10
    sent = client.post("/points/redeem", data={**form, "amount": "10"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/points?redeemed=")
    assert balance_of(ctx, "王秀英") == 0
    bad = client.post("/points/redeem", data={**form, "amount": "-1"})
    assert bad.status_code == 422 and "正整数" in bad.text


def test_a_supervisor_corrects_an_entry_once(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("supervisor")
    entries = context_of(client.get("/points"))["entries"]
    award = next(e for e in entries if e.account == "夕阳红志愿服务队")
    token = csrf_of(client, "/points")
    data = {"csrf_token": token, "entry_id": str(award.id), "reason": "人次登记有误"}
    sent = client.post("/points/correct", data=data, follow_redirects=False)
    assert sent.status_code == 303
    assert balance_of(ctx, "夕阳红志愿服务队") == 0
    again = client.post("/points/correct", data=data)
    assert again.status_code == 409 and "已冲正" in again.text
    assert client.post("/points/correct", data={**data, "entry_id": "999999"}).status_code == 404
    assert login_as("handler").post("/points/correct", data=data).status_code in (403, 422)


def test_the_ranking_lists_every_organisation_for_the_quarter(login_as: LoginAs) -> None:
    page = login_as("org_admin").get("/points/ranking")
    assert page.status_code == 200 and template_of(page) == "points/ranking.html"
    ranking = context_of(page)["ranking"]
    top = ranking.units[0]
    assert (top.code, top.total, top.items["activities"]) == ("union", 20, -5)
    assert [u.code for u in ranking.units[:2]] == ["union", "women"]
    assert {u.code for u in ranking.units} >= {"union", "women", "youth", "disabled", "science"}
    assert "矛盾化解" in page.text and "区总工会" in page.text
    assert login_as("org_admin").get("/points/ranking?quarter=2026Q7").status_code == 422


def test_other_roles_are_refused(login_as: LoginAs) -> None:
    assert login_as("mediator").get("/points").status_code == 403
    assert login_as("mediator").get("/points/ranking").status_code == 403


def test_a_supervisor_starts_an_organisations_assessment_from_the_ranking(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("supervisor")
    page = client.get("/points/ranking?quarter=2027Q1")
    assert context_of(page)["may_open"] and 'action="/points/ranking/open"' in page.text
    token = csrf_of(client, "/points/ranking")
    sent = client.post(
        "/points/ranking/open",
        data={"csrf_token": token, "unit": "youth", "quarter": "2027Q1"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    case_id = int(sent.headers["location"].split("/")[2].split("?")[0])
    case = ctx.service.get_case(case_id)
    assert (case.workflow, case.org_unit, case.data["quarter"]) == (
        "quarterly_scoring",
        "youth",
        "2027Q1",
    )
    bad = client.post(
        "/points/ranking/open", data={"csrf_token": token, "unit": "nowhere", "quarter": "2027Q1"}
    )
    assert "不在您的管辖范围内" in bad.text
    assert "may_open" in context_of(login_as("org_admin").get("/points/ranking"))
    assert not context_of(login_as("org_admin").get("/points/ranking"))["may_open"]
    workflows = context_of(client.get("/workroom/new"))["workflows"]
    assert "quarterly_scoring" not in {name for name, _ in workflows}


def test_a_double_submitted_form_is_applied_once(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("grid_member")
    page = client.get("/points")
    token, idem = context_of(page)["csrf_token"], context_of(page)["idem_redeem"]
    assert f'name="idem" value="{idem}"' in page.text
    assert context_of(client.get("/points"))["idem_redeem"] != idem  # a new key each time shown
    form = {"csrf_token": token, "idem": idem, "account": "王秀英", "amount": "4", "partner": "p"}
    first = client.post("/points/redeem", data=form, follow_redirects=False)
    second = client.post("/points/redeem", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert balance_of(ctx, "王秀英") == 6
    changed = client.post("/points/redeem", data={**form, "amount": "5"})
    assert changed.status_code == 422 and balance_of(ctx, "王秀英") == 6

    supervisor = login_as("supervisor")
    page = supervisor.get("/points")
    shown = context_of(page)
    assert f'name="idem" value="{shown["idem_correct"]}"' in page.text
    redemption = next(e for e in shown["entries"] if e.account == "王秀英" and e.amount == -4)
    data = {
        "csrf_token": shown["csrf_token"],
        "idem": shown["idem_correct"],
        "entry_id": str(redemption.id),
        "reason": "伙伴未能提供服务",
    }
    first = supervisor.post("/points/correct", data=data, follow_redirects=False)
    second = supervisor.post("/points/correct", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303  # not 409 "corrected already"
    assert balance_of(ctx, "王秀英") == 10
