"""The overdue board: every open case overdue or escalated that the user sees, most urgent
first (engine.urgency), with how long it is overdue, the unit and person responsible, its
tier, the deadline it missed, and how often it was urged (催办). One read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.casework.context import Casework
from engine.casework.errors import UnknownUnitError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.definition import Label
from engine.model import Case, Timer
from engine.notices import responsible_person, responsible_unit
from engine.store import board as board_store
from engine.store import units
from engine.store.board import BoardRow
from engine.store.repository import SqlTransaction
from engine.timers import timer_def
from engine.units import UnitRecord, UnitTree
from engine.visibility import case_tier

WORKING_UNITS = frozenset({"working_days", "working_hours"})
PAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class Lateness:
    """How long a case is overdue: elapsed seconds, or working seconds (09:00–12:00 and
    13:30–17:30 on working days) when the deadline it missed counts in working time."""

    seconds: float
    working: bool


@dataclass(frozen=True, slots=True)
class MissedDeadline:
    name: str
    label: Label | None  # the timer's reason, when its definition gives one
    due_at: datetime


@dataclass(frozen=True, slots=True)
class BoardItem:
    case: Case
    overdue: bool
    late: Lateness | None  # None when not overdue (escalated only)
    missed: MissedDeadline | None
    next_deadline: datetime | None
    unit: str | None  # the responsible unit (engine.notices.responsible_unit)
    person: str | None
    tier: int
    urges: int
    last_urged_at: datetime | None


@dataclass(frozen=True, slots=True)
class Board:
    items: list[BoardItem]
    total: int


@dataclass(frozen=True, slots=True)
class BoardQuery:
    workflow: str | None = None
    unit: str | None = None  # the unit and every unit under it: owned by, or in the grid of
    limit: int = 50
    offset: int = 0


def overdue_board(cw: Casework, user: User, q: BoardQuery) -> Board:
    """One page of the board (READ_RATES); an unknown unit is refused (422)."""
    require(user, Permission.READ_RATES)
    now = cw.clock.now()
    limit = max(1, min(q.limit, PAGE_MAX))
    with cw.store.transaction(write=False) as tx:
        parents = units.parents(tx)
        tree = UnitTree.build(UnitRecord(c, c, c, "", p) for c, p in parents.items())
        wanted = None
        if q.unit:
            if q.unit not in parents:
                raise UnknownUnitError(q.unit)
            wanted = tree.subtree(q.unit)
        page = board_store.board(
            tx,
            user.scope,
            now,
            workflow=q.workflow or None,
            units=wanted,
            limit=limit,
            offset=max(0, q.offset),
        )
        items = board_items(cw, tx, page.rows, tree, now)
    return Board(items, page.total)


def board_items(
    cw: Casework, tx: SqlTransaction, rows: list[BoardRow], tree: UnitTree, now: datetime
) -> list[BoardItem]:
    """The board's lines as shown: how late, the deadline missed, who is responsible."""
    missed = board_store.missed_deadlines(tx, [r.case.id for r in rows], now)
    return [_item(cw, r, missed.get(r.case.id), tree, now) for r in rows]


def _item(
    cw: Casework, row: BoardRow, timer: Timer | None, tree: UnitTree, now: datetime
) -> BoardItem:
    case = row.case
    missed = None
    late = None
    if row.overdue:
        since = timer.fire_at if timer is not None else (row.missed_at or case.state_entered_at)
        working = False
        if timer is not None:
            definition = cw.registry.get(case.workflow, case.workflow_version)
            tdef = timer_def(definition, case.state, timer.name)
            duration = tdef.after.pick(case.data) if tdef is not None else None
            working = duration is not None and duration.unit in WORKING_UNITS
            missed = MissedDeadline(timer.name, tdef.reason if tdef else None, timer.fire_at)
        seconds = (
            cw.service.calendar.working_seconds_between(since, now)
            if working
            else max(0.0, (now - since).total_seconds())
        )
        late = Lateness(seconds, working)
    return BoardItem(
        case=case,
        overdue=row.overdue,
        late=late,
        missed=missed,
        next_deadline=row.next_deadline,
        unit=responsible_unit(case, tree.holder_at_tier),
        person=responsible_person(case),
        tier=case_tier(case.data),
        urges=row.urges,
        last_urged_at=row.last_urged_at,
    )
