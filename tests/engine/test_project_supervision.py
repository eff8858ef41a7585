"""The project supervision workflow (项目化, seed 002) end to end: reports every half month,
a summary every half year, findings to rectify, a final review; and its unhappy paths (a
report missed, an outage of the sweeper, a rectification overdue, a project terminated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import ManualClock
from engine.errors import GuardFailedError
from engine.model import Actor, Case, Event
from engine.service import WorkflowService

OWNER = Actor("zhang.fulian", "org_admin")
SUPERVISOR = Actor("liu.supervisor", "supervisor")
PROJECT = {
    "project_name": "婚姻家庭纠纷调解项目",
    "service_area": "legal_advice",
    "project_owner": "区妇联权益部",
    "deliverables": ["每月两次法律咨询", "调解员培训四期"],
    "start_date": "2026-11-23",
    "end_date": "2027-06-30",
}


def beijing(day: str, hms: str = "23:59:59") -> datetime:
    """A Beijing local moment, in UTC."""
    local = datetime.fromisoformat(f"{day}T{hms}+08:00")
    return local.astimezone(UTC)


def sweep_until(service: WorkflowService, clock: ManualClock, moment: datetime) -> None:
    """Move the clock to `moment` and sweep until nothing more is due (as the worker does)."""
    clock.set(moment)
    while service.fire_due_timers().claimed:
        pass


def fired(service: WorkflowService, case_id: int, action: str) -> list[Event]:
    return [e for e in service.history(case_id) if e.action == action]


def open_project(service: WorkflowService) -> Case:
    return service.open_case("project_supervision", OWNER, PROJECT, org_unit="fulian").case


def test_reports_every_half_month_and_a_final_review(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    pending = {t.name: t for t in service.pending_timers(case.id)}
    # Started 23 November: the first half month ends with 30 November, the first half year
    # on 23 May (the start day itself is not counted).
    assert pending["progress_report"].fire_at == beijing("2026-11-30")
    assert pending["progress_report"].occurrence == 1
    assert pending["half_year_summary"].fire_at == beijing("2027-05-23")
    clock.set(beijing("2026-11-27", "10:00:00"))
    service.fire(case.id, "submit_report", OWNER, {"progress_note": "开展咨询两次"})
    sweep_until(service, clock, beijing("2026-12-01", "09:00:00"))
    case = service.get_case(case.id)
    assert (case.data["reports_due"], case.data["reports_behind"]) == (1, 0)
    nxt = service.pending_timers(case.id)
    assert [(t.name, t.fire_at, t.occurrence) for t in nxt if t.name == "progress_report"] == [
        ("progress_report", beijing("2026-12-15"), 2)
    ]
    # Completing the project ends the half-monthly reports (until_state: final_review).
    service.fire(case.id, "complete", OWNER, {"final_report": "完成全部成果"})
    assert not [t for t in service.pending_timers(case.id) if t.name == "progress_report"]
    closed = service.fire(
        case.id, "evaluate", SUPERVISOR, {"evaluation": "good", "evaluation_note": "成效明显"}
    ).case
    assert closed.state == "closed"
    assert service.pending_timers(case.id) == []


def test_an_outage_records_every_missed_half_month_once_with_its_lateness(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    # Nothing swept from 23 November to 2 January: three half months ended meanwhile.
    sweep_until(service, clock, beijing("2027-01-02", "09:00:00"))
    ends = fired(service, case.id, "report_period_ends")
    assert len(ends) == 3
    assert [e.lateness_s for e in ends] == [
        (beijing("2027-01-02", "09:00:00") - beijing(d)).total_seconds()
        for d in ("2026-11-30", "2026-12-15", "2026-12-31")
    ]
    case = service.get_case(case.id)
    assert (case.data["reports_due"], case.data["reports_behind"]) == (3, 3)
    # Sweeping again fires nothing twice.
    sweep_until(service, clock, beijing("2027-01-02", "09:05:00"))
    assert len(fired(service, case.id, "report_period_ends")) == 3
    # A report now brings the arrears down by one.
    case = service.fire(case.id, "submit_report", OWNER, {"progress_note": "补报"}).case
    assert case.data["reports_behind"] == 2


def test_a_half_year_summary_falls_due_in_any_state(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    clock.set(beijing("2027-05-20", "10:00:00"))
    service.fire(
        case.id,
        "record_findings",
        SUPERVISOR,
        {"findings": "台账不全", "rectification_due": "2027-06-10"},
    )
    sweep_until(service, clock, beijing("2027-05-24", "09:00:00"))
    case = service.get_case(case.id)
    assert case.state == "rectifying"  # the case-level timer fired in a state of its own
    assert case.data["summaries_due"] == 1
    [summary] = fired(service, case.id, "summary_due")
    assert (
        summary.lateness_s
        == (beijing("2027-05-24", "09:00:00") - beijing("2027-05-23")).total_seconds()
    )


def test_a_rectification_overdue_and_the_project_terminated(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    clock.set(beijing("2026-12-02", "10:00:00"))
    service.fire(
        case.id,
        "record_findings",
        SUPERVISOR,
        {"findings": "未按清单开展培训", "rectification_due": "2026-12-11"},
    )
    sweep_until(service, clock, beijing("2026-12-12", "09:00:00"))
    case = service.get_case(case.id)
    assert case.state == "rectification_overdue"
    [missed] = fired(service, case.id, "rectification_missed")
    assert missed.note is not None and missed.note.startswith("deadline missed")
    # The half-monthly reports keep falling due while the project is overdue.
    sweep_until(service, clock, beijing("2026-12-16", "09:00:00"))
    assert service.get_case(case.id).data["reports_due"] == 2
    closed = service.fire(case.id, "terminate", SUPERVISOR, {"evaluation_note": "逾期未整改"}).case
    assert (closed.state, closed.data["evaluation"]) == ("closed", "fail")
    assert service.pending_timers(case.id) == []
    sweep_until(service, clock, beijing("2027-02-01", "09:00:00"))
    assert len(fired(service, case.id, "report_period_ends")) == 2


def test_rectified_in_time_returns_to_the_project(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    service.fire(
        case.id,
        "record_findings",
        SUPERVISOR,
        {"findings": "宣传不足", "rectification_due": "2026-12-04"},
    )
    clock.advance(timedelta(days=2))
    case = service.fire(case.id, "report_rectified", OWNER, {"rectification_note": "已补办"}).case
    assert case.state == "in_progress"
    names = {t.name for t in service.pending_timers(case.id)}
    assert names == {"progress_report", "half_year_summary"}


def test_a_project_behind_its_reports_cannot_be_completed(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = open_project(service)
    sweep_until(service, clock, beijing("2026-12-01", "09:00:00"))
    with pytest.raises(GuardFailedError):
        service.fire(case.id, "complete", OWNER, {"final_report": "完成"})
    service.fire(case.id, "submit_report", OWNER, {"progress_note": "补报"})
    done = service.fire(case.id, "complete", OWNER, {"final_report": "完成"}).case
    assert done.state == "final_review"
