"""The admin's webhook page: a client system's deliveries with their attempts, filtered by
client and status; a delivery sent again from its button; in Chinese without English; only
for admins."""

from __future__ import annotations

import random

from sqlalchemy import update

from engine.casework import webhooks
from engine.casework.client_systems import create_client
from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.webhooks import Outcome
from engine.model import Actor
from engine.store.queries import cases
from engine.visibility import Visibility
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of
from tests.pages.test_no_english import english_words

PATH = "/admin/webhooks"
ADMIN = User(0, "admin", "admin", "admin", None, [], scope=Visibility(everything=True))
DATA = {"category": "family", "source": "walk_in", "description": "噪音", "notice_given": True}


def delivered_once(ctx: Casework) -> int:
    """A case of `citizen-app` registered: one delivery, its first attempt answered 503."""
    create_client(ctx, ADMIN, "citizen-app")
    webhooks.set_webhook(ctx, ADMIN, "citizen-app", "https://hooks.example.org/fq")
    mediator = Actor("mediator", "mediator")
    case = ctx.service.open_case("mediation", mediator, DATA, org_unit="union").case
    with ctx.store.transaction() as tx:
        tx.conn.execute(
            update(cases)
            .where(cases.c.id == case.id)
            .values(external_source="citizen-app", external_id="A-1")
        )
    ctx.service.fire(case.id, "register", mediator, {})
    [due] = webhooks.claim_due(ctx, ctx.clock.now(), 10)
    webhooks.record_attempt(
        ctx, due, Outcome(False, 503, "HTTP 503", 41), ctx.clock.now(), random.Random(1)
    )
    return due.id


def test_an_admin_sees_the_attempts_and_sends_a_delivery_again(
    ctx: Casework, login_as: LoginAs
) -> None:
    delivery = delivered_once(ctx)
    client = login_as("admin")
    page = client.get(PATH)
    assert template_of(page) == "admin/webhooks.html"
    [line] = context_of(page)["lines"]
    assert (line.id, line.client, line.status) == (delivery, "citizen-app", "pending")
    assert line.change == "intake → assessment"
    assert [(a.status_code, a.ok, a.duration_ms) for a in line.attempts] == [(503, False, 41)]
    assert "HTTP 503" in page.text and "待推送" in page.text and "下次尝试" in page.text
    assert english_words(page.text, frozenset({"citizen-app"})) == set()
    assert context_of(client.get(PATH, params={"status": "delivered"}))["lines"] == []
    assert context_of(client.get(PATH, params={"client": "other"}))["lines"] == []
    token = csrf_of(client, PATH)
    sent = client.post(
        f"{PATH}/{delivery}/redeliver", data={"csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{PATH}?redelivered={delivery}"
    after = client.get(sent.headers["location"])
    assert f"推送 {delivery} 将在下一轮重新发送" in after.text
    missing = client.post(f"{PATH}/999/redeliver", data={"csrf_token": token})
    assert missing.status_code == 404


def test_only_admins_see_the_page(ctx: Casework, login_as: LoginAs) -> None:
    delivery = delivered_once(ctx)
    admin = login_as("admin")
    assert f'href="{PATH}"' in admin.get("/supervisor/definitions").text
    for who in ("supervisor", "org_admin", "mediator"):
        other = login_as(who)
        assert other.get(PATH).status_code == 403
        token = csrf_of(other, "/workroom")
        refused = other.post(f"{PATH}/{delivery}/redeliver", data={"csrf_token": token})
        assert refused.status_code == 403
