"""Who sees which case: the one copy of the visibility policy.

A case is held by its owning organisation (``org_unit``), by the units named in its hand-off
fields (engine.reserved: ``organisation``, ``handling_unit``, ``lead_unit``, ``co_handlers``),
by units it was handed to (``case_access``) and, for a grid case, by its grid unit and by the
grid's ancestor at each tier up to the case's current ``tier`` (grid 0 → community 1 → street 2
→ district 3 → city 4).

``sees`` asks it of one case in memory; engine.store.queries derives the SQL filter for lists
from the same `Visibility` and the same reserved fields (tests/engine/test_visibility.py checks
that the two agree case by case).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.model import Case
from engine.reserved import HANDOFF_FIELDS, HANDOFF_LIST_FIELDS, TIER
from engine.units import MAX_TIER, UnitTree

# Roles that see the whole subtree of their unit (an organisation's admin, a street's
# supervisor); the others see their own unit and grid units only.
SUBTREE_ROLES: frozenset[str] = frozenset({"org_admin", "supervisor", "admin"})


@dataclass(frozen=True, slots=True)
class Visibility:
    """``units``: the units whose cases the user sees; ``grids_by_tier[k-1]``: grid units whose
    ancestor at tier k is one of them (a case there is seen once it reaches tier k)."""

    everything: bool = False
    units: frozenset[str] = frozenset()
    grids_by_tier: tuple[frozenset[str], ...] = ()

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.units


def visibility_for(
    tree: UnitTree, role: str, unit: str | None, grid_units: Iterable[str]
) -> Visibility:
    """The units a user in `role` at `unit` (and `grid_units`) sees cases of."""
    grids = [g for g in grid_units if g]
    if role == "admin" and unit is None:
        return Visibility(everything=True)
    roots = ([unit] if unit else []) + grids
    units: set[str] = set()
    if role in SUBTREE_ROLES:
        for r in roots:
            units |= tree.subtree(r)
    else:
        units = set(roots)
    by_tier: list[set[str]] = [set() for _ in range(MAX_TIER)]
    if role not in SUBTREE_ROLES:
        # A grid outside `units` is seen from tier k when its ancestor k steps up is one of
        # them: it is k levels below that unit. Walking down from the (few) units costs what
        # their neighbourhood holds, not what the whole tree holds. (A subtree role's units
        # hold every unit below them: no grid below is outside.)
        for root in units:
            _grids_below(tree, root, units, by_tier)
    return Visibility(False, frozenset(units), tuple(frozenset(s) for s in by_tier))


def _grids_below(tree: UnitTree, root: str, units: set[str], by_tier: list[set[str]]) -> None:
    """Add to ``by_tier[k-1]`` each grid outside `units` whose ancestor k steps up is
    `root`, for k up to MAX_TIER (checked against its ancestors, which cut cycles)."""
    level = [root]
    for k in range(1, MAX_TIER + 1):
        level = [c for p in level for c in tree.children.get(p, ())]
        if not level:
            return
        for code in level:
            if code in units or tree.units[code].kind != "grid":
                continue
            chain = tree.ancestors(code)
            if len(chain) >= k and chain[k - 1] == root:
                by_tier[k - 1].add(code)


def holders(case: Case) -> set[str]:
    """Units holding the case outside the grid tiers: owner and hand-off fields."""
    return holders_of(case.org_unit, case.data)


def holders_of(org_unit: str | None, data: Mapping[str, Any]) -> set[str]:
    """`holders` of a case known by its owning unit and data."""
    out = {org_unit} if org_unit else set()
    for f in HANDOFF_FIELDS:
        v = data.get(f)
        if isinstance(v, str) and v:
            out.add(v)
    for f in HANDOFF_LIST_FIELDS:
        v = data.get(f)
        if isinstance(v, list):
            out.update(x for x in v if isinstance(x, str))
    return out


def case_tier(data: Mapping[str, Any]) -> int:
    """The case's grid tier, 0 when it has none."""
    tier = data.get(TIER)
    if isinstance(tier, bool) or not isinstance(tier, int):
        return 0
    return max(0, min(MAX_TIER, tier))


def sees(vis: Visibility, case: Case, handed_to: Iterable[str] = ()) -> bool:
    """Whether `vis` allows the case; `handed_to`: units the case was explicitly handed to."""
    return sees_parts(vis, case.org_unit, case.grid_unit, case.data, handed_to)


def sees_parts(
    vis: Visibility,
    org_unit: str | None,
    grid_unit: str | None,
    data: Mapping[str, Any],
    handed_to: Iterable[str] = (),
) -> bool:
    """`sees` for a case known by its owning unit, grid and data (not read whole)."""
    if vis.everything:
        return True
    if vis.units & holders_of(org_unit, data) or vis.units.intersection(handed_to):
        return True
    if grid_unit is None:
        return False
    if grid_unit in vis.units:
        return True
    tier = case_tier(data)
    return any(grid_unit in vis.grids_by_tier[k - 1] for k in range(1, tier + 1))
