"""Sweep due timers batch after batch until none is left (or the run's share is done)."""

from __future__ import annotations

import gc
from collections.abc import Callable

from engine.model import SweepReport


def drain(fire_batch: Callable[[], SweepReport], max_batches: int | None = None) -> SweepReport:
    """Call `fire_batch` (one transaction: claim due timers, fire them) until it claims
    nothing (or finishes none of what it claimed), or `max_batches` times.

    A batch short of its limit is no reason to stop: on PostgreSQL it may only mean that
    other sweepers held some rows, and the last sweeper standing claims whatever is left.
    A timer whose firing failed counts as finished: it waits for its next attempt, so the
    next batch does not claim it again.

    The objects alive when the sweep begins (definitions, plans, compiled statements, the
    whole loaded application) are moved out of the cyclic collector's reach for the sweep
    (`gc.freeze`): they outlive it, and every collection would otherwise walk them again,
    which costs more than the firings themselves once a sweeper has loaded a large
    registry. They are handed back to the collector afterwards (garbage among them is
    collected then).
    """
    gc.freeze()
    try:
        return _drain(fire_batch, max_batches)
    finally:
        gc.unfreeze()


def _drain(fire_batch: Callable[[], SweepReport], max_batches: int | None) -> SweepReport:
    total = SweepReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        report = fire_batch()
        batches += 1
        total.add(report)
        if report.claimed == 0 or report.finished == 0:
            break
    return total
