"""A sweep's claim of due timers (SqlTransaction.claim_due_timers), on SQLite and PostgreSQL:
the due pending timers not waiting for a retry, the earliest first up to the limit, each as
it is stored, returned case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.model import DEADLINE, REMINDER, Case, Timer
from engine.store.repository import SqlStore

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _case(store: SqlStore) -> int:
    case = Case(0, "w", 1, "s", {}, 1, NOW, NOW, NOW, 1, 1)
    with store.transaction() as tx:
        return tx.insert_case(case)


def test_the_claim_takes_due_timers_earliest_first_as_they_are_stored(store: SqlStore) -> None:
    first, second = _case(store), _case(store)
    hour = timedelta(hours=1)
    armed = [
        Timer(second, "late", DEADLINE, NOW - 3 * hour, 1, action="climb"),
        Timer(first, "remind", REMINDER, NOW - 2 * hour, 1),
        Timer(first, "series", DEADLINE, NOW - hour, 0, action="report", occurrence=4),
        Timer(first, "exactly_now", DEADLINE, NOW, 1, action="climb"),
        Timer(first, "future", DEADLINE, NOW + timedelta(seconds=1), 1, action="climb"),
        Timer(second, "retrying", DEADLINE, NOW - 4 * hour, 1, action="climb"),
        Timer(second, "retried", DEADLINE, NOW - 5 * hour, 1, action="climb"),
        Timer(second, "done", DEADLINE, NOW - 6 * hour, 1, action="climb", status="fired"),
    ]
    with store.transaction() as tx:
        tx.arm_timers(armed)
        stored = {t.name: t for c in (first, second) for t in tx.timers(c, pending_only=False)}
        for name, wait in (("retrying", hour), ("retried", -hour)):
            failing = stored[name]
            failing.attempts, failing.last_error = 1, "boom"
            failing.next_attempt_at = NOW + wait
            tx.finish_timer(failing)
    with store.transaction() as tx:
        stored = {t.name: t for c in (first, second) for t in tx.timers(c, pending_only=False)}
        claimed = tx.claim_due_timers(NOW, 10)
        assert [t.name for t in claimed] == ["remind", "series", "exactly_now", "retried", "late"]
        assert claimed == [stored[t.name] for t in claimed]  # every column as stored
        assert claimed[1].occurrence == 4 and claimed[3].attempts == 1
        assert claimed[3].next_attempt_at == NOW - hour
        # The limit keeps the earliest due.
        assert {t.name for t in tx.claim_due_timers(NOW, 2)} == {"retried", "late"}
