"""The layout of the unit-tree and user spreadsheets, and the check of their rows.

Columns are named in Chinese or by their English alias (docs/IMPORT.md). Every problem is
reported with its row and column; nothing here writes. A checked file becomes a plan: the
rows to create, the rows to update and how many are unchanged, by the unit's code and the
user's username (importing a file again changes nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from engine.sheets import Sheet, SheetProblem
from engine.units import UNIT_KINDS, UnitRecord, may_sit_under, parent_kinds

ROLES: tuple[str, ...] = ("grid_member", "mediator", "handler", "org_admin", "supervisor", "admin")
LANGS: tuple[str, ...] = ("zh", "en")
MAX_CODE = 64
MAX_NAME = 128
_CODE = re.compile(r"^[^\s,，、]+$")
GRID_SEPARATORS = re.compile(r"[、,，;；\s]+")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the English alias, also the field it fills
    zh: str  # the Chinese header, written on export
    required: bool = True


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "单位编码"),
    Column("name_zh", "单位名称"),
    Column("name_en", "英文名称", required=False),
    Column("kind", "类型"),
    Column("parent", "上级单位编码", required=False),
)
USER_COLUMNS: tuple[Column, ...] = (
    Column("username", "用户名"),
    Column("display_name", "姓名"),
    Column("role", "角色"),
    Column("unit", "所属单位", required=False),
    Column("grids", "网格", required=False),
    Column("lang", "语言", required=False),
)

# Chinese words accepted for a kind or a role; export writes the first of each.
KIND_WORDS: Mapping[str, str] = {
    "组织": "organisation",
    "市": "city",
    "区": "district",
    "区县": "district",
    "街道": "street",
    "乡镇": "street",
    "社区": "community",
    "村": "community",
    "网格": "grid",
    "调解工作室": "workroom",
    "工作室": "workroom",
}
ROLE_WORDS: Mapping[str, str] = {
    "网格员": "grid_member",
    "调解员": "mediator",
    "承办人员": "handler",
    "处置员": "handler",
    "组织管理员": "org_admin",
    "督导": "supervisor",
    "系统管理员": "admin",
}
KIND_LABELS: Mapping[str, str] = {v: k for k, v in reversed(list(KIND_WORDS.items()))}
ROLE_LABELS: Mapping[str, str] = {v: k for k, v in reversed(list(ROLE_WORDS.items()))}
LANG_WORDS: Mapping[str, str] = {"中文": "zh", "英文": "en", "english": "en"}


@dataclass(frozen=True, slots=True)
class UserLine:
    """A user as the spreadsheet states it (no password: imported users have none)."""

    username: str
    display_name: str
    role: str
    unit: str | None
    grid_units: tuple[str, ...]
    lang: str = "zh"


@dataclass(frozen=True)
class Plan(Generic[T]):
    """What importing a clean file does: rows to create, rows to update, rows unchanged."""

    create: tuple[T, ...] = ()
    update: tuple[T, ...] = ()
    unchanged: int = 0


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A file's rows checked: their values, in file order, and every problem found."""

    items: tuple[T, ...] = ()
    problems: tuple[SheetProblem, ...] = field(default=())


def _columns(
    sheet: Sheet, layout: Sequence[Column]
) -> tuple[dict[str, int], dict[str, str], list[SheetProblem]]:
    return header_columns(sheet.header, layout)


def header_columns(
    header: Sequence[str], layout: Sequence[Column]
) -> tuple[dict[str, int], dict[str, str], list[SheetProblem]]:
    """Each known column's index and header as written; problems of the header row."""
    names = {c.key.lower(): c for c in layout} | {c.zh: c for c in layout}
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    problems: list[SheetProblem] = []
    for i, text in enumerate(header):
        col = names.get(text) or names.get(text.lower())
        if col is None:
            problems.append(
                SheetProblem(
                    1,
                    text or f"#{i + 1}",
                    "unknown_column",
                    "not a column of this file: " + ", ".join(f"{c.zh}/{c.key}" for c in layout),
                    text,
                )
            )
        elif col.key in index:
            problems.append(
                SheetProblem(1, text, "duplicate_column", "this column appears twice", text)
            )
        else:
            index[col.key] = i
            shown[col.key] = text
    for col in layout:
        if col.required and col.key not in index:
            detail = f"the column {col.zh}/{col.key} is missing"
            problems.append(SheetProblem(1, col.zh, "missing_column", detail))
    return index, shown, problems


