"""The unit tree: organisations (工会, 妇联, …) with their workrooms, and areas (city → district →
street → community → grid). Plain data: the store loads it, the visibility policy and
notification routing walk it, the unit administration checks changes against `PARENT_KINDS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

UNIT_KINDS: tuple[str, ...] = (
    "organisation",
    "workroom",
    "city",
    "district",
    "street",
    "community",
    "grid",
)
# The one table of which kind of unit may sit under which (None: at the top of the tree).
# A mass organisation (工会, 妇联, 团委, 残联, 科协) sits at the top or under the area it serves,
# or under another organisation; its mediation workrooms (调解室) sit under it.
PARENT_KINDS: Mapping[str, frozenset[str | None]] = MappingProxyType(
    {
        "city": frozenset({None}),
        "district": frozenset({None, "city"}),
        "street": frozenset({"district"}),
        "community": frozenset({"street"}),
        "grid": frozenset({"community"}),
        "organisation": frozenset({None, "city", "district", "street", "organisation"}),
        "workroom": frozenset({"organisation"}),
    }
)
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
    retired_at: datetime | None = None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


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


def may_sit_under(kind: str, parent_kind: str | None) -> bool:
    """Whether a unit of `kind` may have a parent of `parent_kind` (None: no parent)."""
    return parent_kind in PARENT_KINDS.get(kind, frozenset())


def parent_kinds(kind: str) -> list[str | None]:
    """The kinds a unit of `kind` may sit under, None (the top) first."""
    allowed = PARENT_KINDS.get(kind, frozenset())
    return sorted(allowed, key=lambda k: (k is not None, k or ""))
