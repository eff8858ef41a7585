"""Grid members and their grids: give a member grids and take them away, hand a leaving
member's grids to another, and move a grid's open cases to another grid when grids are
redrawn (split or merged). The open reports and cases follow, each with an event in its
history; one transaction per use case with its audit entry.

Who may: MANAGE_GRIDS (an admin anywhere, a supervisor for the grids below its unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.casework.case_records import GRID_HANDOVER, GRID_REDRAWN, record_change
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidUnitError,
    NotPermittedError,
    UnitRetiredError,
    UnknownMemberError,
    UnknownUnitError,
    WrongMemberError,
)
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit, unit_holdings, unit_members
from engine.store import units as unit_store
from engine.store.repository import SqlTransaction
from engine.store.unit_members import Member
from engine.units import UnitRecord, UnitTree

GRID_ASSIGNED = "grid_assigned"
GRID_UNASSIGNED = "grid_unassigned"
GRID_MEMBER = "grid_member"


@dataclass(frozen=True, slots=True)
class HandedOver:
    grids: list[str]
    cases: list[int]


def _grid(tree: UnitTree, user: User, code: str, field: str = "grid") -> None:
    unit = tree.units.get(code)
    if unit is None:
        raise UnknownUnitError(code, field)
    if unit.kind != "grid":
        raise InvalidUnitError(field, f"{code!r} is a {unit.kind}, not a grid")
    if unit.retired:
        raise UnitRetiredError(code)
    _check_reach(tree, user, code)


def _check_reach(tree: UnitTree, user: User, code: str) -> None:
    if user.scope.everything:
        return
    if not user.unit or code not in tree.subtree(user.unit):
        raise NotPermittedError(Permission.MANAGE_GRIDS.value, user.role, ["admin"])


def _member(tx: SqlTransaction, username: str, field: str = "username") -> Member:
    found = unit_members.member(tx, username)
    if found is None or not found.active:
        raise UnknownMemberError(username, field)
    if found.role != GRID_MEMBER:
        raise WrongMemberError(username, field, f"{username} is a {found.role}, not a grid member")
    return found


def grid_members(cw: Casework, user: User) -> list[Member]:
    """The active grid members, by user name."""
    require(user, Permission.MANAGE_GRIDS)
    with cw.store.transaction(write=False) as tx:
        return unit_members.members_with_role(tx, GRID_MEMBER)


def grids_in_reach(cw: Casework, user: User) -> list[UnitRecord]:
    """The grid units in service the user may give out, by code."""
    require(user, Permission.MANAGE_GRIDS)
    with cw.store.transaction(write=False) as tx:
        tree = unit_store.unit_tree(tx)
    reach = (
        set(tree.units)
        if user.scope.everything
        else (tree.subtree(user.unit) if user.unit else set())
    )
    return [
        u
        for c, u in sorted(tree.units.items())
        if c in reach and u.kind == "grid" and not u.retired
    ]


def assign_grids(cw: Casework, user: User, username: str, grids: Sequence[str]) -> list[str]:
    """Give a grid member more grids; their grids afterwards."""
    require(user, Permission.MANAGE_GRIDS)
    if not grids:
        raise InvalidUnitError("grids", "name at least one grid")
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        for g in grids:
            _grid(tree, user, g)
        m = _member(tx, username)
        held = list(m.grid_units)
        added = [g for g in dict.fromkeys(grids) if g not in held]
        if not added:
            return held
        held += added
        unit_members.set_grid_units(tx, username, held)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=GRID_ASSIGNED,
            reason=f"{username}: + {', '.join(added)}",
        )
    return held


def unassign_grid(cw: Casework, user: User, username: str, grid: str) -> list[str]:
    """Take a grid from a grid member (its cases stay with the grid); their grids afterwards."""
    require(user, Permission.MANAGE_GRIDS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        if grid not in tree.units:
            raise UnknownUnitError(grid, "grid")
        _check_reach(tree, user, grid)
        m = _member(tx, username)
        if grid not in m.grid_units:
            raise WrongMemberError(username, "grid", f"{username} does not hold grid {grid}")
        held = [g for g in m.grid_units if g != grid]
        unit_members.set_grid_units(tx, username, held)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=GRID_UNASSIGNED,
            reason=f"{username}: - {grid}",
        )
    return held


def hand_over_grids(cw: Casework, user: User, leaving: str, successor: str) -> HandedOver:
    """A grid member leaves: their grids go to `successor`, and so do the open cases of those
    grids and the open cases assigned to them (each with an event in its history)."""
    require(user, Permission.MANAGE_GRIDS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        old = _member(tx, leaving, "from")
        new = _member(tx, successor, "to")
        if leaving == successor:
            raise WrongMemberError(successor, "to", "hand the grids to someone else")
        for g in old.grid_units:
            if g in tree.units and not tree.units[g].retired:
                _grid(tree, user, g, "from")
        grids = list(old.grid_units)
        at = cw.clock.now()
        held = {c.id: c for g in grids for c in unit_holdings.open_grid_cases(tx, g)}
        for c in unit_holdings.open_cases_assigned(tx, leaving):
            held.setdefault(c.id, c)
        for case_id in sorted(held):
            case = tx.get_case(case_id)
            assert case is not None
            record_change(
                tx,
                case,
                user.actor,
                GRID_HANDOVER,
                at,
                changes={"grid_member": successor},
                note=f"{leaving} → {successor}",
                assignee=successor if case.assignee == leaving else None,
            )
        unit_members.set_grid_units(tx, successor, list(dict.fromkeys([*new.grid_units, *grids])))
        unit_members.set_grid_units(tx, leaving, [])
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=GRID_HANDOVER,
            reason=f"{leaving} → {successor}: grids {grids or '-'}, cases {sorted(held) or '-'}",
        )
    return HandedOver(grids, sorted(held))


def redraw_grid(
    cw: Casework,
    user: User,
    source: str,
    target: str,
    case_ids: Sequence[int] | None = None,
) -> list[int]:
    """Move open cases of grid `source` to grid `target` (all of them, or those of
    `case_ids`: a grid split in two), each with an event in its history; their ids."""
    require(user, Permission.MANAGE_GRIDS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        if source not in tree.units:
            raise UnknownUnitError(source, "source")
        _check_reach(tree, user, source)
        _grid(tree, user, target, "target")
        if source == target:
            raise InvalidUnitError("target", "name another grid")
        open_cases = unit_holdings.open_grid_cases(tx, source)
        if case_ids is not None:
            wanted = set(case_ids)
            chosen = [c for c in open_cases if c.id in wanted]
            missing = sorted(wanted - {c.id for c in chosen})
            if missing:
                raise InvalidUnitError(
                    "cases",
                    f"not open cases of grid {source}: {', '.join(f'#{i}' for i in missing)}",
                )
            open_cases = chosen
        at = cw.clock.now()
        unit_holdings.move_cases(tx, open_cases, source, target, f"redrawn from {source}", at)
        src, dst = tree.units[source], tree.units[target]
        for item in open_cases:
            case = tx.get_case(item.id)
            assert case is not None
            record_change(
                tx,
                case,
                user.actor,
                GRID_REDRAWN,
                at,
                changes={"grid_unit": target},
                note=f"{src.name_zh} → {dst.name_zh}",
            )
        moved = [c.id for c in open_cases]
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=GRID_REDRAWN,
            reason=f"{source} → {target}: cases {moved or '-'}",
        )
    return moved
