"""Moving running cases onto another version: one case, or a run planned, previewed case by
case and applied (supervisors and admins)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.batch import SweepBatch
from engine.casework import cases, migration
from engine.casework.context import Casework
from engine.casework.errors import (
    ConfirmationRequiredError,
    MigrationPlanError,
    NotPermittedError,
    UnknownMigrationError,
)
from engine.casework.identity import User
from engine.casework.migration import CasePreview, MigrationRun, PlanRequest, migrate_case
from engine.casework.publishing import with_version
from engine.clock import ManualClock
from engine.errors import CaseNotFoundError, FengqiaoError
from engine.loader import parse_definition
from engine.model import Event
from engine.store import audit
from engine.visibility import visibility_for
from tests.engine.casework.conftest import TREE, person
from tests.engine.casework.migration_cases import MEDIATOR, mixed_cases
from tests.engine.casework.test_one_transaction import INTAKE
from tests.migration_versions import NEW, OLD, breaking_next


def _publish_next(cw: Casework) -> int:
    """Register the next version of mediation (the latest's content); answer its number."""
    latest = cw.registry.latest("mediation")
    version = latest.version + 1
    source = with_version(latest.source, version)
    cw.registry.add(parse_definition(source, file=f"mediation@v{version}"))
    return version


def test_a_supervisor_moves_a_case_onto_the_new_version(cw: Casework) -> None:
    current = cw.registry.latest("mediation").version
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE, version=current).case
    new = _publish_next(cw)
    moved = migrate_case(cw, person("supervisor"), case.id, new, idempotency_key="m1")
    assert moved.case.workflow_version == new and moved.case.state == case.state
    again = migrate_case(cw, person("supervisor"), case.id, new, idempotency_key="m1")
    assert again.replayed
    view = cases.case_view(cw, person("mediator"), case.id)
    assert view.history[-1].action == "migrate"


@pytest.mark.parametrize("who", ["mediator", "org_admin", "handler", "grid_member"])
def test_other_roles_may_not_move_a_case(cw: Casework, who: str) -> None:
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE).case
    new = _publish_next(cw)
    with pytest.raises((NotPermittedError, CaseNotFoundError)):
        migrate_case(cw, person(who), case.id, new)
    assert cases.case_view(cw, person("mediator"), case.id).case.workflow_version == new - 1


# -- migration runs: plan, preview, apply ----------------------------------------------------
SUP = person("supervisor")


def _plan(cw: Casework, **extra: Any) -> MigrationRun:
    request = PlanRequest(
        "mediation",
        OLD,
        NEW,
        f"v{NEW} renames intake",
        state_map={"intake": "reception"},
        **extra,
    )
    return migration.plan(cw, SUP, request)


def _all_previews(cw: Casework, run_id: int, **filters: Any) -> list[CasePreview]:
    return migration.preview_cases(cw, SUP, run_id, limit=1000, **filters)


def _audit(cw: Casework, case_id: int | None = None) -> list[str]:
    with cw.store.transaction(write=False) as tx:
        found = audit.entries(tx, case_ids=[case_id] if case_id else None, limit=10_000)
    return [e.action for e in found]


def _migrate_events(cw: Casework, case_id: int) -> list[Event]:
    return [e for e in cw.service.history(case_id) if e.action == "migrate"]


def test_planning_checks_everything_and_writes_nothing_when_wrong(
    cw: Casework, clock: ManualClock
) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    bad = PlanRequest(
        "mediation",
        OLD,
        NEW + 1,
        " ",
        state_map={"nope": "assessment"},
        states=("elsewhere",),
        case_ids=(mixed.intake, 999_999),
    )
    with pytest.raises(MigrationPlanError) as err:
        migration.plan(cw, SUP, bad)
    assert err.value.problems == [
        "a reason of 1 to 500 characters is required",
        f"mediation v{NEW + 1} is not published",
        "no case 999999",
    ]
    mapped = PlanRequest("mediation", OLD, NEW, "r", state_map={"intake": "closed"})
    with pytest.raises(MigrationPlanError, match="final state"):
        migration.plan(cw, SUP, mapped)
    assert migration.runs(cw, SUP) == []
    assert "migration_planned" not in _audit(cw)


