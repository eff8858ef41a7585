"""The overdue board (engine.casework.board): which cases, in which order, with what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.casework.board import BoardQuery, overdue_board
from engine.casework.cases import list_cases
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError, UnknownUnitError
from engine.clock import ManualClock
from engine.durations import parse_duration
from engine.model import Actor, Case
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.queries import CaseFilter
from engine.urgency import Urgency, urgency_key
from tests.engine.casework.conftest import person
from tests.engine.casework.test_deadlines import LABOUR, MEDIATOR, REPORT

GRID = Actor("grid_member", "grid_member")
HANDLER = Actor("handler", "handler")


def _grid(cw: Casework, severity: str = "red") -> Case:
    case = cw.service.open_case("grid_escalation", GRID, {}, grid_unit="g1").case
    return cw.service.fire(case.id, "report", GRID, {**REPORT, "severity": severity}).case


def _drain(cw: Casework) -> None:
    while cw.service.fire_due_timers().claimed:
        pass


def _labour(cw: Casework) -> Case:
    case = cw.service.open_case("labor_dispute", MEDIATOR, LABOUR, org_unit="union").case
    return cw.service.fire(case.id, "accept", MEDIATOR).case


def _ids(cw: Casework, **q: Any) -> list[int]:
    return [i.case.id for i in overdue_board(cw, person("supervisor"), BoardQuery(**q)).items]


def test_the_board_shows_overdue_and_escalated_cases_most_urgent_first(
    cw: Casework, clock: ManualClock
) -> None:
    escalated = _grid(cw)  # red: 10 minutes to sign for it
    clock.advance(timedelta(minutes=11))
    _drain(cw)  # missed: one tier up (tier 2, the street), a new deadline in 10 minutes
    late_labour = _labour(cw)  # 15 days, from today
    blue = _grid(cw, "blue")  # 30 minutes: due at 41 minutes
    clock.advance(timedelta(minutes=5))
    red = _grid(cw)  # 10 minutes: due at 26 minutes
    clock.advance(timedelta(days=20))  # every deadline has passed; nobody swept
    ids = _ids(cw)
    # Overdue all: the escalated case first (tier 2), then by how long overdue.
    assert ids == [escalated.id, red.id, blue.id, late_labour.id]
    board = overdue_board(cw, person("supervisor"), BoardQuery())
    top = board.items[0]
    assert board.total == 4
    assert top.tier == 2 and top.unit == "s1" and top.missed is not None
    assert top.missed.name == "sign_for_deadline" and top.missed.label is not None
    assert top.missed.label.zh == "未在时限内签收"
    assert top.late is not None and not top.late.working
    assert top.late.seconds == (clock.now() - top.missed.due_at).total_seconds()
    labour = board.items[-1]
    assert labour.unit == "union" and labour.person == "mediator"
    assert labour.missed is not None and labour.missed.name == "mediation_period"


def test_an_escalated_case_not_overdue_is_on_the_board_after_the_overdue_ones(
    cw: Casework, clock: ManualClock
) -> None:
    escalated = _grid(cw)  # red: due at 10 minutes
    clock.advance(timedelta(seconds=90))
    late = _grid(cw)  # due at 11.5 minutes
    clock.advance(timedelta(seconds=570))
    _drain(cw)  # at 11 minutes: `escalated` climbs a tier, its next deadline at 20 minutes
    quiet = _grid(cw, "blue")  # neither overdue nor escalated
    clock.advance(timedelta(minutes=1))
    board = overdue_board(cw, person("supervisor"), BoardQuery())
    assert [i.case.id for i in board.items] == [late.id, escalated.id]
    first, second = board.items
    assert first.overdue and first.late is not None and first.late.seconds == 30
    assert not second.overdue and second.late is None and second.missed is None
    assert second.tier == 2 and second.next_deadline is not None
    assert quiet.id not in _ids(cw)


def test_filters_and_pages(cw: Casework, clock: ManualClock) -> None:
    grid = [_grid(cw) for _ in range(3)]
    labour = _labour(cw)
    clock.advance(timedelta(days=20))
    assert _ids(cw, workflow="labor_dispute") == [labour.id]
    assert _ids(cw, unit="union") == [labour.id]
    assert _ids(cw, unit="s1") == [c.id for c in grid]  # the grid g1 lies in the street s1
    first = overdue_board(cw, person("supervisor"), BoardQuery(limit=2))
    second = overdue_board(cw, person("supervisor"), BoardQuery(limit=2, offset=2))
    assert first.total == second.total == 4
    assert [i.case.id for i in first.items + second.items] == _ids(cw)
    beyond = overdue_board(cw, person("supervisor"), BoardQuery(offset=10))
    assert beyond.items == [] and beyond.total == 4
    with pytest.raises(UnknownUnitError):
        overdue_board(cw, person("supervisor"), BoardQuery(unit="nowhere"))


def test_the_board_shows_only_cases_the_user_sees(cw: Casework, clock: ManualClock) -> None:
    grid = _grid(cw)
    labour = _labour(cw)
    clock.advance(timedelta(days=20))
    assert set(_ids(cw)) == {grid.id, labour.id}  # the district supervisor sees both
    org_admin = overdue_board(cw, person("org_admin"), BoardQuery())
    assert [i.case.id for i in org_admin.items] == [labour.id]  # the union's admin
    with pytest.raises(NotPermittedError):
        overdue_board(cw, person("mediator"), BoardQuery())


def test_lateness_counts_working_time_when_the_deadline_does(
    cw: Casework, clock: ManualClock
) -> None:
    """A sign-for deadline of 2 working hours, reported at 09:00 on Monday 23 November 2026,
    falls due at 11:00; at 15:00 it is 2.5 working hours late (11:00–12:00, 13:30–15:00),
    not 4 hours."""
    grid = cw.registry.get("grid_escalation")
    calling = grid.states["community_call"]
    (call,) = [t for t in calling.timers if t.name == "sign_for_deadline"]
    red = parse_duration("2 working hours")
    working = replace(call, after=replace(call.after, table={**call.after.table, "red": red}))
    timers = tuple(working if t is call else t for t in calling.timers)
    states = {**grid.states, "community_call": replace(calling, timers=timers)}
    # A version of its own: the engine keeps its plans per workflow version.
    registry = Registry([replace(grid, states=states, version=grid.version + 1000)])
    service = WorkflowService(cw.store, registry, clock, cw.service.calendar)
    cw = replace(cw, registry=registry, service=service)
    case = _grid(cw)
    clock.advance(timedelta(hours=6))  # 15:00 in Beijing
    (item,) = overdue_board(cw, person("supervisor"), BoardQuery()).items
    assert item.case.id == case.id and item.late is not None
    assert item.late.working and item.late.seconds == 2.5 * 3600


def test_the_queue_sorts_by_urgency_as_engine_urgency_orders(
    cw: Casework, clock: ManualClock
) -> None:
    escalated = _grid(cw)
    clock.advance(timedelta(minutes=11))
    _drain(cw)
    made = [_grid(cw, s) for s in ("red", "blue", "yellow")] + [_labour(cw)]
    clock.advance(timedelta(minutes=25))  # some overdue, some not
    page = list_cases(cw, person("supervisor"), CaseFilter(open_only=True), sort="urgency")
    by_id = {i.case.id: i for i in page.items}
    assert set(by_id) == {escalated.id, *(c.id for c in made)}
    board = {i.case.id: i for i in overdue_board(cw, person("supervisor"), BoardQuery()).items}

    def urgency(cid: int) -> Urgency:
        item = by_id[cid]
        missed = board[cid].missed if cid in board else None
        return Urgency(
            cid,
            item.overdue,
            int(item.case.data.get("tier", 0)),
            missed.due_at if missed else None,
            item.next_deadline,
        )

    expected = sorted(by_id, key=lambda c: urgency_key(urgency(c)))
    assert [i.case.id for i in page.items] == expected
    assert page.items[0].case.id == escalated.id and page.items[0].overdue
    assert not page.items[-1].overdue  # the labour case: 15 days left


def test_urgency_key_orders_as_documented() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        Urgency(1, overdue=False, next_deadline=t0 + timedelta(hours=2)),
        Urgency(2, overdue=True, tier=0, missed_at=t0),
        Urgency(3, overdue=True, tier=2, missed_at=t0 + timedelta(hours=1)),
        Urgency(4, overdue=False),
        Urgency(5, overdue=True, tier=0, missed_at=t0 - timedelta(days=1)),
        Urgency(6, overdue=False, next_deadline=t0 + timedelta(hours=1)),
    ]
    assert [u.case_id for u in sorted(items, key=urgency_key)] == [3, 5, 2, 6, 1, 4]
