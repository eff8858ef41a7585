"""A large unit tree for the benchmarks: districts → streets → communities → grids under one
parent, about `total` units in all, with users at its communities and grids."""

from __future__ import annotations

from engine.directory_rows import UserLine
from engine.units import UnitRecord

DISTRICTS = 8
STREETS = 8  # per district
COMMUNITIES = 10  # per street


def big_tree(total: int = 5000, parent: str | None = None, prefix: str = "b") -> list[UnitRecord]:
    """About `total` units (at least the districts, streets and communities) below `parent`:
    the grids share what is left among the communities."""
    out: list[UnitRecord] = []
    communities: list[str] = []
    for d in range(DISTRICTS):
        dc = f"{prefix}d{d}"
        out.append(UnitRecord(dc, f"第{d}区", f"District {d}", "district", parent))
        for s in range(STREETS):
            sc = f"{dc}s{s}"
            out.append(UnitRecord(sc, f"第{d}区第{s}街道", f"Street {d}.{s}", "street", dc))
            for c in range(COMMUNITIES):
                cc = f"{sc}c{c}"
                out.append(UnitRecord(cc, f"{sc}第{c}社区", f"Community {cc}", "community", sc))
                communities.append(cc)
    grids = max(0, total - len(out))
    for i in range(grids):
        cc = communities[i % len(communities)]
        gc = f"{cc}g{i // len(communities)}"
        out.append(UnitRecord(gc, f"{cc}第{i // len(communities)}网格", f"Grid {gc}", "grid", cc))
    return out


def users_for(units: list[UnitRecord], total: int = 20_000) -> list[UserLine]:
    """`total` users: grid members on the grids, mediators and handlers at communities."""
    grids = [u.code for u in units if u.kind == "grid"]
    communities = [u.code for u in units if u.kind == "community"]
    out: list[UserLine] = []
    for i in range(total):
        if i % 4 == 0 and communities:
            unit = communities[i % len(communities)]
            role = "mediator" if i % 8 == 0 else "handler"
            out.append(UserLine(f"user{i:06d}", f"用户{i}", role, unit, ()))
        else:
            out.append(
                UserLine(f"user{i:06d}", f"用户{i}", "grid_member", None, (grids[i % len(grids)],))
            )
    return out