def test_a_supervisor_cannot_list_cases_outside_their_units(
    cw: Casework, clock: ManualClock
) -> None:
    mixed = mixed_cases(cw, clock)  # owned by the union, outside the street s1
    breaking_next(cw)
    street = User(
        90,
        "street.sup",
        "street.sup",
        "supervisor",
        "s1",
        [],
        scope=visibility_for(TREE, "supervisor", "s1", ()),
    )
    listed = (mixed.intake, mixed.assessment)
    request = PlanRequest("mediation", OLD, NEW, "r", {"intake": "reception"}, case_ids=listed)
    with pytest.raises(MigrationPlanError) as err:
        migration.plan(cw, street, request)
    assert err.value.problems == [f"no case {mixed.intake}", f"no case {mixed.assessment}"]
    assert migration.runs(cw, SUP) == []
    assert migration.plan(cw, SUP, request).total == 2  # the district's supervisor sees them


def test_a_run_over_every_open_case_holds_only_those_the_planner_sees(
    cw: Casework, clock: ManualClock
) -> None:
    mixed_cases(cw, clock)  # owned by the union, outside the street s1
    breaking_next(cw)
    street = User(
        91,
        "street.sup",
        "street.sup",
        "supervisor",
        "s1",
        [],
        scope=visibility_for(TREE, "supervisor", "s1", ()),
    )
    request = PlanRequest("mediation", OLD, NEW, "r", {"intake": "reception"})
    mine = migration.plan(cw, street, request)
    assert mine.total == 0
    assert migration.preview(cw, street, mine.id).total == 0
    everyone = migration.plan(cw, SUP, request)  # the district's supervisor sees them all
    assert everyone.total > 0
    assert migration.preview(cw, SUP, everyone.id).total == everyone.total


def test_only_supervisors_and_admins_plan_preview_and_apply(cw: Casework) -> None:
    breaking_next(cw)
    with pytest.raises(NotPermittedError):
        _plan_as(cw, person("org_admin"))
    r = _plan(cw)
    for call in (
        lambda u: migration.preview(cw, u, r.id),
        lambda u: migration.preview_cases(cw, u, r.id),
        lambda u: migration.apply(cw, u, r.id, confirm=True),
        lambda u: migration.runs(cw, u),
    ):
        with pytest.raises(NotPermittedError):
            call(person("mediator"))
    assert migration.run(cw, person("admin"), r.id).id == r.id
    with pytest.raises(UnknownMigrationError):
        migration.run(cw, SUP, r.id + 1)


def _plan_as(cw: Casework, user: Any) -> MigrationRun:
    return migration.plan(cw, user, PlanRequest("mediation", OLD, NEW, "r"))


def test_the_preview_gives_each_case_its_verdict_and_deadlines(
    cw: Casework, clock: ManualClock
) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = _plan(cw)
    assert r.status == "planned" and r.total == 6  # the open cases; the closed one is not
    r = migration.preview(cw, SUP, r.id)
    assert (r.status, r.total, r.movable, r.refused) == ("previewed", 6, 3, 3)
    by_id = {p.case_id: p for p in _all_previews(cw, r.id)}
    assert sorted(by_id) == sorted(mixed.movable + mixed.refused)
    assert by_id[mixed.intake].to_state == "reception" and by_id[mixed.intake].movable
    assert [x.code for x in by_id[mixed.mediation].refusals] == ["missing_field"]
    assert [x.code for x in by_id[mixed.police].refusals] == ["no_state"]
    assert [x.code for x in by_id[mixed.land].refusals] == ["bad_data"]
    agreed = by_id[mixed.agreement]
    assert [(d.timer, d.overdue) for d in agreed.before] == [
        ("judicial_confirmation_window", False)
    ]
    assert [(d.timer, d.overdue) for d in agreed.after] == [("judicial_confirmation_window", True)]
    assert agreed.after[0].due_at == agreed.before[0].due_at - timedelta(days=15)
    assert {p.status for p in by_id.values()} == {"previewed", "refused"}
    # Filters and keyset pages.
    assert [p.case_id for p in _all_previews(cw, r.id, movable=False)] == sorted(mixed.refused)
    assert [p.case_id for p in _all_previews(cw, r.id, state="intake")] == [mixed.intake]
    first = migration.preview_cases(cw, SUP, r.id, limit=4)
    rest = migration.preview_cases(cw, SUP, r.id, after_case_id=first[-1].case_id, limit=4)
    assert [p.case_id for p in first + rest] == sorted(by_id)
    # Previewing again replaces the verdicts.
    again = migration.preview(cw, SUP, r.id)
    assert again.total == 6 and len(_all_previews(cw, r.id)) == 6


