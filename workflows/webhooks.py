"""Sending the webhooks due: each signed with its client system's secret, posted with httpx,
the attempt recorded (engine.casework.webhooks). Called by each sweep of the worker after the
notifications; the retries are the deliveries' own schedule, kept in the database, so a sweep
never waits between attempts.

A 2xx answer is a delivery; anything else (another status, a timeout, a refused connection)
is a failed attempt. Redirects are not followed: a receiver answers where it is configured.
"""

from __future__ import annotations

import random
import time

import httpx

from engine.casework import webhooks
from engine.casework.context import Casework
from engine.casework.webhooks import DueWebhook, Outcome
from engine.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

DELIVER_LIMIT = 200
TIMEOUT_S = 10.0
USER_AGENT = "fengqiao-webhooks/1"


def headers(due: DueWebhook, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(secret, timestamp, due.body),
        DELIVERY_HEADER: due.delivery_id,
        EVENT_HEADER: due.event,
    }


def send(http: httpx.Client, due: DueWebhook, timestamp: int) -> Outcome:
    """One attempt: post the body signed at `timestamp`; what came of it."""
    if due.url is None or due.secret is None:
        return Outcome(False, None, "the client system has no webhook", 0)
    started = time.perf_counter()
    try:
        answer = http.post(due.url, content=due.body, headers=headers(due, due.secret, timestamp))
    except httpx.HTTPError as exc:
        took = round((time.perf_counter() - started) * 1000)
        return Outcome(False, None, f"{type(exc).__name__}: {exc}", took)
    took = round((time.perf_counter() - started) * 1000)
    ok = 200 <= answer.status_code < 300
    return Outcome(ok, answer.status_code, None if ok else f"HTTP {answer.status_code}", took)


def http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_S, follow_redirects=False, trust_env=False)


def deliver_webhooks(
    cw: Casework,
    http: httpx.Client,
    rng: random.Random,
    limit: int = DELIVER_LIMIT,
) -> dict[str, int]:
    """Send the deliveries due now (the Casework's clock), one after the other, and record
    each attempt. Returns how many were delivered, will be tried again, failed for good."""
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    now = cw.clock.now()
    for due in webhooks.claim_due(cw, now, limit):
        outcome = send(http, due, int(now.timestamp()))
        status = webhooks.record_attempt(cw, due, outcome, now, rng)
        counts[status] += 1
    return counts
