"""The sweeper flow: fire due timers in batches, then deliver the notifications they wrote,
then send the webhooks due to client systems (workflows.webhooks).

One flow run sweeps everything that is due (up to `max_batches` batches), however many
timers that is: a flow run per timer would cost a Prefect round trip each. Each batch is a
task with retries (a database that is briefly unreachable or locked); each notification is a
task with retries (the outside world is where failures happen). Served on an interval by
``fengqiao worker`` (workflows.worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from random import SystemRandom
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from engine.casework import notifications
from engine.casework.context import Casework
from engine.model import SweepReport
from engine.service import WorkflowService
from workflows.notify import Message, Sender, sender_from
from workflows.opening import open_casework
from workflows.sweeping import drain
from workflows.webhooks import deliver_webhooks, http_client

MAX_BATCHES = 200
DELIVER_LIMIT = 200
RETRY_DELAYS_S: tuple[float, ...] = (2, 10, 30)


@task(name="fire-due-timers", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def fire_batch(service: WorkflowService, batch: int) -> SweepReport:
    """One transaction: claim up to `batch` due timers, fire them, record the outcome."""
    return service.fire_due_timers(limit=batch)


@task(
    name="deliver-notification",
    task_run_name="notify case {message.case_id}",
    retries=len(RETRY_DELAYS_S),
    retry_delay_seconds=list(RETRY_DELAYS_S),
    cache_policy=NO_CACHE,
)
def deliver(message: Message, sender: Sender) -> int:
    sender.send(message)
    return message.id


def deliver_outbox(
    cw: Casework,
    sender: Sender,
    now: datetime,
    limit: int = DELIVER_LIMIT,
    retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
) -> dict[str, int]:
    """Send up to `limit` pending notifications, each as a task retried after
    `retry_delays_s`; record which went out and which failed (tried again by a later sweep,
    up to outbox.MAX_ATTEMPTS times)."""
    items = notifications.claim_deliveries(cw, now, limit)
    task = deliver.with_options(
        retries=len(retry_delays_s), retry_delay_seconds=list(retry_delays_s)
    )
    futures = [(item, task.submit(Message.of(item), sender)) for item in items]
    sent: list[int] = []
    counts = {"sent": 0, "retry_later": 0, "failed": 0}
    for item, future in futures:
        future.wait()
        if future.state.is_completed():
            sent.append(item.id)
            continue
        error = future.result(raise_on_failure=False)
        status = notifications.mark_failed(cw, item, repr(error))
        counts["failed" if status == "failed" else "retry_later"] += 1
    notifications.mark_sent(cw, sent, now)
    counts["sent"] = len(sent)
    return counts


@flow(name="fengqiao-sweep", log_prints=False)
def sweep(
    opener: str, notify_sender: str, batch: int, max_batches: int = MAX_BATCHES
) -> dict[str, Any]:
    """Fire every due timer (deadlines, reminders), then deliver pending notifications.

    A served flow run is a process of its own: it opens the use-case layer with `opener`
    (``module:function``, named by whoever serves the flow: the composition root), which
    connects to the prepared database and nothing more.
    """
    logger = get_run_logger()
    cw = open_casework(opener)
    try:
        report = drain(lambda: fire_batch(cw.service, batch), max_batches)
        notified = deliver_outbox(cw, sender_from(notify_sender), cw.clock.now())
        with http_client() as http:
            hooks = deliver_webhooks(cw, http, SystemRandom())
    finally:
        cw.close()
    logger.info(
        "timers: %d claimed, %d fired, %d reminders, %d stale, %d skipped, %d failing and"
        " retried, %d given up (max %.0f s late); notifications: %s; webhooks: %s",
        report.claimed,
        report.fired,
        report.reminded,
        report.stale,
        report.skipped,
        report.retrying,
        report.failed,
        report.max_lateness_s,
        notified,
        hooks,
    )
    for error in report.errors:
        logger.warning(error)
    if report.retrying or report.failed:
        # The alert: the admins are notified and GET /api/health answers 503 meanwhile.
        logger.error(
            "ALERT timers stuck: %d failed to fire and will be retried, %d given up for good;"
            " see GET /api/health and the timers' last_error",
            report.retrying,
            report.failed,
        )
    return {"timers": asdict(report), "notifications": notified, "webhooks": hooks}
