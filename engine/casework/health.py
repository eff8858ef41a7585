"""Is every deadline firing? What the health check answers, from the timers table."""

from __future__ import annotations

from dataclasses import dataclass

from engine.casework.context import Casework
from engine.store.timer_health import timer_health

# The oldest due timer may be this many sweep intervals late before the check fails: one
# sweep can be running, the next one scheduled, and a catch-up takes a few batches.
LATE_SWEEPS = 4


@dataclass(frozen=True, slots=True)
class TimersHealth:
    retrying: int  # timers whose firing failed and will be tried again
    failed: int  # given up after their last attempt, on cases still in that state
    oldest_due_s: float  # seconds since the oldest pending timer fell due (0: none is due)
    late_after_s: float  # how late the oldest may be before the check fails

    @property
    def troubles(self) -> list[str]:
        """What is wrong, in words; empty when every deadline fires."""
        out = []
        if self.retrying or self.failed:
            out.append(f"{self.retrying} timer(s) failing and retried, {self.failed} given up")
        if self.oldest_due_s > self.late_after_s:
            out.append(f"the oldest due timer fell due {self.oldest_due_s:.0f} s ago")
        return out


def timers_health(cw: Casework) -> TimersHealth:
    """The timers' health now, in one read transaction (cheap with a million timers)."""
    with cw.store.transaction(write=False) as tx:
        found = timer_health(tx, cw.clock.now())
    return TimersHealth(
        retrying=found.retrying,
        failed=found.failed,
        oldest_due_s=round(found.oldest_due_s, 1),
        late_after_s=LATE_SWEEPS * cw.sweep_interval_s,
    )
