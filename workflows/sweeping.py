"""Sweep due timers batch after batch until none is left (or the run's share is done)."""

from __future__ import annotations

from collections.abc import Callable

from engine.model import SweepReport


def add(total: SweepReport, report: SweepReport) -> None:
    """Fold one batch's report into a running total."""
    total.claimed += report.claimed
    total.fired += report.fired
    total.reminded += report.reminded
    total.stale += report.stale
    total.skipped += report.skipped
    total.max_lateness_s = max(total.max_lateness_s, report.max_lateness_s)
    total.errors += report.errors


def drain(fire_batch: Callable[[], SweepReport], max_batches: int | None = None) -> SweepReport:
    """Call `fire_batch` (one transaction: claim due timers, fire them) until it claims
    nothing (or finishes none of what it claimed), or `max_batches` times.

    A batch short of its limit is no reason to stop: on PostgreSQL it may only mean that
    other sweepers held some rows, and the last sweeper standing claims whatever is left.
    """
    total = SweepReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        report = fire_batch()
        batches += 1
        add(total, report)
        done = report.fired + report.reminded + report.stale + report.skipped
        if report.claimed == 0 or done == 0:
            break
    return total
