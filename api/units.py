"""The unit tree (organisations and areas), cached in memory and reloaded when it may be old."""

from __future__ import annotations

import threading
import time

from engine.store.repository import SqlStore
from engine.store.units import all_units
from engine.units import UnitRecord, UnitTree

RELOAD_AFTER_S = 30.0


class UnitCache:
    """Loads the unit tree from the store; reloads after RELOAD_AFTER_S or when invalidated.

    A reload that finds the same units keeps the tree it had, and its version: what each
    user sees (api.caches.ScopeCache, computed per tree version) is not computed again
    every RELOAD_AFTER_S for a tree that did not change."""

    def __init__(self, store: SqlStore, reload_after_s: float = RELOAD_AFTER_S) -> None:
        self._store = store
        self.reload_after_s = reload_after_s
        self._lock = threading.Lock()
        self._tree: UnitTree | None = None
        self._records: list[UnitRecord] | None = None
        self._loaded_at = 0.0
        self._version = 0

    def tree(self) -> UnitTree:
        now = time.monotonic()
        tree = self._tree
        if tree is not None and now - self._loaded_at < self.reload_after_s:
            return tree
        with self._lock:
            if self._tree is None or time.monotonic() - self._loaded_at >= self.reload_after_s:
                with self._store.transaction(write=False) as tx:
                    records = all_units(tx)
                if self._tree is None or records != self._records:
                    self._version += 1
                    self._tree = UnitTree.build(records, self._version)
                    self._records = records
                self._loaded_at = time.monotonic()
            return self._tree

    def invalidate(self) -> None:
        with self._lock:
            self._tree = None


def after_change(app_state: object) -> None:
    """After a change to the unit tree or to users' units and grids, made by this process:
    the next request of this process sees it (the unit tree and the users' scopes are
    reloaded, the tokens looked up again). Other processes see it within RELOAD_AFTER_S (the
    tree) and api.caches.TokenCache's ttl_s (a user's unit and grids)."""
    units: UnitCache = app_state.units  # type: ignore[attr-defined]
    units.invalidate()
    app_state.tokens.clear()  # type: ignore[attr-defined]
