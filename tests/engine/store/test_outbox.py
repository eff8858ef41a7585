"""The outbox names who must act: for a grid case, the unit at the tier the case has reached."""

from __future__ import annotations

from datetime import timedelta

from engine.casework.context import Casework
from engine.casework.notifications import claim_deliveries, mark_sent
from engine.clock import ManualClock
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.store.units import save_units
from engine.units import UnitRecord
from tests.workflows.cases import grid_reported, mediation_in_mediation

AREA = [
    UnitRecord("d-1", "东城区", "East District", "district"),
    UnitRecord("s-1", "和平街道", "Heping Street", "street", "d-1"),
    UnitRecord("cm-1", "和平里社区", "Hepingli", "community", "s-1"),
    UnitRecord("g-1", "第1网格", "Grid 1", "grid", "cm-1"),
]


def _units_told(cw: Casework, clock: ManualClock, case_id: int) -> set[tuple[str, str | None]]:
    items = claim_deliveries(cw, clock.now(), limit=100)
    mark_sent(cw, [i.id for i in items], clock.now())
    return {(i.kind, i.unit) for i in items if i.case_id == case_id and i.role == "handler"}


def test_a_missed_deadline_reaches_the_unit_of_the_next_tier(
    store: SqlStore, service: WorkflowService, casework: Casework, clock: ManualClock
) -> None:
    with store.transaction() as tx:
        save_units(tx, AREA)
    case = grid_reported(service, severity="red")
    assert _units_told(casework, clock, case.id) == {("transition", "cm-1")}  # the call

    clock.advance(timedelta(hours=1))
    service.fire_due_timers(clock.now())
    assert service.get_case(case.id).data["tier"] == 2
    # The community that held the deadline is reminded and told it missed it; the street,
    # not every handler, is called next.
    assert _units_told(casework, clock, case.id) == {
        ("reminder", "cm-1"),
        ("deadline", "cm-1"),
        ("transition", "s-1"),
    }

    clock.advance(timedelta(hours=1))
    service.fire_due_timers(clock.now())
    # The street's deadline counted from the community's (it was armed past due: no
    # reminder); it missed it, and the district is called.
    assert _units_told(casework, clock, case.id) == {("deadline", "s-1"), ("transition", "d-1")}


def test_an_organisation_case_keeps_its_organisation(
    service: WorkflowService, casework: Casework, clock: ManualClock
) -> None:
    case = mediation_in_mediation(service)
    items = claim_deliveries(casework, clock.now(), limit=100)
    assert {i.unit for i in items if i.case_id == case.id} == {"women"}
