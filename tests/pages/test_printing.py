"""The printable agreement and follow-up record: offered once the case reached them, the
parties masked until a reason is given (audited), then named; refused otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.pages.templating import STATIC_DIR
from engine.casework.context import Casework
from engine.store import audit
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of


def page_of(response: Any, document: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert template_of(response) == f"workroom/print_{document}.html"
    return context_of(response)


def reads_of(ctx: Casework, case_id: int) -> list[tuple[str, str]]:
    with ctx.store.transaction(write=False) as tx:
        entries = audit.entries(tx, case_ids=[case_id])
    return [(e.username, e.reason) for e in entries if e.action == "personal_data_read"]


def test_the_agreement_prints_masked_then_named_after_an_audited_reveal(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:follow_up"]
    client = login_as("mediator")
    masked = client.get(f"/cases/{case_id}/print/agreement")
    page = page_of(masked, "agreement")
    assert not page["revealed"] and page["may_reveal"]
    assert "王秀英" not in masked.text and "王**" in masked.text
    assert page["terms"] and page["terms"] in masked.text
    assert page["agreement"] is not None and page["agreement"].at
    assert "调解员（签名）" in masked.text and "人民调解协议书" in masked.text
    assert reads_of(ctx, case_id) == []
    token = csrf_of(client, f"/cases/{case_id}/print/agreement")
    named = client.post(
        f"/cases/{case_id}/print/agreement", data={"csrf_token": token, "reason": "打印协议书"}
    )
    shown = page_of(named, "agreement")
    assert shown["revealed"] and "王秀英" in named.text and "张丽" in named.text
    assert 'action="/cases/' not in named.text.split("<article")[1]
    assert reads_of(ctx, case_id) == [("mediator", "打印协议书")] * len(shown["parties"])


def test_the_follow_up_record_shows_the_visit_recorded(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    client = login_as("mediator")
    closed = client.get(f"/cases/{demo_cases['mediation:closed']}/print/visit")
    page = page_of(closed, "visit")
    assert page["visit"] is not None
    assert "协议履行情况" in closed.text and "已履行" in closed.text
    assert "回访人（签名）" in closed.text and "王**" in closed.text
    waiting = page_of(
        client.get(f"/cases/{demo_cases['mediation:follow_up']}/print/visit"), "visit"
    )
    assert waiting["visit"] is None and waiting["visit_date"]


def test_a_document_the_case_has_not_reached_is_not_found(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    client = login_as("mediator")
    in_mediation = demo_cases["mediation:mediation"]
    assert client.get(f"/cases/{in_mediation}/print/agreement").status_code == 404
    agreed = demo_cases["mediation:agreement"]
    disabled = login_as("mediator_disabled")
    assert disabled.get(f"/cases/{agreed}/print/agreement").status_code == 200
    assert disabled.get(f"/cases/{agreed}/print/visit").status_code == 404
    assert client.get(f"/cases/{agreed}/print/agreement").status_code == 404  # not visible
    assert client.get(f"/cases/{agreed}/print/minutes").status_code == 404


def test_the_reveal_needs_a_reason_and_a_role_that_may(
    login_as: LoginAs, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    case_id = demo_cases["mediation:follow_up"]
    client = login_as("mediator")
    token = csrf_of(client, f"/cases/{case_id}/print/agreement")
    no_reason = client.post(f"/cases/{case_id}/print/agreement", data={"csrf_token": token})
    assert no_reason.status_code == 422 and "王秀英" not in no_reason.text
    supervisor = login_as("supervisor")
    page = page_of(supervisor.get(f"/cases/{case_id}/print/agreement"), "agreement")
    assert not page["may_reveal"]
    token = csrf_of(supervisor, f"/cases/{case_id}/print/agreement")
    refused = supervisor.post(
        f"/cases/{case_id}/print/agreement", data={"csrf_token": token, "reason": "想看"}
    )
    assert refused.status_code == 403 and "王秀英" not in refused.text
    no_csrf = client.post(f"/cases/{case_id}/print/agreement", data={"reason": "打印"})
    assert no_csrf.status_code == 403
    assert reads_of(ctx, case_id) == []


def test_the_case_page_links_the_documents_it_has(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    client = login_as("mediator")
    follow_up = demo_cases["mediation:follow_up"]
    page = client.get(f"/cases/{follow_up}")
    assert context_of(page)["documents"] == ("agreement", "visit")
    assert f'href="/cases/{follow_up}/print/agreement"' in page.text
    in_mediation = client.get(f"/cases/{demo_cases['mediation:mediation']}")
    assert context_of(in_mediation)["documents"] == ()
    assert "/print/" not in in_mediation.text


def test_every_page_prints_without_navigation_on_a4() -> None:
    css = (Path(STATIC_DIR) / "css" / "app.css").read_text()
    printing = css[css.index("@media print") :]
    assert "@page { size: A4;" in css
    for hidden in ("header.top", "nav", ".no-print", "form", "button", ".exports"):
        assert hidden in printing.split("{")[1]
