"""The worker's webhook delivery end to end: a receiver on a real HTTP server on this machine
(127.0.0.1, an ephemeral port) gets each change of state of a case its system opened, signed;
it checks the signature as docs/WEBHOOKS.md shows and drops a delivery it already took; an
answer other than 2xx is tried again at the time the injected clock reaches. SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from engine.casework import webhooks
from engine.casework.cases import fire, open_case
from engine.casework.client_systems import create_client
from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.definition import Definition
from engine.external import ExternalRef
from engine.registry import Registry, load_directory
from engine.service import WorkflowService
from engine.store.db import make_engine
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, new_key_text
from engine.store.units import save_units
from engine.workcalendar import WorkCalendar
from tests.conftest import DEFINITIONS
from tests.engine.casework.conftest import UNITS, person
from workflows.flows import sweep
from workflows.webhooks import deliver_webhooks, http_client

DATA = {"category": "family", "source": "walk_in", "description": "噪音", "notice_given": True}


@dataclass
class Receiver:
    """The client system's side: answers `script` in turn (then 200), verifies, de-duplicates."""

    secret: str = ""
    now: float = 0.0
    script: list[int] = field(default_factory=list)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified(self, header: str, body: bytes) -> bool:
        # As docs/WEBHOOKS.md tells a receiver to.
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        fresh = abs(self.now - timestamp) <= 300
        return fresh and hmac.compare_digest(expected, parts["v1"])

    def handle(self, headers: Any, body: bytes) -> int:
        with self.lock:
            if not self.verified(headers["X-Fengqiao-Signature"], body):
                self.bad_signatures += 1
                return 401
            answer = self.script.pop(0) if self.script else 200
            delivery = headers["X-Fengqiao-Delivery"]
            doc = json.loads(body)
            self.received.append((delivery, doc))
            if answer == 200:
                self.taken.setdefault(delivery, doc)  # a repeat is dropped
            return answer


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(state.handle(self.headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _casework(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> Casework:
    registry = Registry(shipped)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    return Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))


# What the sweep flow's opener connects to (the flow run opens its own Casework and closes it).
FLOW_DB: dict[str, Any] = {}


def opened_for_the_flow() -> Casework:
    store = SqlStore(make_engine(FLOW_DB["url"]))
    return _casework(store, load_directory(DEFINITIONS), FLOW_DB["clock"])


@pytest.fixture
def cw(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> Casework:
    with store.transaction() as tx:
        save_units(tx, list(UNITS))
    return _casework(store, shipped, clock)


def test_the_source_receives_each_change_signed_once_however_often_it_is_sent(
    cw: Casework, clock: ManualClock, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    admin, mediator = person("admin"), person("mediator")
    create_client(cw, admin, "wx-union")
    made = webhooks.set_webhook(cw, admin, "wx-union", url, allow_private=True)
    state.secret, state.now = made.secret, clock.now().timestamp()
    ref = ExternalRef("wx-union", "GD-1")
    case_id = open_case(cw, mediator, "mediation", DATA, external=ref).case.id
    fire(cw, mediator, case_id, "register", {}, expected_version=None)
    fire(cw, mediator, case_id, "party_refuses", {}, expected_version=None)

    state.script = [503]  # the receiver is down for the first request
    rng = random.Random(5)
    with http_client() as http:
        assert deliver_webhooks(cw, http, rng) == {"delivered": 1, "pending": 1, "failed": 0}
        assert deliver_webhooks(cw, http, rng) == {"delivered": 0, "pending": 0, "failed": 0}
        [later, first] = webhooks.deliveries(cw, admin)
        assert first.delivery.status == "pending"
        clock.set(first.delivery.next_attempt_at)
        state.now = clock.now().timestamp()
        assert deliver_webhooks(cw, http, rng) == {"delivered": 1, "pending": 0, "failed": 0}
        # An admin sends the first again: the receiver has it already and drops it.
        webhooks.redeliver(cw, admin, first.delivery.id)
        assert deliver_webhooks(cw, http, rng) == {"delivered": 1, "pending": 0, "failed": 0}

    assert state.bad_signatures == 0
    ids = [d for d, _ in state.received]
    assert (
        ids
        == [first.delivery.delivery_id, later.delivery.delivery_id]
        + [first.delivery.delivery_id] * 2
    )
    assert [(d["old_state"], d["new_state"], d["status"]) for d in state.taken.values()] == [
        ("assessment", "closed", "closed"),
        ("intake", "assessment", "open"),
    ]
    assert {d["external_id"] for d in state.taken.values()} == {"GD-1"}
    history = webhooks.delivery(cw, admin, first.delivery.id)
    assert [a.status_code for a in history.attempts] == [503, 200, 200]
    assert [a.ok for a in history.attempts] == [False, True, True]
    assert history.delivery.status == "delivered"
    assert all(a.duration_ms >= 0 for a in history.attempts)


def test_a_receiver_that_cannot_be_reached_is_an_error_kept_with_the_attempt(
    cw: Casework, clock: ManualClock
) -> None:
    admin = person("admin")
    create_client(cw, admin, "wx-union")
    # A port nobody listens on: a server's, once it has closed.
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    dead_url = f"http://127.0.0.1:{closed.server_address[1]}/hook"
    closed.server_close()
    webhooks.set_webhook(cw, admin, "wx-union", dead_url, allow_private=True)
    case_id = open_case(
        cw, person("mediator"), "mediation", DATA, external=ExternalRef("wx-union", "GD-2")
    ).case.id
    fire(cw, person("mediator"), case_id, "register", {}, expected_version=None)
    with http_client() as http:
        assert deliver_webhooks(cw, http, random.Random(1))["pending"] == 1
    [history] = webhooks.deliveries(cw, admin)
    [attempt] = history.attempts
    assert attempt.status_code is None and not attempt.ok
    assert attempt.error is not None and "Connect" in attempt.error
    assert history.delivery.next_attempt_at > clock.now()


def test_the_worker_s_sweep_sends_the_webhooks(
    prefect_harness: None,
    db_url: str,
    cw: Casework,
    clock: ManualClock,
    receiver: tuple[Receiver, str],
    tmp_path: Any,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the flow's wiring: once is enough")
    state, url = receiver
    admin, mediator = person("admin"), person("mediator")
    create_client(cw, admin, "wx-union")
    made = webhooks.set_webhook(cw, admin, "wx-union", url, allow_private=True)
    state.secret, state.now = made.secret, clock.now().timestamp()
    ref = ExternalRef("wx-union", "GD-3")
    case_id = open_case(cw, mediator, "mediation", DATA, external=ref).case.id
    fire(cw, mediator, case_id, "register", {}, expected_version=None)
    FLOW_DB.update(url=db_url, clock=clock)
    result = sweep(
        opener=f"{__name__}:opened_for_the_flow",
        notify_sender=f"file:{tmp_path / 'notes.jsonl'}",
        batch=50,
    )
    assert result["webhooks"] == {"delivered": 1, "pending": 0, "failed": 0}
    [(_, doc)] = state.taken.items()
    assert (doc["case_id"], doc["new_state"]) == (case_id, "assessment")
    assert state.bad_signatures == 0
