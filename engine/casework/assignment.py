"""Who works a case in the workroom: a mediator takes (认领) an unassigned case of their
organisation; a workroom head (org_admin) assigns or reassigns it to a mediator who can see it.
The case's assignee is what "my cases" (我的案件) lists; each change is an event in the case's
history, one transaction each. Two claims at once: the second is refused (AlreadyAssignedError,
or ConflictError when it came with the version it saw), never an overwrite."""

from __future__ import annotations

from dataclasses import dataclass

from engine.casework.access import visible_in
from engine.casework.case_records import ASSIGN, CLAIM, record_change
from engine.casework.context import Casework
from engine.casework.errors import (
    AlreadyAssignedError,
    CaseClosedError,
    OutOfScopeError,
    UnknownMemberError,
    WrongMemberError,
)
from engine.casework.identity import User
from engine.casework.permissions import Permission, allowed, require
from engine.errors import ConflictError
from engine.model import Case
from engine.store import queries, unit_members
from engine.store import units as unit_store
from engine.store.repository import SqlTransaction
from engine.store.unit_members import Member
from engine.units import UnitTree
from engine.visibility import sees, visibility_for

MEDIATOR = "mediator"


@dataclass(frozen=True, slots=True)
class Assigned:
    case: Case
    changed: bool  # False: the case was assigned to that mediator already


def _check_open(case: Case, expected: int | None) -> None:
    if case.closed_at is not None:
        raise CaseClosedError(case.id)
    if expected is not None and case.version != expected:
        raise ConflictError(case.id, expected, case.version)


def _sees(tx: SqlTransaction, tree: UnitTree, m: Member, case: Case) -> bool:
    vis = visibility_for(tree, m.role, m.unit, m.grid_units)
    return sees(vis, case, queries.handed_units(tx, case.id))


def claim(cw: Casework, user: User, case_id: int, expected_version: int | None = None) -> Assigned:
    """The mediator takes an unassigned case their organisation holds (404 first, then 403)."""
    with cw.store.transaction() as tx:
        case = visible_in(tx, user, case_id)
        require(user, Permission.CLAIM_CASE)
        _check_open(case, expected_version)
        if case.assignee == user.username:
            return Assigned(case, False)
        if case.assignee is not None:
            raise AlreadyAssignedError(case_id, case.assignee)
        if user.unit is None:
            raise OutOfScopeError("organisation", case.org_unit or "")
        updated = record_change(
            tx,
            case,
            user.actor,
            CLAIM,
            cw.clock.now(),
            changes={"assignee": user.username},
            note=user.display_name or user.username,
            assignee=user.username,
        )
    return Assigned(updated, True)


def assign(
    cw: Casework,
    user: User,
    case_id: int,
    mediator: str,
    expected_version: int | None = None,
) -> Assigned:
    """A workroom head assigns (or reassigns) a case to a mediator of its organisation who can
    see the case."""
    with cw.store.transaction() as tx:
        case = visible_in(tx, user, case_id)
        require(user, Permission.ASSIGN_CASE)
        _check_open(case, expected_version)
        m = unit_members.member(tx, mediator)
        if m is None or not m.active:
            raise UnknownMemberError(mediator, "mediator")
        if m.role != MEDIATOR:
            raise WrongMemberError(mediator, "mediator", f"{mediator} is not a mediator")
        tree = unit_store.unit_tree(tx)
        reach = tree.subtree(user.unit) if user.unit else set()
        if m.unit not in reach or not _sees(tx, tree, m, case):
            raise WrongMemberError(
                mediator, "mediator", f"{mediator} is not a mediator of your organisation"
            )
        if case.assignee == mediator:
            return Assigned(case, False)
        note = f"{case.assignee} → {mediator}" if case.assignee else mediator
        updated = record_change(
            tx,
            case,
            user.actor,
            ASSIGN,
            cw.clock.now(),
            changes={"assignee": mediator},
            note=note,
            assignee=mediator,
        )
    return Assigned(updated, True)


def mediators_for(cw: Casework, user: User, case_id: int) -> list[Member]:
    """The mediators the workroom head may assign the case to (empty for other roles)."""
    with cw.store.transaction(write=False) as tx:
        case = visible_in(tx, user, case_id)
        if not allowed(user, Permission.ASSIGN_CASE) or not user.unit:
            return []
        tree = unit_store.unit_tree(tx)
        reach = tree.subtree(user.unit)
        return [
            m
            for m in unit_members.members_with_role(tx, MEDIATOR)
            if m.unit in reach and _sees(tx, tree, m, case)
        ]
