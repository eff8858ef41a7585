"""The unit tree: organisations (工会, 妇联, …) and areas (city → district → street → community
→ grid). Plain data: the store loads it, the visibility policy and notification routing walk it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

UNIT_KINDS: tuple[str, ...] = ("organisation", "city", "district", "street", "community", "grid")
# Grid escalation tiers: a grid unit's ancestor at distance k holds the case at tier k.
TIER_KINDS: tuple[str, ...] = ("grid", "community", "street", "district", "city")
MAX_TIER = len(TIER_KINDS) - 1


@dataclass(frozen=True, slots=True)
class UnitRecord:
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None = None


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
        return u.name_en if lang == "en" and u.name_en else u.name_zh

    def holder_at_tier(self, grid: str, tier: int) -> str:
        """The unit holding a grid case at `tier`: the grid's ancestor that many steps up
        (the highest one there is, when the tree is shallower)."""
        chain = [grid, *self.ancestors(grid)]
        return chain[max(0, min(tier, len(chain) - 1))]
