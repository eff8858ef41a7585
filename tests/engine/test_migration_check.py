"""The verdict of a migration's preview, case by case, in memory: every refusal, the state
map, what the target requires to be in a state, and the deadlines before and after on the
working-day calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.definition import Definition
from engine.loader import parse_definition
from engine.migration_check import MigrationCheck, entered_by, plan_problems
from engine.model import Case, Timer
from engine.workcalendar import WorkCalendar
from tests.conftest import DEFINITIONS
from tests.migration_versions import NEW, OLD, breaking_source

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
DATA: dict[str, Any] = {
    "category": "family",
    "source": "walk_in",
    "description": "d",
    "notice_given": True,
    "sessions": 0,
}


@pytest.fixture(scope="module")
def old() -> Definition:
    """The shipped mediation workflow."""
    source = (DEFINITIONS / "mediation.yaml").read_text()
    return parse_definition(source, file=f"mediation@v{OLD}")


@pytest.fixture(scope="module")
def new(old: Definition) -> Definition:
    """The breaking version after it."""
    return parse_definition(breaking_source(old.source, NEW), file=f"mediation@v{NEW}")


@pytest.fixture
def check(old: Definition, new: Definition) -> MigrationCheck:
    return MigrationCheck(old, new, {"intake": "reception"}, WorkCalendar())


def case(state: str, *, entered: datetime = NOW, version: int = OLD, **data: Any) -> Case:
    return Case(
        id=7,
        workflow="mediation",
        workflow_version=version,
        state=state,
        data={**DATA, **data},
        version=3,
        opened_at=entered,
        updated_at=entered,
        state_entered_at=entered,
        last_seq=3,
        entered_seq=3,
    )


def codes(v: Any) -> list[str]:
    return [r.code for r in v.refusals]


def test_a_case_whose_state_and_data_fit_moves(check: MigrationCheck) -> None:
    v = check.verdict(case("assessment"), "register", [], NOW)
    assert v.movable and v.to_state == "assessment" and v.refusals == ()


def test_a_renamed_state_follows_the_state_map(check: MigrationCheck) -> None:
    v = check.verdict(case("intake"), "open", [], NOW)
    assert v.movable and v.to_state == "reception"


def test_a_removed_state_without_a_mapping_is_refused(check: MigrationCheck) -> None:
    v = check.verdict(case("police_reported", police_report_ref="110-1"), "report_police", [], NOW)
    assert not v.movable and v.to_state is None
    assert codes(v) == ["no_state"]
    assert "police_reported" in v.refusals[0].en and "police_reported" in v.refusals[0].zh


def test_data_that_does_not_fit_the_new_fields_is_refused(check: MigrationCheck) -> None:
    v = check.verdict(case("assessment", category="land"), "register", [], NOW)
    assert codes(v) == ["bad_data"]
    assert "category" in v.refusals[0].en


def test_a_field_the_new_version_requires_to_be_in_the_state_is_missing(
    check: MigrationCheck,
) -> None:
    mediating: dict[str, Any] = {
        "risk_level": "low",
        "in_scope": True,
        "organisation": "union",
        "mediator": "li",
        "domestic_violence": False,
        "crime_risk": False,
    }
    v = check.verdict(case("mediation", **mediating), "start_mediation", [], NOW)
    assert codes(v) == ["missing_field"]
    assert "consent_form" in v.refusals[0].en
    # Entered by reopening, which the new version does not make require the consent form: it moves.
    reopened: dict[str, Any] = {
        **mediating,
        "satisfaction": 1,
        "mediation_fault": True,
        "reopen_reason": "r",
    }
    assert check.verdict(case("mediation", **reopened), "reopen", [], NOW).movable


def test_what_the_old_version_required_already_is_not_asked_again(
    old: Definition,
) -> None:
    """`extend` requires a consent its own effect clears: unchanged, the case still moves."""
    same = MigrationCheck(old, old, {}, WorkCalendar())
    v = same.verdict(case("mediation", extension_reason="r", extensions=1), "extend", [], NOW)
    assert v.movable


def test_a_closed_case_is_refused(check: MigrationCheck) -> None:
    closed = case("closed")
    closed.closed_at = NOW
    assert codes(check.verdict(closed, "close_case", [], NOW)) == ["closed"]


def test_a_case_no_longer_on_the_version_is_refused(check: MigrationCheck) -> None:
    v = check.verdict(case("assessment", version=NEW), "register", [], NOW)
    assert codes(v) == ["not_on_version"]
    assert f"v{NEW}" in v.refusals[0].en


def test_deadlines_before_and_after_with_overdue_after_the_move(check: MigrationCheck) -> None:
    """The new version shortens the judicial-confirmation window from 30 days to 15: a case
    in agreement for 20 days has 10 days left before, and is 5 days overdue after."""
    entered = NOW - timedelta(days=20)
    pending = [
        Timer(7, "judicial_confirmation_window", "deadline", entered + timedelta(days=30), 3),
        Timer(7, "judicial_confirmation_window", "reminder", entered + timedelta(days=24), 3),
    ]
    agreed = case("agreement", entered=entered, agreement_form="written")
    v = check.verdict(agreed, "reach_agreement", pending, NOW)
    assert v.movable
    assert [(d.timer, d.due_at, d.overdue) for d in v.before] == [
        ("judicial_confirmation_window", entered + timedelta(days=30), False)
    ]
    assert [(d.timer, d.due_at, d.overdue) for d in v.after] == [
        ("judicial_confirmation_window", entered + timedelta(days=15), True)
    ]


def test_deadlines_after_count_working_days_from_the_state_entry(old: Definition) -> None:
    """One month of mediation from Monday 7 September 2026 ends on 7 October, in the
    National Day holiday: the deadline rolls to Thursday 8 October, 09:00 in Beijing."""
    same = MigrationCheck(old, old, {}, WorkCalendar())
    entered = datetime(2026, 9, 7, 1, 0, tzinfo=UTC)
    v = same.verdict(case("mediation", entered=entered), "extend", [], NOW)
    assert [(d.timer, d.due_at, d.overdue) for d in v.after] == [
        ("mediation_period", datetime(2026, 10, 8, 1, 0, tzinfo=UTC), True)
    ]


def test_every_reason_is_given_at_once(check: MigrationCheck) -> None:
    v = check.verdict(case("police_reported", category="land"), "report_police", [], NOW)
    assert codes(v) == ["no_state", "bad_data"]


def test_a_migrated_case_keeps_the_action_that_entered_its_state() -> None:
    assert entered_by("migrate", {"workflow_version": NEW, "entered_by": "register"}) == "register"
    assert entered_by("migrate", {"workflow_version": NEW}) is None
    assert entered_by("register", None) == "register"


def test_plan_problems_name_every_wrong_state(old: Definition, new: Definition) -> None:
    assert plan_problems(old, new, {"intake": "reception"}, ["assessment"]) == []
    problems = plan_problems(old, new, {"nope": "closed", "intake": "gone"}, ["elsewhere"])
    assert problems == [
        f"state map nope -> closed: v{OLD} has no state 'nope'",
        f"state map nope -> closed: 'closed' is a final state of v{NEW}",
        f"state map intake -> gone: v{NEW} has no state 'gone'",
        f"state elsewhere: v{OLD} has no state 'elsewhere'",
    ]
    assert plan_problems(old, old, {}, []) == [
        f"the cases are on v{OLD} already: choose another version"
    ]
