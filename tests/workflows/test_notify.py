"""Notifications: what a message says (never the case's details), senders, delivery tasks."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from prefect import flow

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.service import WorkflowService
from engine.store import outbox
from engine.store.repository import SqlStore
from tests.workflows.cases import mediation_in_follow_up
from workflows.flows import deliver_outbox
from workflows.notify import (
    FileSender,
    LogSender,
    Message,
    Sender,
    SenderSpecError,
    sender_from,
)


class Flaky:
    """Fails the first `failures` sends of each message, then delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.tries: dict[int, int] = {}
        self.delivered: list[Message] = []

    def send(self, message: Message) -> None:
        self.tries[message.id] = self.tries.get(message.id, 0) + 1
        if self.tries[message.id] <= self.failures:
            raise ConnectionError("gateway unreachable")
        self.delivered.append(message)


def factory() -> Flaky:
    return Flaky(0)


def deliver(
    cw: Casework, sender: Sender, now: datetime, retry_delays_s: tuple[float, ...] = (0,)
) -> dict[str, int]:
    """Delivery inside a flow run, as the sweeper does it (tasks are submitted in a flow)."""

    @flow(name="deliver-under-test")
    def run() -> dict[str, int]:
        return deliver_outbox(cw, sender, now, retry_delays_s=retry_delays_s)

    return run()


def counts(store: SqlStore) -> dict[str, int]:
    with store.transaction(write=False) as tx:
        return outbox.counts(tx)


def claim(store: SqlStore, now: datetime) -> list[outbox.ClaimedNotice]:
    with store.transaction() as tx:
        return outbox.claim(tx, now, 100)


def due_notifications(service: WorkflowService, clock: ManualClock) -> int:
    """A follow-up visit gone by: a reminder to the mediator, an escalation to the admin."""
    case = mediation_in_follow_up(service)
    clock.advance(timedelta(days=8))
    service.fire_due_timers()
    return case.id


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        pytest.param("log", LogSender, id="log"),
        pytest.param("file:/tmp/n.jsonl", FileSender, id="file"),
        pytest.param("tests.workflows.test_notify:factory", Flaky, id="plugin"),
    ],
)
def test_the_sender_is_a_setting(spec: str, kind: type) -> None:
    assert isinstance(sender_from(spec), kind)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("smtp", id="unknown-word"),
        pytest.param("no_such_module:make", id="missing-module"),
        pytest.param("tests.workflows.test_notify:nothing", id="missing-factory"),
        pytest.param("tests.workflows.test_notify:due_notifications_count", id="not-a-sender"),
    ],
)
def test_a_bad_sender_setting_is_refused(spec: str) -> None:
    with pytest.raises(SenderSpecError):
        sender_from(spec)


def due_notifications_count() -> int:
    return 0


@pytest.mark.slow  # the Prefect test harness
def test_messages_say_which_case_and_where_nothing_more(
    prefect_harness: None,
    service: WorkflowService,
    clock: ManualClock,
    casework: Casework,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case_id = due_notifications(service, clock)
    sink = tmp_path / "out" / "notifications.jsonl"
    assert deliver(casework, FileSender(sink), clock.now())["sent"] == 3
    lines = [json.loads(x) for x in sink.read_text(encoding="utf-8").splitlines()]
    assert {(m["kind"], m["to"]["role"]) for m in lines} == {
        ("transition", "mediator"),  # start_mediation told the mediator
        ("reminder", "mediator"),
        ("transition", "org_admin"),  # the missed visit, escalated
    }
    for m in lines:
        assert m["link"] == f"/cases/{case_id}"
        assert m["text"].endswith(f"case #{case_id} needs attention")
        assert set(m) == {"id", "to", "kind", "text", "link", "at"}
    assert {m["to"]["person"] for m in lines if m["to"]["role"] == "mediator"} == {"li.mediator"}
    assert "漏水" not in sink.read_text(encoding="utf-8")  # the case description stays home
    with caplog.at_level(logging.INFO, logger="fengqiao.notifications"):
        LogSender().send(Message(9, case_id, "mediator", "women", None, "reminder", clock.now()))
    assert f"case #{case_id} needs attention /cases/{case_id}" in caplog.text


@pytest.mark.slow  # the Prefect test harness
def test_a_failing_gateway_is_retried_by_the_task(
    prefect_harness: None,
    service: WorkflowService,
    clock: ManualClock,
    store: SqlStore,
    casework: Casework,
) -> None:
    due_notifications(service, clock)
    flaky = Flaky(failures=2)
    result = deliver(casework, flaky, clock.now(), (0, 0, 0))
    assert result == {"sent": 3, "retry_later": 0, "failed": 0}
    assert set(flaky.tries.values()) == {3}  # two task retries each
    assert counts(store) == {"sent": 3}


@pytest.mark.slow  # the Prefect test harness
def test_a_gateway_down_for_good_fails_after_the_last_attempt(
    prefect_harness: None,
    service: WorkflowService,
    clock: ManualClock,
    store: SqlStore,
    casework: Casework,
) -> None:
    due_notifications(service, clock)
    down = Flaky(failures=1_000)
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        clock.advance(timedelta(minutes=1))
        assert deliver(casework, down, clock.now()) == {"sent": 0, "retry_later": 3, "failed": 0}
    assert deliver(casework, down, clock.now()) == {"sent": 0, "retry_later": 0, "failed": 3}
    assert counts(store) == {"failed": 3}
    assert set(down.tries.values()) == {2 * outbox.MAX_ATTEMPTS}


def test_a_deliverer_that_died_leaves_its_claim_to_the_next_after_the_lease(
    service: WorkflowService, clock: ManualClock, store: SqlStore
) -> None:
    due_notifications(service, clock)
    assert len(claim(store, clock.now())) == 3  # and never marked
    assert claim(store, clock.now()) == []
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    again = claim(store, clock.now())
    assert len(again) == 3 and {i.attempts for i in again} == {2}
