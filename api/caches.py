"""Per-process caches of the API: who holds a token, and what each user may see."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from api.units import UnitCache
from engine.store.users import UserRecord
from engine.visibility import Visibility, visibility_for

T = TypeVar("T")

# How long another API process may still accept a revoked token or a deactivated user's
# (README, docs/SECURITY.md).
REVOCATION_S = 10.0


class TokenCache(Generic[T]):
    """Recently seen tokens → their user, for `ttl_s` seconds of the Casework's clock: a
    request then needs no query to know who sent it. A logout, a deactivation or a password
    reset drops the entries at once in the process that made it; in every other API process
    a revoked token, or a deactivated user's, works at most `ttl_s` longer (REVOCATION_S)."""

    def __init__(self, ttl_s: float = REVOCATION_S, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._entries: dict[str, tuple[datetime, datetime, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        seen, expires_at, user = entry
        if not (seen <= now < seen + timedelta(seconds=self.ttl_s)) or expires_at <= now:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return user

    def put(self, key: str, now: datetime, expires_at: datetime, user: T) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (now, expires_at, user)

    def drop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ScopeCache:
    """Visibility per user, recomputed when the unit tree is reloaded."""

    def __init__(self, units: UnitCache) -> None:
        self.units = units
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, str, str | None, tuple[str, ...]], Visibility] = {}
        self._version = -1

    def for_record(self, rec: UserRecord) -> Visibility:
        tree = self.units.tree()
        key = (rec.id, rec.role, rec.unit, rec.grid_units)
        with self._lock:
            if self._version != tree.version:
                self._cache.clear()
                self._version = tree.version
            vis = self._cache.get(key)
        if vis is None:
            vis = visibility_for(tree, rec.role, rec.unit, rec.grid_units)
            with self._lock:
                self._cache[key] = vis
        return vis
