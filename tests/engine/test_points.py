"""Points effects (engine.points): read from a transition's `points:`, worked out from the
case's data, written with the firing, by a person's action and by a timer in a sweep batch
(where one firing that cannot record its points leaves the others in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.definition import Label, PointsEffect
from engine.loader import parse_definition
from engine.model import Actor
from engine.points import PointEntry, PointsEffectError, Quarter, entries_for
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.repository import SqlStore, points_ledger
from engine.workcalendar import WorkCalendar

WORKFLOW = """
name: patrol
version: 1
title: {zh: 巡逻, en: Patrol}
initial: on_duty
owner_roles: [grid_member]
opening:
  accepts: [volunteer, hours]
fields:
  volunteer: {type: string, label: {zh: 志愿者, en: Volunteer}}
  hours: {type: int, label: {zh: 时长, en: Hours}}
states:
  on_duty:
    label: {zh: 值守中, en: On duty}
    roles: [grid_member]
    timers:
      - name: shift_end
        after: 4 hours
        action: finish
  done:
    label: {zh: 已完成, en: Done}
    final: true
transitions:
  - action: finish
    label: {zh: 结束值守, en: Finish}
    from: on_duty
    to: done
    roles: [grid_member, system]
    points:
      - person: volunteer
        award: hours
        category: volunteering
        reason: {zh: 平安巡逻, en: Safety patrol}
      - unit: case
        award: 1
        category: activities
        reason: {zh: 组织巡逻, en: Patrol organised}
"""
GRID = Actor("sun.grid", "grid_member")


@pytest.fixture
def patrol(store: SqlStore, clock: ManualClock) -> WorkflowService:
    return WorkflowService(store, Registry([parse_definition(WORKFLOW)]), clock, WorkCalendar())


def ledger(store: SqlStore) -> list[tuple[str, int, str, int | None]]:
    with store.transaction(write=False) as tx:
        rows = tx.conn.execute(select(points_ledger).order_by(points_ledger.c.id))
        return [(r.account, r.amount, r.category, r.case_id) for r in rows]


def test_the_loader_reads_every_part_of_an_effect() -> None:
    (finish,) = parse_definition(WORKFLOW).transitions
    person, unit = finish.points
    assert person == PointsEffect(
        "person",
        "volunteer",
        None,
        "hours",
        False,
        "volunteering",
        None,
        Label("平安巡逻", "Safety patrol"),
    )
    assert (unit.account_kind, unit.account_from, unit.amount) == ("unit", "case", 1)
    assert person.describe() == "+hours volunteering → person volunteer"


def test_a_firing_writes_its_points_with_the_event(
    patrol: WorkflowService, store: SqlStore
) -> None:
    case = patrol.open_case("patrol", GRID, {"volunteer": "老李", "hours": 3}, org_unit="cm1").case
    done = patrol.fire(case.id, "finish", GRID)
    assert ledger(store) == [
        ("老李", 3, "volunteering", case.id),
        ("cm1", 1, "activities", case.id),
    ]
    assert done.event.seq == 2


def test_timers_fired_in_a_batch_write_their_points_and_a_failing_one_none(
    patrol: WorkflowService, store: SqlStore, clock: ManualClock
) -> None:
    good = patrol.open_case("patrol", GRID, {"volunteer": "老李", "hours": 4}, org_unit="cm1").case
    bad = patrol.open_case("patrol", GRID, {"volunteer": "老王", "hours": 0}, org_unit="cm1").case
    clock.advance(timedelta(hours=5))
    report = patrol.fire_due_timers()
    assert report.fired == 1
    assert ledger(store) == [
        ("老李", 4, "volunteering", good.id),
        ("cm1", 1, "activities", good.id),
    ]
    assert patrol.get_case(good.id).state == "done"
    assert patrol.get_case(bad.id).state == "on_duty"


def effect(**changes: object) -> PointsEffect:
    base: dict[str, object] = dict(
        account_kind="person",
        account_from="who",
        amount=None,
        amount_field="n",
        deduct=True,
        category=None,
        category_field="item",
        reason=Label("减分", "Deduction"),
    )
    base.update(changes)
    return PointsEffect(**base)  # type: ignore[arg-type]


AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def work(e: PointsEffect, data: dict[str, object], actor: str = "li") -> list[PointEntry]:
    return entries_for(
        (e,), action="x", data=data, actor=actor, case_unit="cm1", case_id=7, seq=3, at=AT
    )


def test_a_deduction_is_a_negative_entry_by_the_fields_named() -> None:
    (entry,) = work(effect(), {"who": " 老李 ", "n": 5, "item": "publicity"})
    assert (entry.account, entry.amount, entry.category, entry.case_id, entry.seq) == (
        "老李",
        -5,
        "publicity",
        7,
        3,
    )
    (own,) = work(effect(account_from="actor"), {"n": 1, "item": "care"}, actor="zhao")
    assert own.account == "zhao"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"who": "", "n": 5, "item": "publicity"}, "no person in 'who'"),
        ({"who": "a", "n": None, "item": "publicity"}, "'n' holds no whole number"),
        ({"who": "a", "n": True, "item": "publicity"}, "'n' holds no whole number"),
        ({"who": "a", "n": 0, "item": "publicity"}, "an amount lies between 1"),
        ({"who": "a", "n": 5, "item": "misc"}, "'item' holds no points category"),
    ],
)
def test_an_effect_that_cannot_be_worked_out_is_refused(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(PointsEffectError, match=message):
        work(effect(), data)


def test_quarters_in_the_local_time_zone() -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Beijing.
    assert str(Quarter.of(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "Asia/Shanghai")) == "2027Q1"
    start, end = Quarter.parse("2026q4").bounds("Asia/Shanghai")
    assert start.isoformat() == "2026-10-01T00:00:00+08:00"
    assert end.isoformat() == "2027-01-01T00:00:00+08:00"
    assert str(Quarter(2026, 1).previous()) == "2025Q4" and str(Quarter(2026, 4).next()) == "2027Q1"
    for bad in ("2026Q5", "26Q1", "2026-4", ""):
        with pytest.raises(ValueError):
            Quarter.parse(bad)
