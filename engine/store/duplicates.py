"""The indexes duplicate suggestions read (engine.duplicates): a case's point and map cell
(`cases.lat`, `lng`, `cell`, the partial index `ix_cases_open_place`), its text's band keys
(`case_sketches`) and its parties' phone index (`parties.phone_index`). Each lookup reads
open cases only, through an index, and returns at most a bounded number of ids."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from engine.reserved import CATEGORY_FIELDS
from engine.store.multirow import insert_rows
from engine.store.repository import SqlTransaction
from engine.store.tables import CaseAccessRow, CaseRow, CaseSketchRow, PartyRow, TimerRow

cases = CaseRow.__table__  # type: ignore[attr-defined]
sketches = CaseSketchRow.__table__  # type: ignore[attr-defined]
parties = PartyRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]
case_access = CaseAccessRow.__table__  # type: ignore[attr-defined]
HELD = "held"

CANDIDATES = 20  # ids the text and caller lookups return at most
NEAR_ROWS = 200  # rows the place lookup reads at most
NEAREST = 20  # of those, the nearest it returns
BAND_ROWS = 200  # rows read per band key at most


@dataclass(frozen=True, slots=True)
class Placed:
    """An open case found near a point: its id and point."""

    case_id: int
    lat: float
    lng: float


def index_case(
    tx: SqlTransaction,
    case_id: int,
    *,
    point: tuple[float, float, int] | None,
    bands: Sequence[int],
) -> None:
    """Keep a new case's point, cell and text bands (in the transaction that opens it)."""
    if point is not None:
        lat, lng, cell = point
        tx.conn.execute(
            update(cases).where(cases.c.id == case_id).values(lat=lat, lng=lng, cell=cell)
        )
    if bands:
        tx.conn.execute(insert(sketches), [{"band": b, "case_id": case_id} for b in bands])


def index_bands(tx: SqlTransaction, keys: Sequence[tuple[int, int]]) -> None:
    """The text band keys of many cases just opened (an import), as (case, band), on the
    driver cursor (engine.store.multirow)."""
    p = tx.hot.mark
    insert_rows(
        tx.cursor, tx.sqlite, f"INSERT INTO case_sketches (case_id, band) VALUES ({p}, {p})", keys
    )


def drop_sketch(tx: SqlTransaction, case_id: int) -> None:
    tx.conn.execute(delete(sketches).where(sketches.c.case_id == case_id))


def _category(tx: SqlTransaction) -> str:
    """SQL for "the case's category is the parameter" (a category field of the case)."""
    p = tx.hot.mark
    if tx.sqlite:
        return " OR ".join(f"json_extract(data, '$.{f}') = {p}" for f in CATEGORY_FIELDS)
    return " OR ".join(f"data->>'{f}' = {p}" for f in CATEGORY_FIELDS)


# The lookups below run on the driver's cursor (as the firing's hot path does): a suggestion
# asks a few of them, and building each through SQLAlchemy cost more than running it. Each
# is one statement that ranks and bounds its candidates in SQL.
def near(
    tx: SqlTransaction,
    workflow: str,
    category: str,
    cells: Sequence[int],
    since: datetime,
    at: tuple[float, float],
    exclude: int | None = None,
) -> list[Placed]:
    """The NEAREST open cases of the workflow and category opened since `since`, in the
    cells, nearest to `at` first, `exclude` left out: of at most NEAR_ROWS the partial index
    `ix_cases_open_place` (cell, workflow, opened_at) finds, ranked by their flat-earth
    distance (equirectangular: within a few hundred metres it orders as the great-circle
    distance does)."""
    if not cells:
        return []
    p = tx.hot.mark
    marks = tx.hot.marks(len(cells))
    other = f" AND id <> {p}" if exclude is not None else ""
    lat, lng = at
    squeeze = math.cos(math.radians(lat)) ** 2  # a degree of longitude against one of latitude
    tx.cursor.execute(
        f"SELECT id, lat, lng FROM (SELECT id, lat, lng FROM cases WHERE cell IN ({marks})"
        f" AND closed_at IS NULL AND cell IS NOT NULL AND workflow = {p} AND opened_at >= {p}"
        f" AND ({_category(tx)}){other} LIMIT {NEAR_ROWS}) AS near"
        f" ORDER BY (lat - {p}) * (lat - {p}) + (lng - {p}) * (lng - {p}) * {p}, id"
        f" LIMIT {NEAREST}",
        (
            *cells,
            workflow,
            tx.hot.dt_out(since),
            *([category] * len(CATEGORY_FIELDS)),
            *(() if exclude is None else (exclude,)),
            lat,
            lat,
            lng,
            lng,
            squeeze,
        ),
    )
    return [Placed(r[0], r[1], r[2]) for r in tx.cursor.fetchall()]


