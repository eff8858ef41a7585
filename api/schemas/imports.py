"""Bodies of the unit-tree and user imports."""

from __future__ import annotations

from pydantic import BaseModel


class SheetProblemOut(BaseModel):
    row: int | None  # 1 is the header; null: the whole file
    column: str | None  # the column's header as written
    code: str  # stable: unknown_parent, duplicate, bad_role, bad_kind, cycle, formula, …
    detail: str
    value: str


class ImportReportOut(BaseModel):
    what: str  # units | users
    file_name: str
    rows: int
    created: int
    updated: int
    unchanged: int
    applied: bool
    problems: list[SheetProblemOut]


class HotlineReportOut(BaseModel):
    file_name: str
    rows: int
    created: int  # cases opened (would be, for a preview)
    existing: int  # rows whose ticket opened a case already
    applied: bool
    problem_count: int  # every problem; `problems` holds the first 1,000
    problems: list[SheetProblemOut]
