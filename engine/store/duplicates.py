"""The indexes duplicate suggestions read (engine.duplicates): a case's point and map cell
(`cases.lat`, `lng`, `cell`, the partial index `ix_cases_open_cell`), its text's band keys
(`case_sketches`) and its parties' phone index (`parties.phone_index`). Each lookup reads
open cases only, through an index, and returns at most a bounded number of ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, update

from engine.store.repository import SqlTransaction
from engine.store.tables import CaseRow, CaseSketchRow, PartyRow, TimerRow

cases = CaseRow.__table__  # type: ignore[attr-defined]
sketches = CaseSketchRow.__table__  # type: ignore[attr-defined]
parties = PartyRow.__table__  # type: ignore[attr-defined]
timers = TimerRow.__table__  # type: ignore[attr-defined]
HELD = "held"

CANDIDATES = 50  # ids each lookup returns at most


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


def drop_sketch(tx: SqlTransaction, case_id: int) -> None:
    tx.conn.execute(delete(sketches).where(sketches.c.case_id == case_id))


def near(tx: SqlTransaction, workflow: str, cells: Sequence[int], since: datetime) -> list[Placed]:
    """Open cases of the workflow opened since `since`, in the cells."""
    if not cells:
        return []
    rows = tx.conn.execute(
        select(cases.c.id, cases.c.lat, cases.c.lng)
        .where(
            cases.c.cell.in_(list(cells)),
            cases.c.closed_at.is_(None),
            cases.c.workflow == workflow,
            cases.c.opened_at >= since,
        )
        .limit(CANDIDATES * 4)
    )
    return [Placed(r.id, r.lat, r.lng) for r in rows]


def sharing_bands(
    tx: SqlTransaction, bands: Sequence[int], since: datetime
) -> list[tuple[int, int]]:
    """Open cases opened since `since` sharing a band key: (id, bands shared), most first."""
    if not bands:
        return []
    shared = func.count().label("shared")
    rows = tx.conn.execute(
        select(sketches.c.case_id, shared)
        .join(cases, cases.c.id == sketches.c.case_id)
        .where(
            sketches.c.band.in_(list(bands)),
            cases.c.closed_at.is_(None),
            cases.c.opened_at >= since,
        )
        .group_by(sketches.c.case_id)
        .order_by(shared.desc(), sketches.c.case_id.desc())
        .limit(CANDIDATES)
    )
    return [(r.case_id, r.shared) for r in rows]


def same_caller(tx: SqlTransaction, index: str, since: datetime) -> list[int]:
    """Open cases opened since `since` with a party whose phone has this index."""
    rows = tx.conn.execute(
        select(parties.c.case_id)
        .join(cases, cases.c.id == parties.c.case_id)
        .where(
            and_(
                parties.c.phone_index == index,
                cases.c.closed_at.is_(None),
                cases.c.opened_at >= since,
            )
        )
        .distinct()
        .limit(CANDIDATES)
    )
    return [r.case_id for r in rows]


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
