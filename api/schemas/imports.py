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


class RepeatOfOut(BaseModel):
    case_id: int
    reasons: list[str]  # place (same category near the row's point), text, caller
    distance_m: float | None  # for `place`
    text_score: float | None  # for `text`: 0 to 1


class RowRepeatsOut(BaseModel):
    row: int
    ticket: str
    cases: list[RepeatOfOut]  # the likeliest first


class HotlineReportOut(BaseModel):
    file_name: str
    rows: int
    created: int  # cases opened (would be, for a preview)
    existing: int  # rows whose ticket opened a case already
    applied: bool
    problem_count: int  # every problem; `problems` holds the first 1,000
    problems: list[SheetProblemOut]
    repeat_rows: int = 0  # new rows likely repeating an open case (a preview with `repeats`)
    repeats: list[RowRepeatsOut] = []  # the first 1,000 of them
