"""Importing and exporting the unit tree and the users: the spreadsheets a district keeps.

A file is previewed first: every problem by row and column, and what importing it would do
(created, updated, unchanged by the unit's code or the username). Applying checks it again
against the database as it is, inside one transaction that writes every row and the audit
entry, or nothing. Imported users get no password: they log in once an administrator sets
one. An export is in the same layout, so it imports back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import BinaryIO, Generic, TypeVar

from engine.casework.context import Casework
from engine.casework.errors import ImportRefusedError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.directory_rows import (
    UNIT_COLUMNS,
    USER_COLUMNS,
    Checked,
    Plan,
    UserLine,
    check_units,
    check_users,
    plan_units,
    plan_users,
    unit_cells,
    user_cells,
)
from engine.sheets import Sheet, SheetProblem, read_sheet
from engine.store import audit
from engine.store import directory as store
from engine.store.repository import SqlTransaction
from engine.units import UnitRecord

UNITS = "units"
USERS = "users"
UNITS_IMPORTED = "units_imported"
USERS_IMPORTED = "users_imported"
FILE_NAME_MAX = 200
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """A file previewed or imported: its rows, its problems, and the rows created, updated
    and unchanged (would be, for a preview)."""

    what: str  # units | users
    file_name: str
    rows: int
    problems: tuple[SheetProblem, ...]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Table:
    """An export: the header (Chinese column names) and each row's cells."""

    what: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Kind(Generic[T]):
    what: str
    action: str
    check: Callable[[SqlTransaction, Sheet], Checked[T]]
    plan: Callable[[SqlTransaction, tuple[T, ...]], Plan[T]]
    write: Callable[[SqlTransaction, Plan[T], Casework], None]


def _check_units(tx: SqlTransaction, sheet: Sheet) -> Checked[UnitRecord]:
    return check_units(sheet, store.units_by_code(tx))


def _plan_units(tx: SqlTransaction, items: tuple[UnitRecord, ...]) -> Plan[UnitRecord]:
    return plan_units(items, store.units_by_code(tx))


def _write_units(tx: SqlTransaction, plan: Plan[UnitRecord], cw: Casework) -> None:
    store.insert_units(tx, plan.create)
    store.update_units(tx, plan.update)


def _check_users(tx: SqlTransaction, sheet: Sheet) -> Checked[UserLine]:
    return check_users(sheet, store.unit_kinds(tx))


def _plan_users(tx: SqlTransaction, items: tuple[UserLine, ...]) -> Plan[UserLine]:
    return plan_users(items, store.user_lines(tx))


def _write_users(tx: SqlTransaction, plan: Plan[UserLine], cw: Casework) -> None:
    store.insert_users(tx, plan.create, cw.clock.now())
    store.update_users(tx, plan.update)


_UNITS: _Kind[UnitRecord] = _Kind(UNITS, UNITS_IMPORTED, _check_units, _plan_units, _write_units)
_USERS: _Kind[UserLine] = _Kind(USERS, USERS_IMPORTED, _check_users, _plan_users, _write_users)


def plain_file_name(name: str) -> str:
    """The name of an uploaded file without any folder, cut to FILE_NAME_MAX characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    return "".join(ch for ch in base if ch.isprintable())[:FILE_NAME_MAX]


def _report(
    kind: _Kind[T], name: str, sheet: Sheet, checked: Checked[T], plan: Plan[T], applied: bool
) -> ImportReport:
    return ImportReport(
        kind.what,
        name,
        len(sheet.rows),
        checked.problems,
        len(plan.create),
        len(plan.update),
        plan.unchanged,
        applied,
    )


def _preview(cw: Casework, user: User, kind: _Kind[T], source: BinaryIO, name: str) -> ImportReport:
    require(user, Permission.IMPORT_DIRECTORY)
    name = plain_file_name(name)
    sheet = read_sheet(source, name)
    with cw.store.transaction(write=False) as tx:
        checked = kind.check(tx, sheet)
        plan = kind.plan(tx, checked.items) if not checked.problems else Plan[T]()
    return _report(kind, name, sheet, checked, plan, applied=False)


def _apply(cw: Casework, user: User, kind: _Kind[T], source: BinaryIO, name: str) -> ImportReport:
    require(user, Permission.IMPORT_DIRECTORY)
    name = plain_file_name(name)
    sheet = read_sheet(source, name)
    with cw.store.transaction() as tx:
        checked = kind.check(tx, sheet)
        if checked.problems:
            raise ImportRefusedError(kind.what, checked.problems)
        plan = kind.plan(tx, checked.items)
        kind.write(tx, plan, cw)
        report = _report(kind, name, sheet, checked, plan, applied=True)
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=kind.action,
            reason=json.dumps(
                {
                    "file": name,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
                ensure_ascii=False,
            ),
        )
    return report


def preview_units(cw: Casework, user: User, source: BinaryIO, file_name: str) -> ImportReport:
    """What importing this unit-tree file would do, and every problem it has; writes nothing."""
    return _preview(cw, user, _UNITS, source, file_name)


def apply_units(cw: Casework, user: User, source: BinaryIO, file_name: str) -> ImportReport:
    """Import a unit-tree file, all of it or nothing (ImportRefusedError while it has
    problems); audit `units_imported` with the counts and the file's name."""
    return _apply(cw, user, _UNITS, source, file_name)