class _Row:
    """One data row's cells by column key, with the header as written for problems."""

    def __init__(
        self, number: int, cells: tuple[str, ...], index: dict[str, int], shown: dict[str, str]
    ) -> None:
        self.number = number
        self.cells = cells
        self.index = index
        self.shown = shown
        self.problems: list[SheetProblem] = []

    def get(self, key: str) -> str:
        i = self.index.get(key)
        return self.cells[i] if i is not None and i < len(self.cells) else ""

    def problem(self, key: str, code: str, detail: str, value: str = "") -> None:
        self.problems.append(
            SheetProblem(self.number, self.shown.get(key, key), code, detail, value[:50])
        )


def _rows(sheet: Sheet, layout: Sequence[Column]) -> tuple[list[_Row], list[SheetProblem]]:
    index, shown, problems = _columns(sheet, layout)
    problems = [*sheet.problems, *problems]
    if any(p.row is None or p.row == 1 for p in problems):
        return [], problems  # the file or its header is wrong: its rows mean nothing yet
    width = len(sheet.header)
    rows = []
    for number, cells in sheet.rows:
        if len(cells) > width:
            problems.append(
                SheetProblem(
                    number,
                    f"#{width + 1}",
                    "extra_cells",
                    "the row has more cells than the header has columns",
                    cells[width][:50],
                )
            )
        rows.append(_Row(number, cells, index, shown))
    return rows, problems


def _code(row: _Row, key: str, what: str, *, required: bool) -> str:
    value = row.get(key)
    if not value:
        if required:
            row.problem(key, "required", f"the {what} is required")
    elif len(value) > MAX_CODE or not _CODE.match(value):
        row.problem(key, "bad_code", f"a {what}: 1 to {MAX_CODE} characters, no spaces", value)
    return value


def _name(row: _Row, key: str, *, required: bool) -> str:
    value = row.get(key)
    if required and not value:
        row.problem(key, "required", "a name is required")
    elif len(value) > MAX_NAME:
        row.problem(key, "too_long", f"at most {MAX_NAME} characters", value)
    return value


# ---- units ---------------------------------------------------------------------------------


def check_units(sheet: Sheet, existing: Mapping[str, UnitRecord]) -> Checked[UnitRecord]:
    """The units of a unit-tree file, checked against themselves and the stored tree."""
    rows, problems = _rows(sheet, UNIT_COLUMNS)
    first_row: dict[str, int] = {}
    items: list[tuple[_Row, UnitRecord]] = []
    for row in rows:
        code = _code(row, "code", "unit code", required=True)
        name_zh = _name(row, "name_zh", required=True)
        name_en = _name(row, "name_en", required=False)
        kind_text = row.get("kind")
        kind = KIND_WORDS.get(kind_text, kind_text.lower())
        if kind not in UNIT_KINDS:
            row.problem(
                "kind",
                "bad_kind",
                "the kind is one of: " + ", ".join(f"{KIND_LABELS[k]}/{k}" for k in UNIT_KINDS),
                kind_text,
            )
        parent = _code(row, "parent", "parent unit code", required=False) or None
        if code and parent == code:
            row.problem("parent", "own_parent", "a unit cannot be its own parent", parent)
        if code in first_row:
            row.problem("code", "duplicate", f"this code is in row {first_row[code]} already", code)
        elif code:
            first_row[code] = row.number
        items.append((row, UnitRecord(code, name_zh, name_en, kind, parent)))
    in_file: dict[str, UnitRecord] = {}
    for _, u in items:
        in_file.setdefault(u.code, u)
    for row, u in items:
        if u.parent and u.parent != u.code and u.parent not in in_file and u.parent not in existing:
            row.problem("parent", "unknown_parent", "no unit has this code", u.parent)
    cycles = _cycles(existing, in_file)
    for row, u in items:
        if u.code in cycles and first_row.get(u.code) == row.number:
            row.problem(
                "parent", "cycle", "the parents of this unit lead back to it", u.parent or ""
            )
        elif u.code not in cycles and u.parent != u.code and u.kind in UNIT_KINDS:
            _check_placement(row, u, in_file, existing)
    for row in rows:
        problems.extend(row.problems)
    return Checked(tuple(u for _, u in items), tuple(_ordered(problems)))


def _check_placement(
    row: _Row, u: UnitRecord, in_file: Mapping[str, UnitRecord], existing: Mapping[str, UnitRecord]
) -> None:
    """A problem when the parent's kind cannot hold a unit of this kind (engine.units
    .PARENT_KINDS: the same rule as moving a unit on the administration pages)."""
    above = (in_file.get(u.parent) or existing.get(u.parent)) if u.parent else None
    if u.parent and above is None:
        return  # an unknown parent, said already
    if above is not None and above.kind not in UNIT_KINDS:
        return
    if not may_sit_under(u.kind, above.kind if above else None):
        allowed = ", ".join(k or "(the top)" for k in parent_kinds(u.kind))
        row.problem("parent", "placement", f"a {u.kind} sits under: {allowed}", u.parent or "")


