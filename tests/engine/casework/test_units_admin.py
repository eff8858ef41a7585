"""Administering the unit tree: create, rename, move, merge, retire; who may, what is refused,
what follows a merge, and who sees which case afterwards (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import NoReturn

import pytest

from engine.casework import cases, handover, units_admin
from engine.casework.case_records import UNIT_MERGED
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidUnitError,
    NotPermittedError,
    UnitExistsError,
    UnitInUseError,
    UnitPlacementError,
    UnitRetiredError,
    UnknownUnitError,
)
from engine.store import audit, unit_members
from engine.store.units import all_units, get_unit
from tests.engine.casework.conftest import person
from tests.engine.casework.unit_people import add_user, fresh, ids_seen, open_mediation


def _actions(cw: Casework) -> list[str]:
    with cw.store.transaction(write=False) as tx:
        return [e.action for e in audit.entries(tx, limit=1000)]


def _workrooms(cw: Casework) -> None:
    admin = person("admin")
    units_admin.create_unit(cw, admin, "wr1", "工会第一调解室", "Union room 1", "workroom", "union")
    units_admin.create_unit(cw, admin, "wr2", "工会第二调解室", "Union room 2", "workroom", "union")


def test_an_admin_builds_the_tree_and_each_change_is_audited(cw: Casework) -> None:
    admin = person("admin")
    street = units_admin.create_unit(cw, admin, "s2", "青年路街道", "", "street", "d1")
    assert street.name_en == "青年路街道"  # no English name: the Chinese one
    units_admin.create_unit(cw, admin, "cm2", "青年路社区", "Qingnian", "community", "s2")
    units_admin.create_unit(cw, admin, "g2", "青年路第1网格", "Grid 2", "grid", "cm2")
    renamed = units_admin.rename_unit(cw, admin, "g2", "青年路一网格", "Qingnian grid 1")
    assert (renamed.name_zh, renamed.name_en) == ("青年路一网格", "Qingnian grid 1")
    units_admin.move_unit(cw, admin, "cm2", "s1")
    with cw.store.transaction(write=False) as tx:
        assert get_unit(tx, "cm2") is not None and get_unit(tx, "cm2").parent == "s1"  # type: ignore[union-attr]
    assert _actions(cw).count("unit_created") == 3
    assert {"unit_renamed", "unit_moved"} <= set(_actions(cw))
    lines = units_admin.unit_tree(cw, admin)
    depth = {line.unit.code: line.depth for line in lines}
    assert depth["d1"] == 0 and depth["s1"] == 1 and depth["cm2"] == 2 and depth["g2"] == 3


@pytest.mark.parametrize(
    ("code", "kind", "parent", "error"),
    [
        ("g9", "grid", "s1", UnitPlacementError),  # a grid sits under a community
        ("s9", "street", None, UnitPlacementError),  # a street under a district
        ("wr9", "workroom", "d1", UnitPlacementError),  # a workroom under an organisation
        ("x9", "planet", "d1", InvalidUnitError),
        ("bad code", "grid", "cm1", InvalidUnitError),
        ("g1", "grid", "cm1", UnitExistsError),
    ],
)
def test_a_unit_that_cannot_sit_there_is_refused(
    cw: Casework, code: str, kind: str, parent: str | None, error: type[Exception]
) -> None:
    before = _actions(cw)
    with pytest.raises(error):
        units_admin.create_unit(cw, person("admin"), code, "名", "Name", kind, parent)
    assert _actions(cw) == before


def test_a_move_that_would_make_a_cycle_or_break_the_kinds_is_refused(cw: Casework) -> None:
    admin = person("admin")
    units_admin.create_unit(cw, admin, "s2", "二街道", "Street 2", "street", "d1")
    with pytest.raises(UnitPlacementError, match="own parent"):
        units_admin.move_unit(cw, admin, "s1", "s1")
    units_admin.create_unit(cw, admin, "sub", "工会分会", "Union branch", "organisation", "union")
    with pytest.raises(UnitPlacementError, match="cycle"):
        units_admin.move_unit(cw, admin, "union", "sub")
    with pytest.raises(UnitPlacementError, match="cannot sit"):
        units_admin.move_unit(cw, admin, "cm1", "d1")
    with cw.store.transaction(write=False) as tx:
        assert {u.code: u.parent for u in all_units(tx)}["cm1"] == "s1"


def test_a_workroom_head_administers_its_organisation_only(cw: Casework) -> None:
    head = person("org_admin")  # org_admin of union
    units_admin.create_unit(cw, head, "wr1", "第一调解室", "Room 1", "workroom", "union")
    units_admin.rename_unit(cw, head, "union", "区总工会（新）", "Trade union")
    with pytest.raises(NotPermittedError):
        units_admin.create_unit(cw, head, "wr2", "妇联调解室", "Room", "workroom", "women")
    with pytest.raises(NotPermittedError):
        units_admin.rename_unit(cw, head, "women", "妇联", "Women")
    with pytest.raises(NotPermittedError):  # not its own organisation
        units_admin.retire_unit(cw, head, "union")
    with pytest.raises(NotPermittedError):
        units_admin.create_unit(
            cw, person("mediator"), "wr3", "调解室", "Room", "workroom", "union"
        )
    lines = units_admin.unit_tree(cw, head)
    assert [line.unit.code for line in lines] == ["union", "wr1"]


def test_retiring_is_refused_while_the_unit_has_cases_children_or_users(cw: Casework) -> None:
    admin = person("admin")
    _workrooms(cw)
    add_user(cw, "li", "mediator", "wr1")
    case = open_mediation(cw, fresh(cw, "li", "mediator", "wr1"))
    units_admin.create_unit(cw, admin, "wr1a", "分室", "Annex", "workroom", "union")
    with pytest.raises(UnitInUseError) as refused:
        units_admin.retire_unit(cw, admin, "wr1")
    assert refused.value.cases == [case.id]
    assert refused.value.users == ["li"]
    with pytest.raises(UnitInUseError) as refused:
        units_admin.retire_unit(cw, admin, "union")
    assert refused.value.children == ["wr1", "wr1a", "wr2"]
    retired = units_admin.retire_unit(cw, admin, "wr1a")
    assert retired.retired
    with pytest.raises(UnitRetiredError):
        units_admin.rename_unit(cw, admin, "wr1a", "又", "Again")
    with pytest.raises(UnitRetiredError):
        units_admin.create_unit(cw, admin, "wr1b", "分室", "Annex", "workroom", "wr1a")
    assert "unit_retired" in _actions(cw)


def test_a_merge_moves_open_cases_children_users_and_grids_then_retires(cw: Casework) -> None:
    admin = person("admin")
    units_admin.create_unit(cw, admin, "cm2", "二社区", "Community 2", "community", "s1")
    units_admin.create_unit(cw, admin, "g2", "二社区网格", "Grid 2", "grid", "cm2")
    add_user(cw, "zhao", "mediator", "cm2")
    add_user(cw, "sun", "grid_member", None, ("g1", "g2"))
    handler = fresh(cw, "zhao", "mediator", "cm2")
    open_case = open_mediation(cw, handler, "cm2")
    closed = open_mediation(cw, handler, "cm2")
    cases.fire(cw, handler, closed.id, "party_refuses", {}, expected_version=None)
    merged = units_admin.merge_units(cw, admin, "cm2", "cm1")
    assert merged.cases == [open_case.id]
    assert merged.children == ["g2"]
    assert merged.users == ["zhao"]
    with cw.store.transaction(write=False) as tx:
        assert get_unit(tx, "cm2").retired  # type: ignore[union-attr]
        assert get_unit(tx, "g2").parent == "cm1"  # type: ignore[union-attr]
        zhao = unit_members.member(tx, "zhao")
    assert zhao is not None and zhao.unit == "cm1"
    moved = cw.service.get_case(open_case.id)
    assert moved.org_unit == "cm1" and moved.state == open_case.state
    [event] = [e for e in cw.service.history(open_case.id) if e.action == UNIT_MERGED]
    assert event.changes == {"unit": "cm1"} and event.actor == "admin"
    assert cw.service.get_case(closed.id).org_unit == "cm2"  # closed cases keep their unit
    assert "unit_merged" in _actions(cw)


def test_a_merge_into_another_kind_or_below_itself_is_refused(cw: Casework) -> None:
    admin = person("admin")
    with pytest.raises(UnitPlacementError, match="merged into another"):
        units_admin.merge_units(cw, admin, "cm1", "s1")
    with pytest.raises(UnitPlacementError, match="itself"):
        units_admin.merge_units(cw, admin, "union", "union")
    units_admin.create_unit(cw, admin, "sub", "工会分会", "Union branch", "organisation", "union")
    with pytest.raises(UnitPlacementError, match="below"):
        units_admin.merge_units(cw, admin, "union", "sub")


def test_after_a_move_the_moved_subtree_is_seen_by_exactly_its_new_area(cw: Casework) -> None:
    admin = person("admin")
    units_admin.create_unit(cw, admin, "s2", "二街道", "Street 2", "street", "d1")
    add_user(cw, "zhao", "mediator", "cm1")
    community_case = open_mediation(cw, fresh(cw, "zhao", "mediator", "cm1"), "cm1")
    other = open_mediation(cw, person("mediator"))  # a union case: neither street's
    street1 = fresh(cw, "sup1", "supervisor", "s1")
    street2 = fresh(cw, "sup2", "supervisor", "s2")
    assert ids_seen(cw, street1) == {community_case.id}
    assert ids_seen(cw, street2) == set()
    units_admin.move_unit(cw, admin, "cm1", "s2")
    street1 = fresh(cw, "sup1", "supervisor", "s1")
    street2 = fresh(cw, "sup2", "supervisor", "s2")
    assert ids_seen(cw, street1) == set()
    assert ids_seen(cw, street2) == {community_case.id}
    assert other.id not in ids_seen(cw, street2)


def test_after_a_merge_the_target_sees_the_source_cases_and_the_source_nothing(
    cw: Casework,
) -> None:
    _workrooms(cw)
    add_user(cw, "li", "mediator", "wr1")
    add_user(cw, "wang", "mediator", "wr2")
    one = open_mediation(cw, fresh(cw, "li", "mediator", "wr1"))
    two = open_mediation(cw, fresh(cw, "wang", "mediator", "wr2"))
    assert ids_seen(cw, fresh(cw, "wang", "mediator", "wr2")) == {two.id}
    units_admin.merge_units(cw, person("admin"), "wr1", "wr2")
    assert ids_seen(cw, fresh(cw, "wang", "mediator", "wr2")) == {one.id, two.id}
    assert ids_seen(cw, fresh(cw, "li", "mediator", "wr1")) == set()


def test_a_change_whose_audit_entry_fails_is_not_there(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    _workrooms(cw)
    add_user(cw, "li", "mediator", "wr1")
    case = open_mediation(cw, fresh(cw, "li", "mediator", "wr1"))

    def refuse(*_: object, **__: object) -> NoReturn:
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        units_admin.merge_units(cw, person("admin"), "wr1", "wr2")
    with pytest.raises(RuntimeError):
        units_admin.create_unit(cw, person("admin"), "wr3", "三室", "Room 3", "workroom", "union")
    with cw.store.transaction(write=False) as tx:
        assert not get_unit(tx, "wr1").retired  # type: ignore[union-attr]
        assert get_unit(tx, "wr3") is None
        assert unit_members.member(tx, "li").unit == "wr1"  # type: ignore[union-attr]
    assert cw.service.get_case(case.id).org_unit == "wr1"
    assert all(e.action != UNIT_MERGED for e in cw.service.history(case.id))


def test_a_unit_whose_cases_were_handed_over_can_be_retired(cw: Casework) -> None:
    _workrooms(cw)
    admin = person("admin")
    case = open_mediation(cw, fresh(cw, "wr1_head", "org_admin", "wr1"))
    with pytest.raises(UnitInUseError):
        units_admin.retire_unit(cw, admin, "wr1")
    handover.hand_over(cw, admin, case.id, "wr2", "第一调解室撤销，交第二调解室")
    units_admin.retire_unit(cw, admin, "wr1")
    assert ids_seen(cw, fresh(cw, "wang", "mediator", "wr2")) == {case.id}


def test_a_retired_unit_takes_no_new_case(cw: Casework) -> None:
    _workrooms(cw)
    admin = person("admin")
    units_admin.retire_unit(cw, admin, "wr1")
    case = open_mediation(cw, person("org_admin"))
    with pytest.raises(UnknownUnitError):
        handover.hand_over(cw, admin, case.id, "wr1", "交第一调解室")
    with pytest.raises(UnknownUnitError):
        cases.require_units(cw, organisation="wr1")
