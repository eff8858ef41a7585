"""Reviewed publishing: the review of a draft, the reason, stale drafts, the history of
versions and timer changes without YAML."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.casework import cases, publishing
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidReasonError,
    NotPermittedError,
    PublishConflictError,
    StaleDraftError,
)
from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import DefinitionError, UnknownTimerError, UnknownWorkflowError
from engine.loader import parse_definition
from engine.store import audit
from engine.store import definitions as stored
from engine.store.repository import SqlTransaction
from tests.engine.casework.conftest import person
from tests.engine.casework.test_one_transaction import INTAKE, AuditDown, audit_down

__all__ = ["audit_down"]  # the fixture, used by name below

SUPERVISOR = person("supervisor")
PERIOD = "after: 1 month"


def mediation(cw: Casework) -> str:
    return cw.registry.latest("mediation").source


def shorter(source: str, days: int = 20) -> str:
    assert source.count(PERIOD) == 1
    return source.replace(PERIOD, f"after: {days} days")


def entries(cw: Casework) -> list[tuple[str, str, str]]:
    with cw.store.transaction(write=False) as tx:
        found = audit.entries(tx, limit=100)
    return [(e.action, e.username, e.reason) for e in found]


def test_a_review_shows_the_changes_the_next_version_and_the_open_cases(cw: Casework) -> None:
    for _ in range(2):
        cases.open_case(cw, person("mediator"), "mediation", INTAKE)
    r = publishing.review(cw, SUPERVISOR, shorter(mediation(cw)))
    assert r.problems == [] and r.definition is not None
    assert r.base is not None and r.base.version == 2 and r.based_on == 2
    assert (r.next_version, r.unchanged) == (3, False)
    assert r.diff is not None and (r.diff.old_version, r.diff.new_version) == (2, 3)
    [change] = r.diff.changes
    assert change.kind == "timer" and change.op == "changed"
    assert "1 个月改为 20 天" in change.zh and "1 month → 20 days" in change.en
    assert r.open_cases == {2: 2}


def test_a_review_of_unchanged_content_answers_the_latest_version(cw: Casework) -> None:
    r = publishing.review(cw, SUPERVISOR, mediation(cw))
    assert (r.next_version, r.unchanged, r.based_on) == (2, True, 2)
    assert r.diff is not None and r.diff.empty


def test_a_review_of_a_draft_with_errors_lists_its_problems(cw: Casework) -> None:
    r = publishing.review(cw, SUPERVISOR, mediation(cw).replace("initial: intake", "initial: x"))
    assert r.definition is None and r.problems and r.diff is None and r.next_version is None


def test_a_review_of_a_new_workflow(cw: Casework) -> None:
    source = mediation(cw).replace("name: mediation", "name: pilot", 1)
    r = publishing.review(cw, SUPERVISOR, source)
    assert (r.base, r.based_on, r.next_version, r.open_cases) == (None, 0, 1, {})
    assert r.diff is not None and r.diff.changes[0].kind == "workflow"
    assert r.diff.changes[0].op == "added"


def test_open_cases_are_counted_per_version_and_closed_ones_left_out(cw: Casework) -> None:
    first = [cases.open_case(cw, person("mediator"), "mediation", INTAKE).case for _ in range(3)]
    publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason="新规定", based_on=2)
    cases.open_case(cw, person("mediator"), "mediation", INTAKE)
    cases.fire(
        cw,
        person("mediator"),
        first[0].id,
        "party_refuses",
        {},
        expected_version=first[0].version,
    )
    cases.open_case(cw, person("mediator"), "labor_dispute", {})  # another workflow
    r = publishing.review(cw, SUPERVISOR, mediation(cw).replace("after: 20 days", "after: 10 days"))
    assert r.open_cases == {2: 2, 3: 1}
    assert r.based_on == 3 and r.next_version == 4


def test_publishing_keeps_the_reason_with_the_version_and_in_the_audit(cw: Casework) -> None:
    done = publishing.publish(
        cw, SUPERVISOR, shorter(mediation(cw)), reason="  依新规缩短为 20 天 ", based_on=2
    )
    assert done.created and done.definition.version == 3
    with cw.store.transaction(write=False) as tx:
        [v3] = [v for v in stored.versions(tx, "mediation") if v.version == 3]
    assert (v3.reason, v3.published_by) == ("依新规缩短为 20 天", "supervisor")
    assert entries(cw) == [
        ("definition_published", "supervisor", "mediation v3: 依新规缩短为 20 天")
    ]


def test_a_publication_whose_audit_fails_keeps_no_version_and_no_reason(
    cw: Casework, audit_down: None
) -> None:
    with pytest.raises(AuditDown):
        publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason="新规定", based_on=2)
    with cw.store.transaction(write=False) as tx:
        assert stored.versions(tx, "mediation") == []
    assert [d.version for d in cw.registry.versions("mediation")] == [2]


def test_a_draft_reviewed_before_another_publication_is_refused(cw: Casework) -> None:
    mine = publishing.review(cw, SUPERVISOR, shorter(mediation(cw), 20))
    theirs = publishing.review(cw, person("admin"), shorter(mediation(cw), 10))
    publishing.publish(cw, person("admin"), theirs.source, reason="十天", based_on=theirs.based_on)
    with pytest.raises(StaleDraftError) as info:
        publishing.publish(cw, SUPERVISOR, mine.source, reason="二十天", based_on=mine.based_on)
    assert (info.value.based_on, info.value.latest) == (2, 3)
    assert "v2" in str(info.value)
    assert cw.registry.latest("mediation").version == 3
    assert "after: 10 days" in cw.registry.latest("mediation").source
    assert [a for a, _, _ in entries(cw)] == ["definition_published"]
    again = publishing.review(cw, SUPERVISOR, mine.source)  # reviewed anew: based on v2
    done = publishing.publish(
        cw, SUPERVISOR, again.source, reason="二十天", based_on=again.based_on
    )
    assert done.definition.version == 4


@pytest.mark.parametrize("based_on", [0, 3, 7])
def test_a_based_on_that_is_not_the_latest_is_stale(cw: Casework, based_on: int) -> None:
    with pytest.raises(StaleDraftError):
        publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason="x", based_on=based_on)
    assert cw.registry.latest("mediation").version == 2


def test_a_new_workflow_is_based_on_nothing(cw: Casework) -> None:
    source = mediation(cw).replace("name: mediation", "name: pilot", 1)
    with pytest.raises(StaleDraftError):
        publishing.publish(cw, SUPERVISOR, source, reason="试点", based_on=2)
    done = publishing.publish(cw, SUPERVISOR, source, reason="试点", based_on=0)
    assert (done.definition.name, done.definition.version) == ("pilot", 1)


@pytest.mark.parametrize("reason", ["", "   ", "长" * 501])
def test_a_reason_is_required_and_bounded(cw: Casework, reason: str) -> None:
    with pytest.raises(InvalidReasonError):
        publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason=reason, based_on=2)
    assert cw.registry.latest("mediation").version == 2
    assert entries(cw) == []


def test_unchanged_content_publishes_nothing(cw: Casework) -> None:
    done = publishing.publish(cw, SUPERVISOR, mediation(cw), reason="原样", based_on=2)
    assert not done.created and done.definition.version == 2
    assert entries(cw) == []


def test_two_publications_at_the_same_moment(cw: Casework, monkeypatch: pytest.MonkeyPatch) -> None:
    """The version is taken between the check and the write: the unique version refuses."""
    original = stored.save

    def beaten(tx: SqlTransaction, definition: Definition, by: str, at: datetime, why: str) -> None:
        other = shorter(mediation(cw), 5).replace("version: 2", "version: 3", 1)
        original(tx, parse_definition(other), "admin", at, "先到")
        original(tx, definition, by, at, why)

    monkeypatch.setattr(stored, "save", beaten)
    with pytest.raises(PublishConflictError):
        publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason="x", based_on=2)


def test_the_history_says_who_when_why_and_what_changed(cw: Casework, clock: ManualClock) -> None:
    t1 = cw.clock.now()
    publishing.publish(cw, SUPERVISOR, shorter(mediation(cw), 20), reason="二十天", based_on=2)
    clock.advance(timedelta(hours=2))
    t2 = cw.clock.now()
    publishing.publish(
        cw,
        person("admin"),
        shorter(mediation(cw).replace("after: 20 days", PERIOD), 10),
        reason="十天",
        based_on=3,
    )
    records = publishing.history(cw, person("org_admin"), "mediation")
    assert [r.version for r in records] == [4, 3]
    assert [(r.published_by, r.reason) for r in records] == [
        ("admin", "十天"),
        ("supervisor", "二十天"),
    ]
    assert [r.published_at for r in records] == [t2, t1]
    assert [c.en for c in records[0].diff.changes] == [
        "timer mediation_period: duration 20 days → 10 days"
    ]
    # The version before the stored ones (v2 was given to the registry, not stored here).
    assert records[1].diff.old_version == 2
    assert "1 month → 20 days" in records[1].diff.changes[0].en


def test_the_history_takes_the_definitions_from_the_registry_without_parsing_again(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    publishing.publish(cw, SUPERVISOR, shorter(mediation(cw), 20), reason="二十天", based_on=2)

    def parse_again(source: str, name: str, version: int) -> Definition:
        raise AssertionError(f"{name} v{version} parsed again")

    monkeypatch.setattr(stored, "_published", parse_again)
    for _ in range(2):
        [record] = publishing.history(cw, SUPERVISOR, "mediation")
        assert record.definition is cw.registry.get("mediation", 3)
        assert record.diff.old_version == 2


def test_the_history_of_an_unknown_workflow(cw: Casework) -> None:
    with pytest.raises(UnknownWorkflowError):
        publishing.history(cw, SUPERVISOR, "nothing")
    assert publishing.history(cw, SUPERVISOR, "mediation") == []  # known, none stored here


def test_versions_compared(cw: Casework) -> None:
    publishing.publish(cw, SUPERVISOR, shorter(mediation(cw)), reason="x", based_on=2)
    forward = publishing.compare(cw, SUPERVISOR, "mediation", 2, 3)
    back = publishing.compare(cw, SUPERVISOR, "mediation", 3, 2)
    assert [c.en for c in forward.changes] == ["timer mediation_period: duration 1 month → 20 days"]
    assert [c.en for c in back.changes] == ["timer mediation_period: duration 20 days → 1 month"]
    with pytest.raises(UnknownWorkflowError):
        publishing.compare(cw, SUPERVISOR, "mediation", 2, 9)


def test_a_timer_change_is_a_draft_reviewed_then_published(cw: Casework) -> None:
    latest = cw.registry.latest("mediation")
    timer = next(t for t in latest.all_timers() if str(t.after.duration) == "1 month")
    r = publishing.draft_timer_change(
        cw, SUPERVISOR, "mediation", timer.state, timer.name, after="25 days"
    )
    assert r.source == latest.source.replace(PERIOD, "after: 25 days")
    assert "version: 2\n" in r.source  # publishing sets the version
    assert r.next_version == 3 and r.based_on == 2
    assert r.diff is not None and [c.name for c in r.diff.changes] == [timer.name]
    assert cw.registry.latest("mediation").version == 2  # nothing stored by a draft
    done = publishing.publish(cw, SUPERVISOR, r.source, reason="二十五天", based_on=r.based_on)
    assert done.definition.version == 3
    assert "version: 3\n" in done.definition.source


def test_a_bad_timer_change(cw: Casework) -> None:
    timer = cw.registry.latest("mediation").all_timers()[0]
    with pytest.raises(DefinitionError) as info:
        publishing.draft_timer_change(
            cw, SUPERVISOR, "mediation", timer.state, timer.name, after="soon"
        )
    assert info.value.problems[0].line > 1
    with pytest.raises(UnknownTimerError):
        publishing.draft_timer_change(
            cw, SUPERVISOR, "mediation", timer.state, "nope", after="1 day"
        )
    with pytest.raises(UnknownWorkflowError):
        publishing.draft_timer_change(cw, SUPERVISOR, "nothing", "a", "b", after="1 day")


@pytest.mark.parametrize("who", ["mediator", "org_admin", "handler", "grid_member"])
def test_only_supervisors_and_admins_review_and_publish(cw: Casework, who: str) -> None:
    source = shorter(mediation(cw))
    with pytest.raises(NotPermittedError):
        publishing.review(cw, person(who), source)
    with pytest.raises(NotPermittedError):
        publishing.publish(cw, person(who), source, reason="x", based_on=2)
    with pytest.raises(NotPermittedError):
        publishing.draft_timer_change(cw, person(who), "mediation", "a", "b", after="1 day")
