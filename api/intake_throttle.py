"""Per-address throttling of the public intake form and its status look-ups.

The public pages need no login, so each client address may send only `limit` requests per
`window_s` seconds (a sliding window, counted in this process on the Casework's clock);
beyond that the page answers 429 with Retry-After and writes nothing. At most `addresses`
addresses are remembered: the oldest are forgotten first, so a flood of addresses cannot
grow the process without end.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime

from engine.casework.errors import IntakeThrottledError

SUBMIT_LIMIT = 5  # requests sent per address and window
STATUS_LIMIT = 60  # status look-ups per address and window
WINDOW_S = 3600.0
ADDRESSES = 10_000


class AddressThrottle:
    def __init__(
        self,
        now: Callable[[], datetime],
        limit: int,
        window_s: float = WINDOW_S,
        addresses: int = ADDRESSES,
    ) -> None:
        self._now = now
        self.limit = limit
        self.window_s = window_s
        self.addresses = addresses
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, address: str) -> None:
        """Count one request from `address`; IntakeThrottledError when over the limit."""
        now = self._now().timestamp()
        with self._lock:
            times = self._seen.pop(address, None) or deque()
            while times and times[0] <= now - self.window_s:
                times.popleft()
            self._seen[address] = times
            while len(self._seen) > self.addresses:
                self._seen.popitem(last=False)
            if len(times) >= self.limit:
                wait = max(1, math.ceil(times[0] + self.window_s - now))
                raise IntakeThrottledError(wait)
            times.append(now)
