"""Each client system's own rate limit for the Open311 API: at most its `rate_per_minute`
requests in each minute of the Casework's clock, counted in this process."""

from __future__ import annotations

import threading
from datetime import datetime


class ClientRates:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # client -> (minute, requests)

    def take(self, client: str, per_minute: int, now: datetime) -> int | None:
        """Count one request of the client; None when it is allowed, else the seconds to
        wait before the next minute begins."""
        minute = int(now.timestamp() // 60)
        with self._lock:
            start, used = self._windows.get(client, (minute, 0))
            if start != minute:
                used = 0
            if used >= per_minute:
                return max(1, 60 - int(now.timestamp() % 60))
            self._windows[client] = (minute, used + 1)
            return None
