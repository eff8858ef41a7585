"""Status back to the source: a client system's webhook (its URL and signing secret, the
secret shown once), the deliveries the worker sends and their attempts, and sending one again.

A delivery is written by the transaction that changes a case's state (engine.store.webhooks,
before its commit); the worker claims the due ones (`claim_due`), sends each signed
(workflows.webhooks) and records the attempt (`record_attempt`): delivered, tried again after
a growing delay with jitter, or failed for good after engine.webhooks.MAX_ATTEMPTS.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from engine.casework.context import Casework
from engine.casework.errors import InvalidClientError, UnknownDeliveryError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit
from engine.store import client_systems as clients_store
from engine.store import webhooks as store
from engine.store.webhooks import Attempt, Delivery, DueWebhook, Outcome
from engine.webhooks import MAX_ATTEMPTS, retry_delay, url_problem

WEBHOOK_SET = "client_webhook_set"
WEBHOOK_REMOVED = "client_webhook_removed"
WEBHOOK_REDELIVERED = "webhook_redelivered"
STATUSES = ("pending", "sending", "delivered", "failed")
MAX_PAGE = 200
_SECRET_BYTES = 32

__all__ = [
    "Attempt",
    "Delivery",
    "DeliveryHistory",
    "DueWebhook",
    "NewWebhook",
    "Outcome",
    "claim_due",
    "deliveries",
    "delivery",
    "record_attempt",
    "redeliver",
    "remove_webhook",
    "set_webhook",
]


@dataclass(frozen=True, slots=True)
class NewWebhook:
    """A client system's webhook just set, with its signing secret: shown once."""

    client: str
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class DeliveryHistory:
    delivery: Delivery
    attempts: list[Attempt]


def set_webhook(
    cw: Casework, user: User, name: str, url: str, *, allow_private: bool = False
) -> NewWebhook:
    """Give a client system a webhook URL and a new signing secret (the old secret stops
    signing at once); audit `client_webhook_set` with the URL (not the secret). A URL that is
    not http(s), or names a private host without `allow_private`, is refused."""
    require(user, Permission.MANAGE_CLIENTS)
    if (problem := url_problem(url, allow_private=allow_private)) is not None:
        raise InvalidClientError("webhook_url", problem)
    secret = "whsec_" + secrets.token_urlsafe(_SECRET_BYTES)
    at = cw.clock.now()
    with cw.store.transaction() as tx:
        if not clients_store.set_webhook(tx, name, url, secret):
            raise InvalidClientError("name", f"no client system {name}")
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=WEBHOOK_SET,
            reason=json.dumps(
                {"client": name, "url": url, "allow_private": allow_private}, ensure_ascii=False
            ),
        )
    return NewWebhook(name, url, secret)


def remove_webhook(cw: Casework, user: User, name: str) -> None:
    """The client system gets no more webhooks (those written already fail when their turn
    comes); audit `client_webhook_removed`."""
    require(user, Permission.MANAGE_CLIENTS)
    with cw.store.transaction() as tx:
        if not clients_store.set_webhook(tx, name, None, None):
            raise InvalidClientError("name", f"no client system {name}")
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=WEBHOOK_REMOVED,
            reason=json.dumps({"client": name}),
        )


def claim_due(cw: Casework, now: datetime, limit: int) -> list[DueWebhook]:
    """The worker takes up to `limit` deliveries due now, in one transaction."""
    with cw.store.transaction() as tx:
        return store.claim_due(tx, now, limit)


def record_attempt(
    cw: Casework, due: DueWebhook, outcome: Outcome, now: datetime, rng: random.Random
) -> str:
    """Keep one attempt and what follows from it: `delivered`; `pending` again after
    engine.webhooks.retry_delay; `failed` for good after MAX_ATTEMPTS failed attempts.
    Returns the new status."""
    failures = due.attempts if outcome.ok else due.attempts + 1
    if outcome.ok:
        status, next_at = "delivered", now
    elif failures >= MAX_ATTEMPTS:
        status, next_at = "failed", now
    else:
        status, next_at = "pending", now + retry_delay(failures, rng)
    with cw.store.transaction() as tx:
        store.record_attempt(
            tx, due.id, now, outcome, status=status, attempts=failures, next_attempt_at=next_at
        )
    return status


def deliveries(
    cw: Casework,
    user: User,
    *,
    client: str | None = None,
    status: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[DeliveryHistory]:
    """Webhook deliveries, newest first, each with its attempts (a keyset page: `before` an
    id)."""
    require(user, Permission.MANAGE_CLIENTS)
    if status is not None and status not in STATUSES:
        raise InvalidClientError("status", f"one of {', '.join(STATUSES)}")
    limit = max(1, min(limit, MAX_PAGE))
    with cw.store.transaction(write=False) as tx:
        found = store.find(tx, client=client, status=status, limit=limit, before=before)
        tried = store.attempts_of(tx, [d.id for d in found])
    return [DeliveryHistory(d, tried[d.id]) for d in found]


def delivery(cw: Casework, user: User, delivery_id: int) -> DeliveryHistory:
    """One delivery with its attempts (UnknownDeliveryError: none such)."""
    require(user, Permission.MANAGE_CLIENTS)
    with cw.store.transaction(write=False) as tx:
        found = store.get(tx, delivery_id)
        if found is None:
            raise UnknownDeliveryError(delivery_id)
        return DeliveryHistory(found, store.attempts_of(tx, [found.id])[found.id])


def redeliver(cw: Casework, user: User, delivery_id: int) -> DeliveryHistory:
    """Send a delivery again at the worker's next sweep, with a fresh count of attempts and
    the same delivery id and body (the receiver drops it if it had it); audit
    `webhook_redelivered`."""
    require(user, Permission.MANAGE_CLIENTS)
    at = cw.clock.now()
    with cw.store.transaction() as tx:
        if not store.redeliver(tx, delivery_id, at):
            raise UnknownDeliveryError(delivery_id)
        found = store.get(tx, delivery_id)
        assert found is not None
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=WEBHOOK_REDELIVERED,
            reason=json.dumps({"client": found.client, "delivery": found.delivery_id}),
            case_id=found.case_id,
        )
        return DeliveryHistory(found, store.attempts_of(tx, [found.id])[found.id])
