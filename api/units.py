"""The unit tree (organisations and areas), cached in memory and reloaded when it may be old."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.store.repository import SqlStore
from engine.store.units import UnitRecord, all_units

# Grid escalation tiers: a grid unit's ancestor at distance k holds the case at tier k.
TIER_KINDS: tuple[str, ...] = ("grid", "community", "street", "district", "city")
MAX_TIER = len(TIER_KINDS) - 1
RELOAD_AFTER_S = 30.0


@dataclass(frozen=True)
class UnitTree:
    units: dict[str, UnitRecord]
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    version: int = 0

    @classmethod
    def build(cls, records: Iterable[UnitRecord], version: int = 0) -> UnitTree:
        units = {u.code: u for u in records}
        children: dict[str, list[str]] = {}
        for u in units.values():
            if u.parent is not None:
                children.setdefault(u.parent, []).append(u.code)
        return cls(units, {k: tuple(sorted(v)) for k, v in children.items()}, version)

    def ancestors(self, code: str) -> list[str]:
        """The unit's parent, grandparent, … up to the root (cycles are cut)."""
        out: list[str] = []
        seen = {code}
        cur = self.units.get(code)
        while cur is not None and cur.parent is not None and cur.parent not in seen:
            out.append(cur.parent)
            seen.add(cur.parent)
            cur = self.units.get(cur.parent)
        return out

    def subtree(self, code: str) -> set[str]:
        """The unit and every unit below it."""
        out = {code}
        stack = [code]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return out

    def grids(self) -> list[str]:
        return [u.code for u in self.units.values() if u.kind == "grid"]

    def label(self, code: str | None, lang: str = "zh") -> str:
        if code is None:
            return ""
        u = self.units.get(code)
        if u is None:
            return code
        return u.name_en if lang == "en" else u.name_zh


class UnitCache:
    """Loads the unit tree from the store; reloads after RELOAD_AFTER_S or when invalidated."""

    def __init__(self, store: SqlStore, reload_after_s: float = RELOAD_AFTER_S) -> None:
        self._store = store
        self._reload_after = reload_after_s
        self._lock = threading.Lock()
        self._tree: UnitTree | None = None
        self._loaded_at = 0.0
        self._version = 0

    def tree(self) -> UnitTree:
        now = time.monotonic()
        tree = self._tree
        if tree is not None and now - self._loaded_at < self._reload_after:
            return tree
        with self._lock:
            if self._tree is None or time.monotonic() - self._loaded_at >= self._reload_after:
                self._version += 1
                self._tree = UnitTree.build(all_units(self._store), self._version)
                self._loaded_at = time.monotonic()
            return self._tree

    def invalidate(self) -> None:
        with self._lock:
            self._tree = None