def _cycles(existing: Mapping[str, UnitRecord], in_file: Mapping[str, UnitRecord]) -> set[str]:
    """The codes on a cycle of the tree the file would make (a unit its own parent aside)."""
    parent_of = {c: u.parent for c, u in existing.items()}
    parent_of.update({c: u.parent for c, u in in_file.items()})
    on_cycle: set[str] = set()
    done: set[str] = set()
    for start in in_file:
        path: list[str] = []
        on_path: set[str] = set()
        cur: str | None = start
        while cur is not None and cur not in done and cur not in on_path:
            path.append(cur)
            on_path.add(cur)
            nxt = parent_of.get(cur)
            cur = nxt if nxt != cur else None
        if cur is not None and cur in on_path:
            on_cycle.update(path[path.index(cur) :])
        done.update(path)
    return on_cycle


def plan_units(items: Iterable[UnitRecord], existing: Mapping[str, UnitRecord]) -> Plan[UnitRecord]:
    return _plan(items, existing, lambda u: u.code)


def _plan(items: Iterable[T], existing: Mapping[str, T], key: Callable[[T], str]) -> Plan[T]:
    """Which lines are new, which change a stored one, how many change nothing."""
    create: list[T] = []
    update: list[T] = []
    unchanged = 0
    for item in items:
        old = existing.get(key(item))
        if old is None:
            create.append(item)
        elif old != item:
            update.append(item)
        else:
            unchanged += 1
    return Plan(tuple(create), tuple(update), unchanged)


def unit_cells(u: UnitRecord) -> list[str]:
    """A unit's cells on export, in UNIT_COLUMNS order."""
    return [u.code, u.name_zh, u.name_en, KIND_LABELS.get(u.kind, u.kind), u.parent or ""]


# ---- users ---------------------------------------------------------------------------------


def check_users(sheet: Sheet, unit_kinds: Mapping[str, str]) -> Checked[UserLine]:
    """The users of a user file, checked against themselves and the stored units
    (`unit_kinds`: each unit's kind by code)."""
    rows, problems = _rows(sheet, USER_COLUMNS)
    first_row: dict[str, int] = {}
    items: list[UserLine] = []
    for row in rows:
        username = _code(row, "username", "username", required=True)
        display_name = _name(row, "display_name", required=True)
        role_text = row.get("role")
        role = ROLE_WORDS.get(role_text, role_text.lower())
        if role not in ROLES:
            row.problem(
                "role",
                "bad_role",
                "the role is one of: " + ", ".join(f"{ROLE_LABELS[r]}/{r}" for r in ROLES),
                role_text,
            )
        unit = _code(row, "unit", "unit code", required=False) or None
        if unit is not None and unit not in unit_kinds:
            row.problem("unit", "unknown_unit", "no unit has this code", unit)
        grids = tuple(g for g in GRID_SEPARATORS.split(row.get("grids")) if g)
        for g in grids:
            kind = unit_kinds.get(g)
            if kind is None:
                row.problem("grids", "unknown_grid", "no unit has this code", g)
            elif kind != "grid":
                row.problem("grids", "not_a_grid", "this unit is not a grid", g)
        if len(set(grids)) != len(grids):
            row.problem("grids", "duplicate_grid", "a grid is listed twice", row.get("grids"))
        if role == "grid_member" and not grids:
            row.problem("grids", "grids_required", "a grid member needs at least one grid")
        elif role in ROLES and role not in ("grid_member", "admin") and unit is None:
            row.problem("unit", "unit_required", "this role needs a unit")
        lang_text = row.get("lang")
        lang = LANG_WORDS.get(lang_text.lower(), lang_text.lower()) or "zh"
        if lang not in LANGS:
            row.problem("lang", "bad_lang", "the language is zh or en", lang_text)
        if username in first_row:
            row.problem(
                "username",
                "duplicate",
                f"this username is in row {first_row[username]} already",
                username,
            )
        elif username:
            first_row[username] = row.number
        items.append(UserLine(username, display_name, role, unit, grids, lang))
    for row in rows:
        problems.extend(row.problems)
    return Checked(tuple(items), tuple(_ordered(problems)))


def plan_users(items: Iterable[UserLine], existing: Mapping[str, UserLine]) -> Plan[UserLine]:
    return _plan(items, existing, lambda u: u.username)


def user_cells(u: UserLine) -> list[str]:
    """A user's cells on export, in USER_COLUMNS order."""
    return [
        u.username,
        u.display_name,
        ROLE_LABELS.get(u.role, u.role),
        u.unit or "",
        "、".join(u.grid_units),
        u.lang,
    ]


def _ordered(problems: Iterable[SheetProblem]) -> list[SheetProblem]:
    """File problems first, then by row."""
    return sorted(problems, key=lambda p: -1 if p.row is None else p.row)
