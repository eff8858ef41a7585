"""At most a few password hashes at once in this process, always on the same few threads.

An argon2 check takes 19 MiB for ~40 ms. Unbounded, 48 parallel logins took 48 of those at
once: the server grew by 860 MB and kept most of it, because the C allocator keeps a freed
block in the arena of the thread that used it, and every request thread had used one. Through
this gate a process runs at most `slots` hashes at once, and only on `slots` threads of its own,
so at most `slots` such blocks exist however many requests come. A login that finds every slot
busy waits briefly, then gets a 503 with Retry-After instead of queueing without end; when
`queue` logins wait already it gets the 503 at once, so a flood of logins cannot hold every
worker thread of the server (other requests run on those too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

from api.problems import ProblemError

HASH_SLOTS = 2
HASH_WAIT_SECONDS = 2.0
HASH_QUEUE = 8

P = ParamSpec("P")
T = TypeVar("T")


class HashGate:
    """A semaphore in front of a pool of `slots` threads. It also counts: how many hashes run
    now, the most ever at once, and how many ran (what tests check, instead of timing)."""

    def __init__(
        self,
        slots: int = HASH_SLOTS,
        wait_seconds: float = HASH_WAIT_SECONDS,
        queue: int = HASH_QUEUE,
    ) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self.queue = queue
        self.waiting = 0
        self._free = threading.BoundedSemaphore(slots)
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="password-hash")
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.entered = 0

    def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on one of the gate's threads; 503 if no slot frees up within
        `wait_seconds`, or at once if `queue` callers wait already."""
        if not self._admitted():
            raise ProblemError(
                503,
                "busy",
                "Too many logins at once",
                "try again in a moment",
                headers={"Retry-After": "1"},
            )
        try:
            return self._pool.submit(self._counted, partial(fn, *args, **kwargs)).result()
        finally:
            self._free.release()

    def _admitted(self) -> bool:
        """A slot now, or within `wait_seconds` if fewer than `queue` wait already."""
        if self._free.acquire(blocking=False):
            return True
        with self._lock:
            if self.waiting >= self.queue:
                return False
            self.waiting += 1
        try:
            return self._free.acquire(timeout=self.wait_seconds)
        finally:
            with self._lock:
                self.waiting -= 1

    def _counted(self, call: Callable[[], T]) -> T:
        with self._lock:
            self.active += 1
            self.entered += 1
            self.peak = max(self.peak, self.active)
        try:
            return call()
        finally:
            with self._lock:
                self.active -= 1

    def reset_counts(self) -> None:
        with self._lock:
            self.peak = self.active
            self.entered = 0


GATE = HashGate()
