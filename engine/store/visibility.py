"""Which cases a user may see, as plain sets the case queries turn into SQL.

A case is held by its owning organisation (``org_unit``), by the units named in its hand-off
fields (``organisation``, ``handling_unit``, ``lead_unit``, ``co_handlers``), by units it was
handed to (``case_access``) and, for a grid case, by its grid unit and by the grid's ancestor at
each tier up to the case's current ``tier`` (grid 0 → community 1 → street 2 → district 3 →
city 4).
"""

from __future__ import annotations

from dataclasses import dataclass

HANDOFF_FIELDS: tuple[str, ...] = ("organisation", "handling_unit", "lead_unit")
HANDOFF_LIST_FIELDS: tuple[str, ...] = ("co_handlers",)


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
