"""The public intake form and its status page: no login, consent recorded, a receipt to
follow the request, per-address throttling, no personal data or duplicates shown."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.casework.context import Casework
from engine.casework.public_intake import DESK_ACTOR
from engine.model import Actor
from engine.store.tables import AuditRow, CaseRow
from tests.pages.conftest import LoginAs, context_of
from tests.pages.test_no_english import english_words

DESK = "g-hp-1-1"
FIELDS = {
    "category": "road_facility",
    "location": "和平里七区3号楼北侧路口",
    "description": "路口井盖松动，车辆经过时响声很大",
    "name": "李女士",
    "phone": "139 0000 1234",
    "consent": "yes",
}


@pytest.fixture
def public(app: FastAPI, ctx: Casework) -> TestClient:
    ctx.public_grid = DESK
    return TestClient(app)


def _send(client: TestClient, **fields: str) -> Any:
    form = client.get("/public/report")
    assert form.status_code == 200
    token = context_of(form)["csrf_token"]
    data = {**FIELDS, "csrf_token": token, **fields}
    return client.post("/public/report", data=data, follow_redirects=False)


def test_a_request_opens_a_case_and_gives_a_receipt(
    public: TestClient, ctx: Casework, login_as: LoginAs
) -> None:
    form = public.get("/public/report")
    assert 'class="mobile public"' in form.text and "个人信息处理告知" in form.text
    assert "一社区第1网格" in form.text  # the handler of the data, by the desk's unit name
    assert english_words(form.text) == set()
    sent = _send(public, lat="39.961200", lng="116.417300")
    assert sent.status_code == 303, sent.text
    where = sent.headers["location"]
    receipt = where.split("/public/status/")[1].split("?")[0]
    assert len(receipt) == 12
    status = public.get(where)
    assert status.status_code == 200 and english_words(status.text) == set()
    assert "已受理" in status.text and "提交成功" in status.text
    for private in ("李女士", "1234", "井盖松动", "3号楼"):
        assert private not in status.text  # no personal data, no details of the case

    audit = AuditRow.__table__  # type: ignore[attr-defined]
    with ctx.store.transaction(write=False) as tx:
        consent = tx.conn.execute(select(audit).where(audit.c.action == "consent_recorded")).one()
    opened = ctx.service.get_case(consent.case_id)
    assert (opened.state, opened.grid_unit, opened.opened_by) == (
        "community_call",
        DESK,
        DESK_ACTOR,
    )
    assert consent.reason == "pipl-notice-2026-12" and consent.username == DESK_ACTOR
    # Signed in, the handler sees the receipt; and the resident sees the case move on.
    page = login_as("handler").get(f"/cases/{opened.id}")
    assert page.status_code == 200 and context_of(page)["receipt"] == "-".join(
        receipt[i : i + 4] for i in (0, 4, 8)
    )
    ctx.service.fire(
        opened.id, "sign_for", Actor("handler", "handler"), {"handling_unit": "cm-hp-1"}
    )
    assert "正在办理" in public.get(f"/public/status/{receipt}").text


def test_a_typed_receipt_is_found_and_a_wrong_one_is_not(public: TestClient) -> None:
    where = _send(public).headers["location"].split("?")[0]
    receipt = where.rsplit("/", 1)[1]
    typed = "-".join(receipt[i : i + 4] for i in (0, 4, 8)).lower()
    found = public.get("/public/status", params={"receipt": typed}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == where
    assert public.get("/public/status", params={"receipt": "123"}).status_code == 422
    missing = public.get("/public/status/ABCDEFGHJKMN")
    assert missing.status_code == 404 and "没有找到" in missing.text
    lookup = public.get("/public/status")
    assert lookup.status_code == 200 and english_words(lookup.text) == set()


def test_without_consent_or_with_bad_fields_nothing_is_written(
    public: TestClient, ctx: Casework
) -> None:
    refused = _send(public, consent="")
    assert refused.status_code == 422 and "需要您同意" in refused.text
    bad = _send(public, phone="abc", category="bogus", description="短", lat="99", lng="1")
    assert bad.status_code == 422
    assert set(context_of(bad)["errors"]) == {"phone", "category", "description", "_place"}
    assert english_words(bad.text, data=frozenset({"abc"})) == set()
    with ctx.store.transaction(write=False) as tx:
        assert (
            tx.conn.execute(
                select(CaseRow.__table__.c.id).where(  # type: ignore[attr-defined]
                    CaseRow.__table__.c.opened_by == DESK_ACTOR  # type: ignore[attr-defined]
                )
            ).first()
            is None
        )


def test_each_address_may_send_only_a_few_requests(public: TestClient) -> None:
    for _ in range(5):
        assert _send(public).status_code == 303
    throttled = _send(public)
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert "提交过于频繁" in throttled.text


def test_a_post_without_the_form_token_is_refused(public: TestClient) -> None:
    public.get("/public/report")
    refused = public.post("/public/report", data={**FIELDS, "csrf_token": "x" * 32})
    assert refused.status_code == 403


def test_without_a_desk_there_is_no_public_form(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/public/report").status_code == 404