def sharing_bands(tx: SqlTransaction, bands: Sequence[int], since: datetime) -> list[int]:
    """Cases opened since `since` sharing a band key, the most bands shared first (then the
    newest; at most CANDIDATES). Each band key reads at most BAND_ROWS of its newest cases,
    through the primary key (band, case_id), from the id of the first case opened since
    `since` (ids grow with time; one written out of order is checked again by the caller): a
    band many texts share costs what a rare one does. One statement for all the bands,
    counted and ranked in SQL."""
    if not bands:
        return []
    p = tx.hot.mark
    one = (
        "SELECT case_id FROM (SELECT case_id FROM case_sketches"
        f" WHERE band = {p} AND case_id >= (SELECT id FROM first)"
        f" ORDER BY case_id DESC LIMIT {BAND_ROWS}) AS b{{i}}"
    )
    sql = (
        f"WITH first AS (SELECT id FROM cases WHERE opened_at >= {p} ORDER BY opened_at LIMIT 1)"
        " SELECT case_id FROM ("
        + " UNION ALL ".join(one.format(i=i) for i in range(len(bands)))
        + f") AS shared GROUP BY case_id ORDER BY count(*) DESC, case_id DESC LIMIT {CANDIDATES}"
    )
    tx.cursor.execute(sql, (tx.hot.dt_out(since), *bands))
    return [r[0] for r in tx.cursor.fetchall()]


def same_caller(tx: SqlTransaction, indexes: Sequence[str], since: datetime) -> set[int]:
    """Open cases opened since `since` with a party whose phone has one of these indexes (at
    most CANDIDATES per index), in one statement."""
    if not indexes:
        return set()
    p = tx.hot.mark
    one = (
        "SELECT case_id FROM (SELECT DISTINCT parties.case_id FROM parties"
        f" JOIN cases ON cases.id = parties.case_id WHERE parties.phone_index = {p}"
        f" AND cases.closed_at IS NULL AND cases.opened_at >= {p} LIMIT {CANDIDATES}) AS k{{i}}"
    )
    at = tx.hot.dt_out(since)
    tx.cursor.execute(
        " UNION ".join(one.format(i=i) for i in range(len(indexes))),
        tuple(v for index in indexes for v in (index, at)),
    )
    return {r[0] for r in tx.cursor.fetchall()}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open case a suggestion may name, as far as weighing it needs: who holds it (for
    visibility) and its data (its description, its hand-offs and tier)."""

    case_id: int
    org_unit: str | None
    grid_unit: str | None
    data: dict[str, Any]


def open_candidates(
    tx: SqlTransaction, case_ids: Sequence[int], workflow: str, since: datetime
) -> list[Candidate]:
    """Those of the cases still open, of the workflow and opened since `since`."""
    if not case_ids:
        return []
    p = tx.hot.mark
    marks = tx.hot.marks(len(case_ids))
    tx.cursor.execute(
        f"SELECT id, org_unit, grid_unit, data FROM cases WHERE id IN ({marks})"
        f" AND closed_at IS NULL AND workflow = {p} AND opened_at >= {p}",
        (*case_ids, workflow, tx.hot.dt_out(since)),
    )
    return [Candidate(r[0], r[1], r[2], tx.hot.json_in(r[3])) for r in tx.cursor.fetchall()]


def phone_indexes(tx: SqlTransaction, case_id: int) -> set[str]:
    rows = tx.conn.execute(
        select(parties.c.phone_index).where(
            parties.c.case_id == case_id, parties.c.phone_index.is_not(None)
        )
    )
    return {r.phone_index for r in rows}


def points(tx: SqlTransaction, case_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """The points of those cases that have one."""
    if not case_ids:
        return {}
    rows = tx.conn.execute(
        select(cases.c.id, cases.c.lat, cases.c.lng).where(
            cases.c.id.in_(list(case_ids)), cases.c.lat.is_not(None)
        )
    )
    return {r.id: (r.lat, r.lng) for r in rows}


def hold_timers(tx: SqlTransaction, case_id: int) -> None:
    """A merged case's pending timers wait (status `held`): the sweep leaves them."""
    tx.conn.execute(
        update(timers)
        .where(timers.c.case_id == case_id, timers.c.status == "pending")
        .values(status=HELD)
    )


def release_timers(tx: SqlTransaction, case_id: int) -> None:
    """A case split back: its held timers run again (one due already fires at the next sweep)."""
    tx.conn.execute(
        update(timers)
        .where(timers.c.case_id == case_id, timers.c.status == HELD)
        .values(status="pending")
    )


def handed_units(tx: SqlTransaction, case_ids: Sequence[int]) -> dict[int, list[str]]:
    """The units each of those cases was handed to (those handed to none are left out)."""
    if not case_ids:
        return {}
    out: dict[int, list[str]] = {}
    rows = tx.conn.execute(
        select(case_access.c.case_id, case_access.c.unit).where(
            case_access.c.case_id.in_(list(case_ids))
        )
    )
    for r in rows:
        out.setdefault(r.case_id, []).append(r.unit)
    return out
