"""At most a few password hashes at once in this process.

An argon2 check takes 19 MiB for ~40 ms. Unbounded, 48 parallel logins took 48 of those at
once: the server grew by 860 MB and the C allocator kept most of it. Through this gate a process
holds at most `slots` of them; a login that finds every slot busy waits briefly, then gets a 503
with Retry-After instead of queueing without end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.problems import ProblemError

HASH_SLOTS = 2
HASH_WAIT_SECONDS = 2.0


class HashGate:
    """A semaphore that also counts: how many hold a slot now, the most ever at once, and how
    many went through (what tests check, instead of timing)."""

    def __init__(self, slots: int = HASH_SLOTS, wait_seconds: float = HASH_WAIT_SECONDS) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.entered = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for one hash; 503 if none frees up within `wait_seconds`."""
        if not self._free.acquire(timeout=self.wait_seconds):
            raise ProblemError(
                503,
                "busy",
                "Too many logins at once",
                "try again in a moment",
                headers={"Retry-After": "1"},
            )
        with self._lock:
            self.active += 1
            self.entered += 1
            self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._free.release()

    def reset_counts(self) -> None:
        with self._lock:
            self.peak = self.active
            self.entered = 0


GATE = HashGate()