def test_listed_cases_closed_or_on_another_version_are_refused(
    cw: Casework, clock: ManualClock
) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    cw.service.migrate_case(mixed.assessment, NEW, SUP.actor)
    r = _plan(cw, case_ids=(mixed.closed, mixed.assessment, mixed.intake))
    migration.preview(cw, SUP, r.id)
    codes = {p.case_id: [x.code for x in p.refusals] for p in _all_previews(cw, r.id)}
    assert codes == {
        mixed.closed: ["closed"],
        mixed.assessment: ["not_on_version"],
        mixed.intake: [],
    }


def test_apply_moves_the_accepted_cases_with_history_timers_and_audit(
    cw: Casework, clock: ManualClock
) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = migration.preview(cw, SUP, _plan(cw).id)
    with pytest.raises(ConfirmationRequiredError):
        migration.apply(cw, SUP, r.id, confirm=False)
    report = migration.apply(cw, SUP, r.id, confirm=True)
    assert (report.moved, report.already_moved, report.refused, report.failed) == (3, 0, 3, 0)
    assert report.run.status == "applied" and report.run.moved == 3
    for case_id in mixed.movable:
        case = cw.service.get_case(case_id)
        assert case.workflow_version == NEW
        (event,) = _migrate_events(cw, case_id)
        assert (
            event.note is not None
            and f"run {r.id}" in event.note
            and f"v{OLD} -> v{NEW}" in event.note
        )
        assert _audit(cw, case_id).count("case_migrated") == 1
    assert cw.service.get_case(mixed.intake).state == "reception"
    (event,) = _migrate_events(cw, mixed.intake)
    assert (event.from_state, event.to_state) == ("intake", "reception")
    for case_id in mixed.refused:
        assert cw.service.get_case(case_id).workflow_version == OLD
        assert _migrate_events(cw, case_id) == []
    # The agreement's window re-armed by the new version: 15 days from when the agreement
    # was reached.
    agreed = cw.service.get_case(mixed.agreement)
    (deadline,) = [t for t in cw.service.pending_timers(mixed.agreement) if t.kind == "deadline"]
    assert deadline.fire_at == agreed.state_entered_at + timedelta(days=15)
    assert deadline.armed_seq == agreed.entered_seq
    statuses = {p.case_id: p.status for p in _all_previews(cw, r.id)}
    assert {statuses[i] for i in mixed.movable} == {"moved"}
    assert {statuses[i] for i in mixed.refused} == {"refused"}
    assert "migration_applied" in _audit(cw)
    # Applying again moves nothing twice; the run cannot be previewed again.
    again = migration.apply(cw, SUP, r.id, confirm=True)
    assert (again.moved, again.already_moved) == (0, 3)
    assert all(len(_migrate_events(cw, i)) == 1 for i in mixed.movable)
    with pytest.raises(MigrationPlanError):
        migration.preview(cw, SUP, r.id)


def test_apply_needs_a_preview(cw: Casework) -> None:
    breaking_next(cw)
    with pytest.raises(MigrationPlanError, match="preview"):
        migration.apply(cw, SUP, _plan(cw).id, confirm=True)


def test_a_case_changed_since_the_preview_is_refused(cw: Casework, clock: ManualClock) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = migration.preview(cw, SUP, _plan(cw).id)
    cw.service.fire(mixed.assessment, "transfer", MEDIATOR, {"organisation": "women"})
    report = migration.apply(cw, SUP, r.id, confirm=True)
    assert report.moved == 2 and report.refused == 4
    (p,) = [p for p in _all_previews(cw, r.id) if p.case_id == mixed.assessment]
    assert p.status == "refused" and [x.code for x in p.refusals] == ["changed"]
    assert cw.service.get_case(mixed.assessment).workflow_version == OLD


