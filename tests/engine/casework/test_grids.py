"""Grid members' grids: assigned, taken away, handed to a successor with their open cases, a
grid's cases moved when grids are redrawn (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from engine.casework import grid_reports, grids, units_admin
from engine.casework.case_records import GRID_HANDOVER, GRID_REDRAWN
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidUnitError,
    NotPermittedError,
    UnknownMemberError,
    WrongMemberError,
)
from engine.casework.grid_reports import GridReport
from engine.store import audit, unit_members
from tests.engine.casework.conftest import person
from tests.engine.casework.unit_people import add_user, fresh, ids_seen


def _report(cw: Casework, username: str, grid: str) -> int:
    member = fresh(cw, username, "grid_member", None, (grid,))
    r = GridReport(grid, "sanitation", "yellow", "3号楼北侧", "垃圾满溢")
    return grid_reports.report(cw, member, r).case.id


def _grids_of(cw: Casework, username: str) -> tuple[str, ...]:
    with cw.store.transaction(write=False) as tx:
        m = unit_members.member(tx, username)
    assert m is not None
    return m.grid_units


@pytest.fixture
def area(cw: Casework) -> Casework:
    admin = person("admin")
    units_admin.create_unit(cw, admin, "g2", "第2网格", "Grid 2", "grid", "cm1")
    add_user(cw, "sun", "grid_member", None, ("g1",))
    add_user(cw, "qian", "grid_member", None, ())
    return cw


def test_a_supervisor_assigns_and_takes_away_grids(area: Casework) -> None:
    sup = person("supervisor")
    assert grids.assign_grids(area, sup, "qian", ["g2", "g1", "g2"]) == ["g2", "g1"]
    assert _grids_of(area, "qian") == ("g2", "g1")
    assert grids.unassign_grid(area, sup, "qian", "g1") == ["g2"]
    with pytest.raises(WrongMemberError):
        grids.unassign_grid(area, sup, "qian", "g1")
    with pytest.raises(InvalidUnitError):  # an organisation is no grid
        grids.assign_grids(area, sup, "sun", ["union"])
    with area.store.transaction(write=False) as tx:
        actions = [e.action for e in audit.entries(tx, limit=100)]
    assert actions.count("grid_assigned") == 1 and actions.count("grid_unassigned") == 1


def test_grids_outside_the_supervisors_area_or_unknown_people_are_refused(
    area: Casework,
) -> None:
    units_admin.create_unit(area, person("admin"), "s2", "二街道", "Street 2", "street", "d1")
    units_admin.create_unit(area, person("admin"), "cm2", "二社区", "Cm 2", "community", "s2")
    units_admin.create_unit(area, person("admin"), "g9", "网格9", "Grid 9", "grid", "cm2")
    street = fresh(area, "sup1", "supervisor", "s1")
    with pytest.raises(NotPermittedError):
        grids.assign_grids(area, street, "qian", ["g9"])
    with pytest.raises(UnknownMemberError):
        grids.assign_grids(area, street, "nobody", ["g1"])
    with pytest.raises(NotPermittedError):
        grids.assign_grids(area, person("mediator"), "qian", ["g1"])
    add_user(area, "li", "mediator", "union")
    with pytest.raises(WrongMemberError):
        grids.assign_grids(area, street, "li", ["g1"])
    assert _grids_of(area, "qian") == ()


def test_a_leaving_member_hands_grids_and_open_cases_to_a_successor(area: Casework) -> None:
    case_id = _report(area, "sun", "g1")
    assert ids_seen(area, fresh(area, "qian", "grid_member", None, ())) == set()
    handed = grids.hand_over_grids(area, person("supervisor"), "sun", "qian")
    assert handed.grids == ["g1"] and handed.cases == [case_id]
    assert _grids_of(area, "sun") == () and _grids_of(area, "qian") == ("g1",)
    assert ids_seen(area, fresh(area, "qian", "grid_member", None, ("g1",))) == {case_id}
    [event] = [e for e in area.service.history(case_id) if e.action == GRID_HANDOVER]
    assert event.changes == {"grid_member": "qian"} and event.note == "sun → qian"


def test_a_redrawn_grid_moves_its_open_cases_or_the_chosen_ones(area: Casework) -> None:
    first = _report(area, "sun", "g1")
    second = _report(area, "sun", "g1")
    sup = person("supervisor")
    with pytest.raises(InvalidUnitError, match="#999"):
        grids.redraw_grid(area, sup, "g1", "g2", [first, 999])
    assert grids.redraw_grid(area, sup, "g1", "g2", [second]) == [second]
    assert area.service.get_case(second).grid_unit == "g2"
    assert area.service.get_case(first).grid_unit == "g1"
    assert grids.redraw_grid(area, sup, "g1", "g2") == [first]
    assert ids_seen(area, fresh(area, "qian", "grid_member", None, ("g2",))) == {first, second}
    assert any(e.action == GRID_REDRAWN for e in area.service.history(first))
    with pytest.raises(InvalidUnitError):
        grids.redraw_grid(area, sup, "g2", "cm1")


def test_a_handover_whose_audit_entry_fails_moves_nothing(
    area: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _report(area, "sun", "g1")

    def refuse(*_: object, **__: object) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        grids.hand_over_grids(area, person("supervisor"), "sun", "qian")
    with pytest.raises(RuntimeError):
        grids.redraw_grid(area, person("supervisor"), "g1", "g2")
    assert _grids_of(area, "sun") == ("g1",) and _grids_of(area, "qian") == ()
    assert area.service.get_case(case_id).grid_unit == "g1"
    assert [e.action for e in area.service.history(case_id)][-1] != GRID_HANDOVER
