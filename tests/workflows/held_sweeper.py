"""A sweeper that stops in the middle of a batch (its writes made, not committed) and waits
there to be killed: ``python -m tests.workflows.held_sweeper URL NOW LIMIT``.

It prints ``held <timer ids>`` once it holds the batch, then blocks reading its standard
input, which the test never writes.
"""

from __future__ import annotations

import sys
from datetime import datetime

from engine.batch import SweepBatch
from engine.clock import ManualClock
from fengqiao.context import build
from fengqiao.settings import Settings


def main(url: str, now: str, limit: int) -> None:
    flush = SweepBatch.flush

    def flush_and_hold(batch: SweepBatch) -> None:
        flush(batch)
        print("held", *[t.id for t in batch.w.finished], flush=True)
        sys.stdin.readline()

    SweepBatch.flush = flush_and_hold  # type: ignore[method-assign, assignment]
    ctx = build(Settings(database_url=url), ManualClock(datetime.fromisoformat(now)))
    ctx.cw.service.fire_due_timers(limit=limit)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
