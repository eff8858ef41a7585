"""Every use case that changes something is one transaction with its audit entry inside: when
the audit entry cannot be written, the change is not there either, and when it is, both are."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NoReturn

import pytest

from engine.casework import (
    cases,
    exclusions,
    grid_reports,
    handover,
    merging,
    parties,
    points,
    public_intake,
    publishing,
    tasks,
)
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError, UnknownUnitError
from engine.casework.grid_reports import GridReport
from engine.casework.parties import NewParty
from engine.errors import CaseNotFoundError
from engine.model import Case
from engine.store import audit, queries
from engine.store import rates as rate_store
from engine.store.parties import parties_of
from tests.engine.casework.conftest import person
from tests.engine.casework.test_tasks import follow_up_meeting

INTAKE: dict[str, Any] = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳之间因老房拆迁款分配发生争执",
    "notice_given": True,
}
REPORT = GridReport(
    grid_unit="g1",
    category="sanitation",
    severity="yellow",
    location="和平里七区3号楼北侧",
    description="垃圾清运点满溢两天未清运",
    reporter=NewParty("reporter", "王秀英", phone="13812345678"),
)
APPLICANT = NewParty("applicant", "李桂兰", phone="13900001111")


class AuditDown(Exception):
    """The audit log refused the entry."""


@pytest.fixture
def audit_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> NoReturn:
        raise AuditDown

    monkeypatch.setattr(audit, "record", refuse)


def _mediation(cw: Casework) -> Case:
    return cases.open_case(cw, person("mediator"), "mediation", INTAKE).case


def _audit(cw: Casework, case_id: int | None = None) -> list[str]:
    with cw.store.transaction(write=False) as tx:
        found = audit.entries(tx, case_ids=[case_id] if case_id else None, limit=1000)
    return [e.action for e in found]


def test_a_hand_over_and_its_audit_entry_are_written_together(cw: Casework) -> None:
    case = _mediation(cw)
    done = handover.hand_over(cw, person("org_admin"), case.id, "women", "联席会议")
    assert done.granted
    with cw.store.transaction(write=False) as tx:
        assert queries.handed_units(tx, case.id) == ["women"]
    assert _audit(cw, case.id) == ["hand_over"]


def test_a_hand_over_whose_audit_fails_is_not_there(cw: Casework, audit_down: None) -> None:
    case = _mediation(cw)
    with pytest.raises(AuditDown):
        handover.hand_over(cw, person("org_admin"), case.id, "women", "联席会议")
    with cw.store.transaction(write=False) as tx:
        assert queries.handed_units(tx, case.id) == []


def test_a_hand_over_checks_sight_then_role_then_unit(cw: Casework) -> None:
    case = _mediation(cw)
    with pytest.raises(CaseNotFoundError):
        handover.hand_over(cw, person("handler"), case.id, "women", "r")
    with pytest.raises(NotPermittedError):
        handover.hand_over(cw, person("mediator"), case.id, "women", "r")
    with pytest.raises(UnknownUnitError):
        handover.hand_over(cw, person("org_admin"), case.id, "nowhere", "r")


def test_a_party_whose_audit_fails_is_not_stored(cw: Casework, audit_down: None) -> None:
    case = _mediation(cw)
    with pytest.raises(AuditDown):
        parties.add_case_party(cw, person("mediator"), case.id, APPLICANT)
    with cw.store.transaction(write=False) as tx:
        assert parties_of(tx, cw.sealer, case.id) == []


def test_opening_with_parties_is_all_or_nothing(cw: Casework, audit_down: None) -> None:
    with pytest.raises(AuditDown):
        cases.open_case(cw, person("mediator"), "mediation", INTAKE, parties=[APPLICANT])
    mine = cases.list_cases(cw, person("mediator"), cases.CaseFilter())
    assert mine.total == 0


def test_personal_data_is_not_revealed_unless_the_read_is_audited(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _mediation(cw)
    parties.add_case_party(cw, person("mediator"), case.id, APPLICANT)
    found = parties.reveal_personal_data(cw, person("mediator"), case.id, "调解需要联系")
    assert [p.phone for p in found.parties] == ["13900001111"]
    assert _audit(cw, case.id).count("personal_data_read") == 1

    def refuse(*_: object, **__: object) -> NoReturn:
        raise AuditDown

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(AuditDown):
        parties.reveal_personal_data(cw, person("mediator"), case.id, "再看一次")


def test_an_exclusion_whose_audit_fails_is_not_there(cw: Casework, audit_down: None) -> None:
    case = _mediation(cw)
    with pytest.raises(AuditDown):
        exclusions.exclude_case(cw, person("supervisor"), case.id, "重复诉求")
    with cw.store.transaction(write=False) as tx:
        assert rate_store.exclusion_of(tx, case.id) is None


def test_including_again_whose_audit_fails_keeps_the_exclusion(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _mediation(cw)
    assert exclusions.exclude_case(cw, person("supervisor"), case.id, "重复诉求").created

    def refuse(*_: object, **__: object) -> NoReturn:
        raise AuditDown

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(AuditDown):
        exclusions.include_case(cw, person("supervisor"), case.id)
    with cw.store.transaction(write=False) as tx:
        assert rate_store.exclusion_of(tx, case.id) is not None


def test_a_grid_report_is_the_case_the_reporter_and_the_call_together(cw: Casework) -> None:
    result = grid_reports.report(cw, person("grid_member"), REPORT, idempotency_key="k1")
    assert result.case.state != "discovered"
    again = grid_reports.report(cw, person("grid_member"), REPORT, idempotency_key="k1")
    assert again.replayed and again.case.id == result.case.id
    with cw.store.transaction(write=False) as tx:
        assert [p.name for p in parties_of(tx, cw.sealer, result.case.id)] == ["王秀英"]
    assert _audit(cw, result.case.id) == ["party_added"]


def test_a_grid_report_whose_reporter_cannot_be_recorded_leaves_no_case(
    cw: Casework, audit_down: None
) -> None:
    with pytest.raises(AuditDown):
        grid_reports.report(cw, person("grid_member"), REPORT)
    found = cases.list_cases(cw, person("grid_member"), cases.CaseFilter())
    assert found.total == 0


def test_a_publication_whose_audit_fails_is_not_published(cw: Casework, audit_down: None) -> None:
    before = cw.registry.versions("mediation")
    source = before[-1].source
    changed = source.replace("en: People's mediation}", "en: People's mediation (trial)}", 1)
    assert publishing.content_key(changed) != publishing.content_key(source)
    with pytest.raises(AuditDown):
        publishing.publish(
            cw, person("supervisor"), changed, reason="英文名试行", based_on=before[-1].version
        )
    assert cw.registry.versions("mediation") == before


def test_a_task_whose_audit_fails_is_not_given(cw: Casework, audit_down: None) -> None:
    meeting = follow_up_meeting(cw)
    with pytest.raises(AuditDown):
        tasks.add_task(cw, person("supervisor"), meeting.id, unit="union", title="落实")
    assert tasks.case_tasks(cw, person("supervisor"), meeting.id).tasks == []
    assert queries_handed(cw, meeting.id) == []
    assert cw.service.get_case(meeting.id).version == meeting.version


def test_a_task_done_whose_audit_fails_stays_open(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = follow_up_meeting(cw)
    given = tasks.add_task(cw, person("supervisor"), meeting.id, unit="union", title="落实")

    def refuse(*_: object, **__: object) -> NoReturn:
        raise AuditDown

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(AuditDown):
        tasks.complete_task(cw, person("org_admin"), meeting.id, given.id, "完成")
    [still] = tasks.case_tasks(cw, person("supervisor"), meeting.id).tasks
    assert still.status == "open" and still.note is None
    assert cw.service.get_case(meeting.id).state == "follow_up"  # the done step did not fire


def queries_handed(cw: Casework, case_id: int) -> list[str]:
    with cw.store.transaction(write=False) as tx:
        return queries.handed_units(tx, case_id)


def _points_balance(cw: Casework) -> int | None:
    return points.ledger(cw, person("handler"), account_kind="person", account="王大妈").balance


def _awarded(cw: Casework) -> int:
    data = {
        "participant": "王大妈",
        "activity": "volunteering",
        "activity_date": "2026-11-20",
        "proposed_points": 30,
    }
    opened = cases.open_case(cw, person("grid_member"), "public_points", data, grid_unit="g1")
    cases.fire(cw, person("handler"), opened.case.id, "verify", {}, expected_version=None)
    return opened.case.id


@pytest.fixture
def awarded(cw: Casework) -> int:
    """A public-benefit award, recorded before the audit log goes down."""
    return _awarded(cw)


def test_a_redemption_or_correction_whose_audit_fails_is_not_in_the_ledger(
    cw: Casework, awarded: int, audit_down: None
) -> None:
    (award,) = points.ledger(cw, person("handler"), case_id=awarded).entries
    with pytest.raises(AuditDown):
        points.redeem(
            cw, person("handler"), account_kind="person", account="王大妈", amount=5, partner="p"
        )
    with pytest.raises(AuditDown):
        points.correct(cw, person("supervisor"), award.id, "重复登记")
    assert _points_balance(cw) == 30
    assert len(points.ledger(cw, person("handler")).entries) == 1


def test_a_merge_whose_audit_fails_changes_neither_case(cw: Casework, audit_down: None) -> None:
    anonymous = replace(REPORT, reporter=None)  # no party: no audit entry at opening
    kept = grid_reports.report(cw, person("grid_member"), anonymous).case
    dup = grid_reports.report(cw, person("grid_member"), anonymous).case
    with pytest.raises(AuditDown):
        merging.merge(cw, person("supervisor"), dup.id, kept.id)
    assert cw.service.get_case(dup.id).closed_at is None
    assert [e.action for e in cw.service.history(kept.id)] == ["open", "report"]
    with cw.store.transaction(write=False) as tx:
        assert {t.status for t in tx.timers(dup.id, pending_only=False)} == {"pending"}


def test_a_public_request_whose_audit_fails_is_not_there(cw: Casework, audit_down: None) -> None:
    request = public_intake.PublicRequest(
        "sanitation", "和平里七区", "垃圾清运点满溢", "王女士", "13700001111", consented=True
    )
    with pytest.raises(AuditDown):
        public_intake.submit(cw, public_intake.Desk("g1"), request, "notice-1")
    with cw.store.transaction(write=False) as tx:
        assert tx.get_case(1) is None
