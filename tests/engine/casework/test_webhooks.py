"""Status back to the source: a change of state of a case opened by a client system with a
webhook writes a delivery in the same transaction (none if it rolls back); the worker's
attempts are kept, tried again later and later, then failed for good; an admin sends one
again. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.casework import webhooks
from engine.casework.cases import fire, open_case
from engine.casework.client_systems import create_client
from engine.casework.context import Casework
from engine.casework.errors import InvalidClientError, NotPermittedError, UnknownDeliveryError
from engine.casework.webhooks import Outcome
from engine.clock import ManualClock
from engine.external import ExternalRef
from engine.store import audit
from engine.store import webhooks as webhook_store
from engine.store.client_systems import client_systems as client_table
from engine.webhooks import MAX_ATTEMPTS, STATE_CHANGED
from tests.engine.casework.conftest import person

DATA = {"category": "family", "source": "walk_in", "description": "邻里噪音", "notice_given": True}
ASSESSED: dict[str, Any] = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
AGREED = {
    "agreement_form": "written",
    "agreement_terms": "分期给付",
    "performance_deadline": "2026-12-20",
}
URL = "https://hooks.example.org/fengqiao"
FAILED = Outcome(False, 503, "HTTP 503", 12)


def hooked(cw: Casework, name: str = "wx-union") -> webhooks.NewWebhook:
    create_client(cw, person("admin"), name)
    return webhooks.set_webhook(cw, person("admin"), name, URL)


def opened(cw: Casework, ticket: str = "T1", source: str = "wx-union") -> int:
    ref = ExternalRef(source, ticket)
    return open_case(cw, person("mediator"), "mediation", DATA, external=ref).case.id


def step(cw: Casework, case_id: int, action: str, data: dict[str, Any] | None = None) -> None:
    fire(cw, person("mediator"), case_id, action, data or {}, expected_version=None)


def bodies(cw: Casework) -> list[dict[str, Any]]:
    found = webhooks.deliveries(cw, person("admin"))
    return [json.loads(h.delivery.body) for h in reversed(found)]


def test_a_change_of_state_writes_a_signed_delivery_to_the_source(cw: Casework) -> None:
    made = hooked(cw)
    assert made.secret.startswith("whsec_") and len(made.secret) > 40
    case_id = opened(cw)
    assert bodies(cw) == []  # opening is the source's own doing: nothing to tell it
    step(cw, case_id, "register")
    [body] = bodies(cw)
    assert body["event"] == STATE_CHANGED
    assert (body["source"], body["external_id"], body["case_id"]) == ("wx-union", "T1", case_id)
    assert (body["old_state"], body["new_state"], body["status"]) == (
        "intake",
        "assessment",
        "open",
    )
    [history] = webhooks.deliveries(cw, person("admin"))
    assert history.delivery.delivery_id == body["id"]
    assert history.delivery.status == "pending" and history.attempts == []
    # A step that keeps the state (a transfer inside assessment) tells nothing.
    step(cw, case_id, "transfer", {"organisation": "women"})
    assert len(bodies(cw)) == 1
    # Closing: the status the source reads is closed, the sequence grows.
    step(cw, case_id, "party_refuses")
    first, last = bodies(cw)
    assert (last["old_state"], last["new_state"], last["status"]) == (
        "assessment",
        "closed",
        "closed",
    )
    assert last["sequence"] > first["sequence"]
    assert last["id"] != first["id"]


def test_cases_of_other_sources_and_clients_without_a_webhook_get_none(cw: Casework) -> None:
    hooked(cw)
    create_client(cw, person("admin"), "no-hook")
    plain = open_case(cw, person("mediator"), "mediation", DATA).case.id
    other = opened(cw, source="no-hook")
    hotline = opened(cw, source="12345")  # a source that is no client system
    for case_id in (plain, other, hotline):
        step(cw, case_id, "register")
    assert bodies(cw) == []


def test_a_rolled_back_change_leaves_no_webhook(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooked(cw)
    case_id = opened(cw)
    real = webhook_store.enqueue_changes
    written: list[int] = []

    def then_fail(tx: Any, changed: Any) -> int:
        written.append(real(tx, changed))  # the delivery is written in the transaction…
        raise RuntimeError("the transaction fails before its commit")

    monkeypatch.setattr(webhook_store, "enqueue_changes", then_fail)
    with pytest.raises(RuntimeError):
        step(cw, case_id, "register")
    assert written == [1]
    monkeypatch.undo()
    # …and rolled back with the change of state it told of.
    assert cw.service.get_case(case_id).state == "intake"
    assert bodies(cw) == []


def test_a_timer_firing_writes_a_delivery(cw: Casework, clock: ManualClock) -> None:
    hooked(cw)
    case_id = opened(cw)
    step(cw, case_id, "register")
    step(cw, case_id, "start_mediation", ASSESSED)
    step(cw, case_id, "reach_agreement", AGREED)
    clock.advance(timedelta(days=31))
    report = cw.service.fire_due_timers(limit=50)
    assert report.fired == 1
    last = bodies(cw)[-1]
    assert (last["case_id"], last["old_state"], last["new_state"]) == (
        case_id,
        "agreement",
        "follow_up",
    )
    assert cw.service.get_case(case_id).state == "follow_up"


def test_failed_attempts_are_kept_and_tried_later_then_given_up(
    cw: Casework, clock: ManualClock
) -> None:
    hooked(cw)
    case_id = opened(cw)
    step(cw, case_id, "register")
    rng = random.Random(3)
    waits: list[timedelta] = []
    for n in range(1, MAX_ATTEMPTS + 1):
        [due] = webhooks.claim_due(cw, clock.now(), 10)
        assert (due.url, due.attempts) == (URL, n - 1)
        assert webhooks.claim_due(cw, clock.now(), 10) == []  # claimed: not twice
        status = webhooks.record_attempt(cw, due, FAILED, clock.now(), rng)
        history = webhooks.delivery(cw, person("admin"), due.id)
        assert len(history.attempts) == n
        assert history.attempts[-1].status_code == 503
        if n == MAX_ATTEMPTS:
            assert status == "failed" and history.delivery.status == "failed"
            break
        assert status == "pending"
        wait = history.delivery.next_attempt_at - clock.now()
        waits.append(wait)
        clock.advance(wait - timedelta(seconds=1))
        assert webhooks.claim_due(cw, clock.now(), 10) == []  # not before its time
        clock.advance(timedelta(seconds=1))
    assert waits[-1] > waits[0] * 8  # growing
    clock.advance(timedelta(days=30))
    assert webhooks.claim_due(cw, clock.now(), 10) == []  # dead: never by itself again
    assert webhooks.deliveries(cw, person("admin"), status="failed")[0].delivery.id == due.id


def test_a_redelivery_sends_the_same_delivery_again(cw: Casework, clock: ManualClock) -> None:
    hooked(cw)
    case_id = opened(cw)
    step(cw, case_id, "register")
    [due] = webhooks.claim_due(cw, clock.now(), 10)
    webhooks.record_attempt(cw, due, Outcome(True, 204, None, 8), clock.now(), random.Random())
    assert webhooks.delivery(cw, person("admin"), due.id).delivery.status == "delivered"
    again = webhooks.redeliver(cw, person("admin"), due.id)
    assert again.delivery.status == "pending" and len(again.attempts) == 1
    [due2] = webhooks.claim_due(cw, clock.now(), 10)
    assert (due2.delivery_id, due2.body, due2.attempts) == (due.delivery_id, due.body, 0)
    with cw.store.transaction(write=False) as tx:
        entries = audit.entries(tx, case_ids=[case_id])
    assert [e.action for e in entries if e.action == webhooks.WEBHOOK_REDELIVERED] == [
        webhooks.WEBHOOK_REDELIVERED
    ]
    with pytest.raises(UnknownDeliveryError):
        webhooks.redeliver(cw, person("admin"), 9999)


def test_a_delivery_to_a_client_whose_webhook_was_removed_fails_its_attempt(
    cw: Casework, clock: ManualClock
) -> None:
    hooked(cw)
    case_id = opened(cw)
    step(cw, case_id, "register")
    webhooks.remove_webhook(cw, person("admin"), "wx-union")
    [due] = webhooks.claim_due(cw, clock.now(), 10)
    assert (due.url, due.secret) == (None, None)
    step(cw, case_id, "party_refuses")
    assert len(bodies(cw)) == 1  # no more once removed


@pytest.mark.parametrize(
    ("url", "field"),
    [("ftp://hooks.example.org/", "webhook_url"), ("http://10.0.0.5/hook", "webhook_url")],
)
def test_a_bad_url_is_refused_and_nothing_is_written(cw: Casework, url: str, field: str) -> None:
    create_client(cw, person("admin"), "wx-union")
    with pytest.raises(InvalidClientError) as refused:
        webhooks.set_webhook(cw, person("admin"), "wx-union", url)
    assert refused.value.field == field
    with cw.store.transaction(write=False) as tx:
        row = tx.conn.execute(select(client_table.c.webhook_url, client_table.c.webhook_secret))
        assert row.one() == (None, None)
    if url.startswith("http"):  # a private host: when private hosts are allowed
        made = webhooks.set_webhook(cw, person("admin"), "wx-union", url, allow_private=True)
        assert made.url == url


def test_only_admins_manage_webhooks(cw: Casework) -> None:
    create_client(cw, person("admin"), "wx-union")
    with pytest.raises(NotPermittedError):
        webhooks.set_webhook(cw, person("org_admin"), "wx-union", URL)
    with pytest.raises(NotPermittedError):
        webhooks.deliveries(cw, person("supervisor"))
    with pytest.raises(InvalidClientError):
        webhooks.set_webhook(cw, person("admin"), "nobody", URL)


def test_the_secret_is_audited_never(cw: Casework) -> None:
    made = hooked(cw)
    with cw.store.transaction(write=False) as tx:
        entries = audit.entries(tx)
    [entry] = [e for e in entries if e.action == webhooks.WEBHOOK_SET]
    assert json.loads(entry.reason) == {"client": "wx-union", "url": URL, "allow_private": False}
    assert made.secret not in entry.reason