def preview_users(cw: Casework, user: User, source: BinaryIO, file_name: str) -> ImportReport:
    """What importing this user file would do, and every problem it has; writes nothing."""
    return _preview(cw, user, _USERS, source, file_name)


def apply_users(cw: Casework, user: User, source: BinaryIO, file_name: str) -> ImportReport:
    """Import a user file, all of it or nothing; new users have no password until an
    administrator sets one; audit `users_imported` with the counts and the file's name."""
    return _apply(cw, user, _USERS, source, file_name)


def preview(cw: Casework, user: User, what: str, source: BinaryIO, file_name: str) -> ImportReport:
    """`preview_units` or `preview_users`, by `what`."""
    if what == UNITS:
        return preview_units(cw, user, source, file_name)
    if what == USERS:
        return preview_users(cw, user, source, file_name)
    raise ValueError(f"nothing to import as {what!r}")


def apply(cw: Casework, user: User, what: str, source: BinaryIO, file_name: str) -> ImportReport:
    """`apply_units` or `apply_users`, by `what`."""
    if what == UNITS:
        return apply_units(cw, user, source, file_name)
    if what == USERS:
        return apply_users(cw, user, source, file_name)
    raise ValueError(f"nothing to import as {what!r}")


def export_units(cw: Casework, user: User) -> Table:
    """The unit tree in the import layout, by code."""
    require(user, Permission.IMPORT_DIRECTORY)
    with cw.store.transaction(write=False) as tx:
        items = sorted(store.units_by_code(tx).values(), key=lambda u: u.code)
    rows = tuple(tuple(unit_cells(u)) for u in _parents_first(items))
    return Table(UNITS, tuple(c.zh for c in UNIT_COLUMNS), rows)


def export_users(cw: Casework, user: User) -> Table:
    """The users in the import layout (no password), in the order they were made."""
    require(user, Permission.IMPORT_DIRECTORY)
    with cw.store.transaction(write=False) as tx:
        lines = list(store.user_lines(tx).values())
    rows = tuple(tuple(user_cells(u)) for u in lines)
    return Table(USERS, tuple(c.zh for c in USER_COLUMNS), rows)


def export(cw: Casework, user: User, what: str) -> Table:
    """`export_units` or `export_users`, by `what`."""
    if what == UNITS:
        return export_units(cw, user)
    if what == USERS:
        return export_users(cw, user)
    raise ValueError(f"nothing to export as {what!r}")


def _parents_first(items: list[UnitRecord]) -> list[UnitRecord]:
    """The units with each parent before its children (those on a broken chain last), so a
    reader of the file meets the tree from its top."""
    by_parent: dict[str | None, list[UnitRecord]] = {}
    codes = {u.code for u in items}
    for u in items:
        by_parent.setdefault(u.parent if u.parent in codes else None, []).append(u)
    out: list[UnitRecord] = []
    seen: set[str] = set()
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        u = stack.pop()
        if u.code in seen:
            continue
        seen.add(u.code)
        out.append(u)
        stack.extend(reversed(by_parent.get(u.code, [])))
    out.extend(u for u in items if u.code not in seen)
    return out
