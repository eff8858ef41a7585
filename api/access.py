"""Who sees which case. A case the user may not see answers 404, never 403."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from api.units import MAX_TIER, UnitTree
from engine.errors import CaseNotFoundError
from engine.model import Case
from engine.store import queries
from engine.store.visibility import HANDOFF_FIELDS, HANDOFF_LIST_FIELDS, Visibility
from fengqiao.context import Context

if TYPE_CHECKING:
    from api.auth import User

# Roles that see the whole subtree of their unit (an organisation's admin, a street's
# supervisor); the others see their own unit and grid units only.
SUBTREE_ROLES: frozenset[str] = frozenset({"org_admin", "supervisor", "admin"})
# Roles that may read parties' personal data unmasked (with a reason, audited).
PERSONAL_DATA_ROLES: frozenset[str] = frozenset({"mediator", "org_admin"})


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
    for g in tree.grids():
        if g in units:
            continue
        for k, ancestor in enumerate(tree.ancestors(g)[:MAX_TIER], start=1):
            if ancestor in units:
                by_tier[k - 1].add(g)
    return Visibility(False, frozenset(units), tuple(frozenset(s) for s in by_tier))


def holders(case: Case) -> set[str]:
    """Units holding the case outside the grid tiers: owner and hand-off fields."""
    out = {case.org_unit} if case.org_unit else set()
    for f in HANDOFF_FIELDS:
        v = case.data.get(f)
        if isinstance(v, str) and v:
            out.add(v)
    for f in HANDOFF_LIST_FIELDS:
        v = case.data.get(f)
        if isinstance(v, list):
            out.update(x for x in v if isinstance(x, str))
    return out


def case_tier(data: dict[str, Any]) -> int:
    tier = data.get("tier")
    return max(0, min(MAX_TIER, tier)) if isinstance(tier, int) else 0


def sees(vis: Visibility, case: Case, handed_to: Iterable[str] = ()) -> bool:
    if vis.everything:
        return True
    if vis.units & holders(case) or vis.units.intersection(handed_to):
        return True
    grid = case.grid_unit
    if grid is None:
        return False
    if grid in vis.units:
        return True
    tier = case_tier(case.data)
    return any(grid in vis.grids_by_tier[k - 1] for k in range(1, tier + 1))


def can_see(user: User, case: Case, handed_to: Iterable[str] = ()) -> bool:
    """Whether `user` may see `case`; `handed_to`: units the case was explicitly handed to
    (``visible_case`` loads them)."""
    return sees(user.scope, case, handed_to)


def visible_case(ctx: Context, user: User, case_id: int) -> Case:
    """The case, if the user may see it; CaseNotFoundError (404) otherwise."""
    case = ctx.service.get_case(case_id)
    if can_see(user, case):
        return case
    if can_see(user, case, queries.handed_units(ctx.store, case_id)):
        return case
    raise CaseNotFoundError(case_id)


def may_read_personal_data(user: User) -> bool:
    return user.role in PERSONAL_DATA_ROLES


def case_filter(user: User) -> Visibility:
    """The filter for case lists: pass it to engine.store.queries.list_cases."""
    return user.scope