def test_each_move_and_its_audit_entry_are_one_transaction(
    cw: Casework, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit entry of the second case cannot be written: that case stays where it was,
    the batch's others move, and the case is counted failed."""
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = migration.preview(cw, SUP, _plan(cw).id)
    record = audit.record_on_cursor
    second = sorted(mixed.movable)[1]

    def refuse_second(tx: Any, **kw: Any) -> None:
        if kw.get("case_id") == second:
            raise AuditRefused("audit log refused the entry")
        record(tx, **kw)

    monkeypatch.setattr(audit, "record_on_cursor", refuse_second)
    report = migration.apply(cw, SUP, r.id, confirm=True)
    assert (report.moved, report.failed) == (2, 1)
    assert cw.service.get_case(second).workflow_version == OLD
    assert _migrate_events(cw, second) == []
    (p,) = [p for p in _all_previews(cw, r.id) if p.case_id == second]
    assert p.status == "failed" and "audit log refused" in p.refusals[0].en


def test_a_batch_whose_bulk_write_fails_is_moved_case_by_case(
    cw: Casework, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case changes after its batch read it (another writer, between the read and the
    bulk write): nothing of the bulk write is kept; the batch is moved case by case, that
    case refused as changed, the others moved once each with their audit entries."""
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = migration.preview(cw, SUP, _plan(cw).id)
    made = SweepBatch.__init__
    touched = sorted(mixed.movable)[1]

    def changed_meanwhile(batch: SweepBatch, tx: Any, *args: Any) -> None:
        made(batch, tx, *args)  # the batch's cases are read: another writer changes one
        p = "?" if tx.sqlite else "%s"
        tx.cursor.execute(f"UPDATE cases SET version = version + 1 WHERE id = {p}", (touched,))

    monkeypatch.setattr(SweepBatch, "__init__", changed_meanwhile)
    report = migration.apply(cw, SUP, r.id, confirm=True)
    assert (report.moved, report.failed, report.refused) == (2, 0, 4)
    assert cw.service.get_case(touched).workflow_version == OLD
    assert _migrate_events(cw, touched) == [] and "case_migrated" not in _audit(cw, touched)
    (p,) = [p for p in _all_previews(cw, r.id) if p.case_id == touched]
    assert p.status == "refused" and [x.code for x in p.refusals] == ["changed"]
    for case_id in set(mixed.movable) - {touched}:
        assert cw.service.get_case(case_id).workflow_version == NEW
        assert len(_migrate_events(cw, case_id)) == 1
        assert _audit(cw, case_id).count("case_migrated") == 1


class AuditRefused(FengqiaoError):
    """The audit log refused an entry (a refusal the apply records as a failure)."""


def test_an_interrupted_apply_resumes_without_moving_a_case_twice(
    cw: Casework, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies during the second case's transaction (one case per transaction):
    the first case stays moved, the second rolled back; applying again moves the rest."""
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    r = migration.preview(cw, SUP, _plan(cw).id)
    record = audit.record_on_cursor
    second = sorted(mixed.movable)[1]

    def crash(tx: Any, **kw: Any) -> None:
        if kw.get("case_id") == second:
            raise KeyboardInterrupt  # what a signal looks like inside the process
        record(tx, **kw)

    monkeypatch.setattr(audit, "record_on_cursor", crash)
    with pytest.raises(KeyboardInterrupt):
        migration.apply(cw, SUP, r.id, confirm=True, batch=1)
    interrupted = migration.run(cw, SUP, r.id)
    assert (interrupted.status, interrupted.moved) == ("applying", 1)
    assert cw.service.get_case(second).workflow_version == OLD
    monkeypatch.setattr(audit, "record_on_cursor", record)
    report = migration.apply(cw, SUP, r.id, confirm=True, batch=1)
    assert (report.moved, report.already_moved) == (2, 1)
    assert report.run.status == "applied" and report.run.moved == 3
    for case_id in mixed.movable:
        assert len(_migrate_events(cw, case_id)) == 1
        assert _audit(cw, case_id).count("case_migrated") == 1


def test_moving_back_is_another_run(cw: Casework, clock: ManualClock) -> None:
    mixed = mixed_cases(cw, clock)
    breaking_next(cw)
    migration.apply(cw, SUP, migration.preview(cw, SUP, _plan(cw).id).id, confirm=True)
    back = migration.plan(
        cw,
        SUP,
        PlanRequest("mediation", NEW, OLD, f"back to v{OLD}", state_map={"reception": "intake"}),
    )
    back = migration.preview(cw, SUP, back.id)
    assert (back.total, back.movable) == (3, 3)
    migration.apply(cw, SUP, back.id, confirm=True)
    intake = cw.service.get_case(mixed.intake)
    assert (intake.workflow_version, intake.state) == (OLD, "intake")
    agreed = cw.service.get_case(mixed.agreement)
    (deadline,) = [t for t in cw.service.pending_timers(mixed.agreement) if t.kind == "deadline"]
    assert deadline.fire_at == agreed.state_entered_at + timedelta(days=30)
    assert [r.id for r in migration.runs(cw, SUP, "mediation")] == [back.id, back.id - 1]
