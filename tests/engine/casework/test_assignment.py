"""Claiming and assigning cases in the workroom; "my cases" are the cases assigned to me
(SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from engine.casework import assignment, cases, handover, units_admin
from engine.casework.case_records import ASSIGN, CLAIM
from engine.casework.context import Casework
from engine.casework.errors import (
    AlreadyAssignedError,
    CaseClosedError,
    NotPermittedError,
    WrongMemberError,
)
from engine.casework.identity import User
from engine.errors import CaseNotFoundError, ConflictError
from tests.engine.casework.conftest import person
from tests.engine.casework.unit_people import add_user, fresh, open_mediation


def _mine(cw: Casework, user: User) -> set[int]:
    f = cases.CaseFilter(open_only=True, assigned_to=user.username)
    return {i.case.id for i in cases.list_cases(cw, user, f).items}


@pytest.fixture
def room(cw: Casework) -> Casework:
    add_user(cw, "li", "mediator", "union")
    add_user(cw, "wang", "mediator", "union")
    add_user(cw, "fang", "mediator", "women")
    return cw


def test_a_mediator_claims_an_unassigned_case_and_it_is_theirs(room: Casework) -> None:
    li, wang = fresh(room, "li", "mediator", "union"), fresh(room, "wang", "mediator", "union")
    case = open_mediation(room, person("org_admin"))
    assert _mine(room, li) == set()
    claimed = assignment.claim(room, li, case.id, expected_version=case.version)
    assert claimed.changed and claimed.case.assignee == "li"
    assert _mine(room, li) == {case.id} and _mine(room, wang) == set()
    assert assignment.claim(room, li, case.id).changed is False  # claimed already: no change
    [event] = [e for e in room.service.history(case.id) if e.action == CLAIM]
    assert event.actor == "li" and event.changes == {"assignee": "li"}
    assert event.to_state == case.state


def test_the_second_of_two_claims_is_a_conflict_not_an_overwrite(room: Casework) -> None:
    li, wang = fresh(room, "li", "mediator", "union"), fresh(room, "wang", "mediator", "union")
    case = open_mediation(room, person("org_admin"))
    assignment.claim(room, li, case.id, expected_version=case.version)
    with pytest.raises(ConflictError):  # wang saw the case before li's claim
        assignment.claim(room, wang, case.id, expected_version=case.version)
    with pytest.raises(AlreadyAssignedError):  # wang reloaded: li holds it
        assignment.claim(room, wang, case.id)
    assert room.service.get_case(case.id).assignee == "li"


def test_a_workroom_head_assigns_and_reassigns_within_its_organisation(room: Casework) -> None:
    head = person("org_admin")
    case = open_mediation(room, head)
    assignment.assign(room, head, case.id, "li")
    moved = assignment.assign(room, head, case.id, "wang")
    assert moved.case.assignee == "wang"
    assert _mine(room, fresh(room, "li", "mediator", "union")) == set()
    assert _mine(room, fresh(room, "wang", "mediator", "union")) == {case.id}
    notes = [e.note for e in room.service.history(case.id) if e.action == ASSIGN]
    assert notes == ["li", "li → wang"]
    with pytest.raises(WrongMemberError):  # a mediator of another organisation
        assignment.assign(room, head, case.id, "fang")
    add_user(room, "sun", "grid_member", None, ("g1",))
    with pytest.raises(WrongMemberError):  # not a mediator
        assignment.assign(room, head, case.id, "sun")
    assert [m.username for m in assignment.mediators_for(room, head, case.id)] == ["li", "wang"]


def test_who_may_claim_and_assign(room: Casework) -> None:
    case = open_mediation(room, person("org_admin"))
    with pytest.raises(NotPermittedError):
        assignment.assign(room, fresh(room, "li", "mediator", "union"), case.id, "wang")
    with pytest.raises(NotPermittedError):
        assignment.claim(room, person("supervisor"), case.id)
    with pytest.raises(CaseNotFoundError):  # a case of the union, not the women's federation
        assignment.claim(room, fresh(room, "fang", "mediator", "women"), case.id)


def test_a_closed_case_is_neither_claimed_nor_assigned(room: Casework) -> None:
    head = person("org_admin")
    case = open_mediation(room, head)
    cases.fire(room, head, case.id, "party_refuses", {}, expected_version=None)
    with pytest.raises(CaseClosedError):
        assignment.claim(room, fresh(room, "li", "mediator", "union"), case.id)
    with pytest.raises(CaseClosedError):
        assignment.assign(room, head, case.id, "li")


def test_a_mediator_of_a_workroom_below_the_organisation_can_be_assigned_a_handed_case(
    room: Casework,
) -> None:
    admin = person("admin")
    units_admin.create_unit(room, admin, "wr1", "第一调解室", "Room 1", "workroom", "union")
    add_user(room, "he", "mediator", "wr1")
    head = person("org_admin")
    case = open_mediation(room, head)
    with pytest.raises(WrongMemberError):  # wr1 does not hold the union's case
        assignment.assign(room, head, case.id, "he")
    handover.hand_over(room, head, case.id, "wr1", "交第一调解室办理")
    assert assignment.assign(room, head, case.id, "he").case.assignee == "he"
    assert _mine(room, fresh(room, "he", "mediator", "wr1")) == {case.id}


def test_an_assignee_wins_over_the_mediator_field_in_my_cases(room: Casework) -> None:
    head = person("org_admin")
    case = open_mediation(room, head)
    cases.fire(room, head, case.id, "register", {}, expected_version=None)
    assign = {
        "risk_level": "low",
        "in_scope": True,
        "organisation": "union",
        "mediator": "li",
        "domestic_violence": False,
        "crime_risk": False,
    }
    cases.fire(room, head, case.id, "start_mediation", assign, expected_version=None)
    li = fresh(room, "li", "mediator", "union")
    assert _mine(room, li) == {case.id}  # named in the mediator field, nobody assigned
    assignment.assign(room, head, case.id, "wang")
    assert _mine(room, li) == set()
    assert _mine(room, fresh(room, "wang", "mediator", "union")) == {case.id}


def test_two_claims_at_the_same_moment_leave_one_winner(room: Casework) -> None:
    case = open_mediation(room, person("org_admin"))
    claimants = [fresh(room, n, "mediator", "union") for n in ("li", "wang")]
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim_as(user: User) -> None:
        start.wait()
        try:
            assignment.claim(room, user, case.id, expected_version=case.version)
            outcomes[user.username] = "won"
        except (AlreadyAssignedError, ConflictError):
            outcomes[user.username] = "refused"

    threads = [threading.Thread(target=claim_as, args=(u,)) for u in claimants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["refused", "won"]
    [winner] = [n for n, o in outcomes.items() if o == "won"]
    assert room.service.get_case(case.id).assignee == winner
    claims = [e for e in room.service.history(case.id) if e.action == CLAIM]
    assert [e.actor for e in claims] == [winner]
