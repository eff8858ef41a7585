"""Per-process caches of the API: who holds a token, and what each user may see."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Generic, TypeVar

from api.units import UnitCache
from engine.store.users import UserRecord
from engine.visibility import Visibility, visibility_for

T = TypeVar("T")


class TokenCache(Generic[T]):
    """Recently seen tokens → their user, for `ttl_s` seconds: a request then needs no
    query to know who sent it. A logout drops its entry at once in this process; in other
    API processes a revoked token works at most `ttl_s` longer."""

    def __init__(self, ttl_s: float = 10.0, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._entries: dict[str, tuple[float, datetime, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        seen, expires_at, user = entry
        if time.monotonic() - seen > self.ttl_s or expires_at <= now:
            with self._lock:
                self._entries.pop(key, None)
            return None
        return user

    def put(self, key: str, expires_at: datetime, user: T) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), expires_at, user)

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
