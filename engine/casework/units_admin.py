"""Administering the unit tree: create, rename, move, merge and retire units (district →
street → community → grid; organisations and their workrooms). Each change is one
transaction with its audit entry; which kind may sit under which is engine.units.PARENT_KINDS.

An admin reaches every unit; a workroom head (org_admin) the subtree of its own organisation,
and may neither move, merge nor retire the organisation itself.

The adapters' unit and scope caches are refreshed by the adapter that made the change, at once
in its process; other processes reload the tree within api.units.RELOAD_AFTER_S.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.casework.case_records import UNIT_MERGED, record_change
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidUnitError,
    NotPermittedError,
    UnitExistsError,
    UnitInUseError,
    UnitPlacementError,
    UnitRetiredError,
    UnknownUnitError,
)
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import audit, queries, unit_holdings, unit_members
from engine.store import units as unit_store
from engine.store.repository import SqlTransaction
from engine.store.unit_holdings import HeldCase
from engine.store.unit_members import Member
from engine.units import UNIT_KINDS, UnitRecord, UnitTree, may_sit_under
from engine.visibility import holders

UNIT_CREATED = "unit_created"
UNIT_RENAMED = "unit_renamed"
UNIT_MOVED = "unit_moved"
UNIT_RETIRED = "unit_retired"
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_MAX = 128
HELD_SHOWN = 200  # open cases listed on a unit's page


@dataclass(frozen=True, slots=True)
class UnitLine:
    """A unit of the tree, with its depth for an indented list."""

    unit: UnitRecord
    depth: int


@dataclass(frozen=True, slots=True)
class UnitDetail:
    unit: UnitRecord
    parent: UnitRecord | None
    children: list[UnitRecord]
    members: list[Member]
    open_cases: list[HeldCase]
    may_change_place: bool  # move, merge, retire (not an org_admin's own organisation)


@dataclass(frozen=True, slots=True)
class Merged:
    source: str
    target: str
    cases: list[int]
    children: list[str]
    users: list[str]


def _reach(user: User, tree: UnitTree) -> set[str] | None:
    """The units the user may administer; None: every unit."""
    if user.scope.everything or (user.role == "admin" and user.unit is None):
        return None
    return tree.subtree(user.unit) if user.unit else set()


def _check_reach(user: User, reach: set[str] | None, code: str | None) -> None:
    if reach is None:
        return
    if code is None or code not in reach:
        raise NotPermittedError(Permission.MANAGE_UNITS.value, user.role, ["admin"])


def _check_not_own(user: User, reach: set[str] | None, code: str) -> None:
    """A workroom head may not move, merge or retire its own organisation."""
    if reach is not None and code == user.unit:
        raise NotPermittedError(Permission.MANAGE_UNITS.value, user.role, ["admin"])


def _known(tree: UnitTree, code: str, field: str = "unit") -> UnitRecord:
    found = tree.units.get(code)
    if found is None:
        raise UnknownUnitError(code, field)
    return found


def _in_service(tree: UnitTree, code: str, field: str = "unit") -> UnitRecord:
    found = _known(tree, code, field)
    if found.retired:
        raise UnitRetiredError(code)
    return found


def _names(name_zh: str, name_en: str) -> tuple[str, str]:
    zh = name_zh.strip()
    en = name_en.strip() or zh
    if not zh:
        raise InvalidUnitError("name_zh", "give the unit's Chinese name")
    if len(zh) > NAME_MAX or len(en) > NAME_MAX:
        raise InvalidUnitError("name_zh", f"names have at most {NAME_MAX} characters")
    return zh, en


def _check_place(tree: UnitTree, code: str, kind: str, parent: str | None) -> None:
    """Refuse a unit under itself, under a unit below it, under a retired unit, or under a
    parent of a kind it may not sit under."""
    parent_kind: str | None = None
    if parent is not None:
        if parent == code:
            raise UnitPlacementError(code, parent, f"unit {code!r} cannot be its own parent")
        if code in tree.units and parent in tree.subtree(code):
            raise UnitPlacementError(
                code, parent, f"{parent!r} is below {code!r}: the tree would have a cycle"
            )
        parent_kind = _in_service(tree, parent, "parent").kind
    if not may_sit_under(kind, parent_kind):
        where = f"under a {parent_kind}" if parent_kind else "at the top of the tree"
        raise UnitPlacementError(code, parent, f"a {kind} cannot sit {where}")


def unit_tree(cw: Casework, user: User) -> list[UnitLine]:
    """The units the user may administer, depth-first by code (retired ones included)."""
    require(user, Permission.MANAGE_UNITS)
    with cw.store.transaction(write=False) as tx:
        tree = unit_store.unit_tree(tx)
    reach = _reach(user, tree)
    if reach is None:
        roots = sorted(c for c, u in tree.units.items() if u.parent not in tree.units)
    else:
        roots = [user.unit] if user.unit in tree.units else []
    out: list[UnitLine] = []
    stack = [(r, 0) for r in reversed(roots)]
    seen: set[str] = set()
    while stack:
        code, depth = stack.pop()
        if code in seen:
            continue
        seen.add(code)
        out.append(UnitLine(tree.units[code], depth))
        stack.extend((c, depth + 1) for c in reversed(tree.children.get(code, ())))
    return out


def unit_detail(cw: Casework, user: User, code: str) -> UnitDetail:
    """A unit with its parent, the units below it, its users and grid members, and the open
    cases it holds (the first HELD_SHOWN)."""
    require(user, Permission.MANAGE_UNITS)
    with cw.store.transaction(write=False) as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(user, tree)
        unit = _known(tree, code)
        _check_reach(user, reach, code)
        return UnitDetail(
            unit=unit,
            parent=tree.units.get(unit.parent) if unit.parent else None,
            children=[tree.units[c] for c in tree.children.get(code, ())],
            members=unit_members.members_of(tx, code),
            open_cases=unit_holdings.open_cases_held(tx, code, limit=HELD_SHOWN),
            may_change_place=reach is None or code != user.unit,
        )


def create_unit(
    cw: Casework,
    user: User,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    parent: str | None,
) -> UnitRecord:
    """A new unit of `kind` under `parent` (None: at the top, admins only)."""
    require(user, Permission.MANAGE_UNITS)
    code = code.strip()
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidUnitError(
            "code", "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if kind not in UNIT_KINDS:
        raise InvalidUnitError("kind", f"one of {', '.join(UNIT_KINDS)}")
    zh, en = _names(name_zh, name_en)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(user, tree)
        _check_reach(user, reach, parent)
        if code in tree.units:
            raise UnitExistsError(code)
        _check_place(tree, code, kind, parent)
        unit = UnitRecord(code, zh, en, kind, parent)
        unit_store.insert_unit(tx, unit)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=UNIT_CREATED,
            reason=f"{code} ({kind}) {zh} / {en} under {parent or '-'}",
        )
    return unit


def rename_unit(cw: Casework, user: User, code: str, name_zh: str, name_en: str) -> UnitRecord:
    """New Chinese and English names for a unit; its code stays."""
    require(user, Permission.MANAGE_UNITS)
    zh, en = _names(name_zh, name_en)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        unit = _in_service(tree, code)
        _check_reach(user, _reach(user, tree), code)
        unit_store.rename_unit(tx, code, zh, en)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=UNIT_RENAMED,
            reason=f"{code}: {unit.name_zh} / {unit.name_en} → {zh} / {en}",
        )
    return UnitRecord(code, zh, en, unit.kind, unit.parent)


def move_unit(cw: Casework, user: User, code: str, parent: str | None) -> UnitRecord:
    """Put a unit (with everything below it) under another parent."""
    require(user, Permission.MANAGE_UNITS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(user, tree)
        unit = _in_service(tree, code)
        _check_reach(user, reach, code)
        _check_not_own(user, reach, code)
        _check_reach(user, reach, parent)
        _check_place(tree, code, unit.kind, parent)
        unit_store.set_parent(tx, code, parent)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=UNIT_MOVED,
            reason=f"{code}: {unit.parent or '-'} → {parent or '-'}",
        )
    return UnitRecord(code, unit.name_zh, unit.name_en, unit.kind, parent)


def merge_units(cw: Casework, user: User, source: str, target: str) -> Merged:
    """Merge `source` into `target` (same kind): the source's open cases, the units below it,
    its users and grid members go to the target, each moved case with an event in its
    history; the source is retired."""
    require(user, Permission.MANAGE_UNITS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(user, tree)
        src = _in_service(tree, source, "source")
        dst = _in_service(tree, target, "target")
        _check_reach(user, reach, source)
        _check_not_own(user, reach, source)
        _check_reach(user, reach, target)
        if source == target:
            raise UnitPlacementError(source, target, "a unit cannot be merged into itself")
        if src.kind != dst.kind:
            raise UnitPlacementError(
                source, target, f"a {src.kind} can only be merged into another {src.kind}"
            )
        if target in tree.subtree(source):
            raise UnitPlacementError(
                source, target, f"{target!r} is below {source!r}: merge it the other way"
            )
        at = cw.clock.now()
        held = unit_holdings.open_cases_held(tx, source)
        unit_holdings.move_cases(tx, held, source, target, f"merged from {source}", at)
        for item in held:
            case = tx.get_case(item.id)
            assert case is not None
            record_change(
                tx,
                case,
                user.actor,
                UNIT_MERGED,
                at,
                changes={"unit": target},
                note=f"{src.name_zh} → {dst.name_zh}",
            )
        children = unit_store.reparent_children(tx, source, target)
        users = unit_members.move_members(tx, source, target)
        unit_store.retire_unit(tx, source, at)
        merged = Merged(source, target, [c.id for c in held], children, users)
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=UNIT_MERGED,
            reason=(
                f"{source} → {target}: cases {merged.cases or '-'},"
                f" units {children or '-'}, users {users or '-'}"
            ),
        )
    return merged


def _only_holder(tx: SqlTransaction, tree: UnitTree, held: HeldCase, code: str) -> bool:
    """Whether no unit in service but `code` holds the case: retiring `code` would leave it
    without a holder (a case handed over to another unit first does not stop the retiring)."""
    case = tx.get_case(held.id)
    if case is None:
        return False
    others = (holders(case) | set(queries.handed_units(tx, held.id))) - {code}
    if case.grid_unit is not None:
        others.add(case.grid_unit)
    others.discard(code)
    return not any(u in tree.units and not tree.units[u].retired for u in others)


def retire_unit(cw: Casework, user: User, code: str) -> UnitRecord:
    """Take a unit out of service: refused (UnitInUseError, listing them) while it is the only
    unit in service holding open cases (hand them over first), has units in service below it,
    or has users."""
    require(user, Permission.MANAGE_UNITS)
    with cw.store.transaction() as tx:
        tree = unit_store.unit_tree(tx)
        reach = _reach(user, tree)
        unit = _in_service(tree, code)
        _check_reach(user, reach, code)
        _check_not_own(user, reach, code)
        held = [
            c for c in unit_holdings.open_cases_held(tx, code) if _only_holder(tx, tree, c, code)
        ]
        children = [c for c in tree.children.get(code, ()) if not tree.units[c].retired]
        users = [m.username for m in unit_members.members_of(tx, code)]
        if held or children or users:
            raise UnitInUseError(code, [c.id for c in held], children, users)
        at = cw.clock.now()
        unit_store.retire_unit(tx, code, at)
        audit.record(tx, at=at, username=user.username, action=UNIT_RETIRED, reason=code)
    return UnitRecord(code, unit.name_zh, unit.name_en, unit.kind, unit.parent, at)
