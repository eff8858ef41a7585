"""One sweep batch: due timers fired in bulk, and a timer whose firing fails set aside.

The normal case is the bulk path (engine.batch): one transaction claims the batch, fires
every timer against memory and writes the outcome with one statement per kind of row. If
anything in it fails (a firing raises what no rule expects, or its writes cannot be stored:
a case whose data an effect made unstorable), that transaction rolls back and the batch is
fired again timer by timer in a new one, each timer in a savepoint of its own. The failing
timer's savepoint rolls back, its failure is recorded on it, and the rest of the batch
commits: one bad case never stops the deadlines of the others.

A failed timer stays pending and is tried again after 1 min, 5 min, 30 min and 2 h; the
fifth failure gives it up (status ``failed``). Its first failure and the last notify the
admins (kind ``timer_failed``, no case details, like every notification), the sweep's report
counts it, and the health check (api/routes/health.py) answers 503 while any timer is
retrying or given up on a case still waiting in its state: a stuck deadline is visible
within the sweep that first fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from engine.batch import SweepBatch
from engine.definition import Definition
from engine.model import Case, Notification, SweepReport, Timer
from engine.ports import Store, Transaction
from engine.timers import FireFn, fire_timer, timer_key
from engine.workcalendar import WorkCalendar

# The waits after the 1st, 2nd, 3rd and 4th failure; the next failure gives the timer up.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
ALERT_ROLE = "admin"
ALERT_KIND = "timer_failed"
ERROR_CHARS = 500


def sweep_batch(
    store: Store,
    now: datetime,
    limit: int,
    definition_of: Callable[[Case], Definition],
    fire: FireFn,
    calendar: WorkCalendar | None = None,
) -> SweepReport:
    """Claim up to `limit` timers due by `now` and fire them; commit what fired even when
    one of them fails. `calendar` counts recurring timers' next occurrences."""
    cal = calendar or WorkCalendar()
    try:
        return _in_bulk(store, now, limit, definition_of, fire, cal)
    except Exception as exc:
        # Which timer failed, and why, is found (and recorded) by firing them one by one.
        # A database that is unreachable fails that transaction too, and the caller retries.
        report = _one_by_one(store, now, limit, definition_of, fire, cal)
        # Said even when no timer fails the second time: a bulk path that keeps failing
        # would otherwise go unnoticed, only slower.
        report.errors.insert(0, f"sweep batch fired timer by timer after {_error_text(exc)}")
        return report


def _in_bulk(
    store: Store,
    now: datetime,
    limit: int,
    definition_of: Callable[[Case], Definition],
    fire: FireFn,
    calendar: WorkCalendar,
) -> SweepReport:
    report = SweepReport()
    with store.transaction() as tx:
        due = tx.claim_due_timers(now, limit)
        report.claimed = len(due)
        if not due:
            return report
        cases = tx.get_cases(sorted({t.case_id for t in due}))
        fired_before = tx.existing_keys([timer_key(t) for t in due])
        batch = SweepBatch(tx, cases, fired_before)
        for timer in due:
            fire_timer(batch, timer, now, report, definition_of, fire, calendar)
        batch.flush()
    return report


def _one_by_one(
    store: Store,
    now: datetime,
    limit: int,
    definition_of: Callable[[Case], Definition],
    fire: FireFn,
    calendar: WorkCalendar,
) -> SweepReport:
    report = SweepReport()
    with store.transaction() as tx:
        due = tx.claim_due_timers(now, limit)
        report.claimed = len(due)
        for timer in due:
            outcome = SweepReport()  # counted only if the timer's writes stand
            try:
                with tx.savepoint():
                    fire_timer(tx, timer, now, outcome, definition_of, fire, calendar)
            except Exception as exc:
                record_failure(tx, timer, now, _error_text(exc), report)
            else:
                report.add(outcome)
    return report


def record_failure(
    tx: Transaction, timer: Timer, now: datetime, error: str, report: SweepReport
) -> None:
    """Record a failed firing on `timer`: pending again after its backoff, or, at the last
    attempt, failed for good; tell the admins the first time and the last."""
    timer.attempts += 1
    timer.last_error = error
    timer.note = None
    if timer.attempts >= MAX_ATTEMPTS:
        timer.status = "failed"
        timer.fired_at = now
        timer.lateness_s = max(0.0, (now - timer.fire_at).total_seconds())
        timer.next_attempt_at = None
        report.failed += 1
        outcome = f"given up after {timer.attempts} attempts"
    else:
        timer.status = "pending"
        timer.fired_at = None
        timer.lateness_s = None
        timer.next_attempt_at = now + BACKOFF[timer.attempts - 1]
        report.retrying += 1
        outcome = (
            f"attempt {timer.attempts} of {MAX_ATTEMPTS}, next at"
            f" {timer.next_attempt_at.isoformat()}"
        )
    tx.finish_timer(timer)
    if timer.attempts == 1 or timer.status == "failed":
        subject = f"{'timer_failed' if timer.status == 'failed' else 'timer_retrying'}:{timer.name}"
        tx.add_notifications([Notification(timer.case_id, ALERT_ROLE, ALERT_KIND, now, subject)])
    report.errors.append(
        f"timer {timer.id} ({timer.name}, case {timer.case_id}) failed, {outcome}: {error}"
    )


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
