"""The wage arrears workflows (欠薪预警 and 欠薪失信名单, seed 004) end to end on the service:
the monthly wage check and its warning levels, a report investigated and ordered paid by a
date, the list procedure with its notice, objection, decision, publication and removal; and
their unhappy paths (checks missed during an outage, an order not met, an objection upheld,
a decision late, the list period over)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.errors import GuardFailedError, UnknownActionError
from engine.model import Actor, Case, Event, Timer
from engine.service import WorkflowService

HANDLER = Actor("wang.jiancha", "handler")
SUPERVISOR = Actor("liu.supervisor", "supervisor")
UNION = Actor("chen.gonghui", "org_admin")
EMPLOYER = "91511700MA62000001"
PROJECT = {
    "employer_code": EMPLOYER,
    "employer_name": "达州某建筑劳务有限公司",
    "project_name": "通川区安置房二期",
    "location": "通川区西外镇",
    "workers_count": 40,
    "start_date": "2026-11-23",
    "end_date": "2027-11-30",
}
LISTING = {
    "employer_code": EMPLOYER,
    "employer_name": "达州某建筑劳务有限公司",
    "source_case": "WM-2026-001",
    "grounds": "amount_threshold",
    "arrears_amount": 360000,
    "workers_unpaid": 28,
    "payment_deadline": "2026-11-20",
}


def beijing(day: str, hms: str = "23:59:59") -> datetime:
    """A Beijing local moment, in UTC."""
    return datetime.fromisoformat(f"{day}T{hms}+08:00").astimezone(UTC)


def sweep_until(service: WorkflowService, clock: ManualClock, moment: datetime) -> None:
    """Move the clock to `moment` and sweep until nothing more is due (as the worker does)."""
    clock.set(moment)
    while service.fire_due_timers().claimed:
        pass


def fired(service: WorkflowService, case_id: int, action: str) -> list[Event]:
    return [e for e in service.history(case_id) if e.action == action]


def deadlines(service: WorkflowService, case_id: int) -> list[Timer]:
    """The pending deadlines (reminders left out)."""
    return [t for t in service.pending_timers(case_id) if t.kind == "deadline"]


def data(service: WorkflowService, case_id: int, *names: str) -> tuple[Any, ...]:
    case = service.get_case(case_id)
    return tuple(case.data.get(n) for n in names)


def monitored(service: WorkflowService) -> Case:
    case = service.open_case("wage_monitoring", HANDLER, PROJECT, org_unit="cm1").case
    return service.fire(case.id, "start_monitoring", HANDLER, {}).case


def listing(service: WorkflowService) -> Case:
    return service.open_case("wage_blacklist", HANDLER, LISTING, org_unit="cm1").case


# ---- the monthly check 按月发放 ------------------------------------------------------------


def test_a_month_unpaid_warns_yellow_and_a_payment_clears_it(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    [check] = [t for t in deadlines(service, case.id) if t.name == "wage_check"]
    # Started 23 November: the first check at the end of 23 December (the day not counted).
    assert (check.fire_at, check.occurrence) == (beijing("2026-12-23"), 1)
    sweep_until(service, clock, beijing("2026-12-24", "09:00:00"))
    assert data(service, case.id, "months_due", "months_overdue", "warning_level") == (
        1,
        1,
        "yellow",
    )
    service.fire(case.id, "record_payment", HANDLER, {"payroll_note": "银行代发11月工资"})
    assert data(service, case.id, "months_overdue", "warning_level") == (0, "none")


def test_the_months_in_arrears_raise_the_level_to_orange_then_red(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    levels = []
    for day in ("2026-12-24", "2027-01-24", "2027-02-24"):
        sweep_until(service, clock, beijing(day, "09:00:00"))
        levels.append(data(service, case.id, "months_overdue", "warning_level"))
    assert levels == [(1, "yellow"), (2, "orange"), (3, "red")]


@pytest.mark.parametrize(
    ("workers", "amount", "level"),
    [(3, 20000, "yellow"), (12, 20000, "orange"), (5, 150000, "orange"), (30, 0, "red")],
)
def test_the_workers_and_the_amount_owed_set_the_level_too(
    service: WorkflowService, workers: int, amount: int, level: str
) -> None:
    case = monitored(service)
    service.fire(
        case.id, "record_arrears", HANDLER, {"workers_unpaid": workers, "arrears_amount": amount}
    )
    assert data(service, case.id, "months_overdue", "warning_level") == (0, level)


def test_checks_missed_during_an_outage_are_each_recorded_once_with_their_lateness(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    # Nothing swept from 23 November to 1 March: three monthly checks fell due meanwhile.
    back = beijing("2027-03-01", "09:00:00")
    sweep_until(service, clock, back)
    checks = fired(service, case.id, "monthly_check")
    assert [e.lateness_s for e in checks] == [
        (back - beijing(d)).total_seconds() for d in ("2026-12-23", "2027-01-23", "2027-02-23")
    ]
    assert data(service, case.id, "months_due", "months_overdue", "warning_level") == (
        3,
        3,
        "red",
    )
    sweep_until(service, clock, beijing("2027-03-01", "09:05:00"))
    assert len(fired(service, case.id, "monthly_check")) == 3


def test_the_checks_end_with_the_project(service: WorkflowService, clock: ManualClock) -> None:
    case = service.open_case(
        "wage_monitoring",
        HANDLER,
        {**PROJECT, "end_date": "2027-01-31"},
        org_unit="cm1",
    ).case
    service.fire(case.id, "start_monitoring", HANDLER, {})
    sweep_until(service, clock, beijing("2027-04-01", "09:00:00"))
    assert len(fired(service, case.id, "monthly_check")) == 2  # 23 December, 23 January
    assert not [t for t in deadlines(service, case.id) if t.name == "wage_check"]


# ---- a report, the investigation, the order to pay 举报、调查、责令限期支付 ----------------------


def test_a_report_is_investigated_and_the_order_paid_in_time(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    case = service.fire(
        case.id,
        "public_report",
        HANDLER,
        {"report_channel": "hotline", "report_note": "工人反映两个月未发工资"},
    ).case
    assert case.state == "investigating"
    [deadline] = [t for t in deadlines(service, case.id) if t.name == "investigation_deadline"]
    assert deadline.fire_at > beijing("2027-02-01", "00:00:00")  # 60 working days
    case = service.fire(
        case.id,
        "order_payment",
        HANDLER,
        {
            "findings": "拖欠12名农民工两个月工资",
            "rectification_due": "2026-12-04",
            "workers_unpaid": 12,
            "arrears_amount": 86000,
        },
    ).case
    assert (case.state, case.data["warning_level"]) == ("rectifying", "orange")
    clock.set(beijing("2026-12-02", "10:00:00"))
    case = service.fire(case.id, "confirm_paid", HANDLER, {"payment_note": "已足额支付"}).case
    assert (case.state, case.data["warning_level"], case.data["arrears_amount"]) == (
        "monitoring",
        "none",
        0,
    )
    case = service.fire(case.id, "close", HANDLER, {"closing_note": "项目竣工，工资结清"}).case
    assert case.state == "closed"
    assert service.pending_timers(case.id) == []


def test_an_order_not_met_goes_to_the_list_procedure_once(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    service.fire(
        case.id,
        "public_report",
        UNION,
        {"report_channel": "visit", "report_note": "工人到工会反映欠薪"},
    )
    service.fire(
        case.id,
        "order_payment",
        HANDLER,
        {
            "findings": "拖欠28名农民工工资",
            "rectification_due": "2026-11-30",
            "workers_unpaid": 28,
            "arrears_amount": 360000,
        },
    )
    sweep_until(service, clock, beijing("2026-12-01", "09:00:00"))
    case = service.get_case(case.id)
    assert case.state == "payment_overdue"
    [missed] = fired(service, case.id, "payment_deadline_missed")
    assert missed.note is not None and missed.note.startswith("deadline missed")
    proposal = {"listing_grounds": "amount_threshold", "listing_note": "逾期未支付"}
    case = service.fire(case.id, "propose_listing", HANDLER, proposal).case
    assert case.data["listing_proposed"] is True
    with pytest.raises(GuardFailedError):
        service.fire(case.id, "propose_listing", HANDLER, proposal)
    # The monthly checks go on while the order is overdue.
    sweep_until(service, clock, beijing("2026-12-24", "09:00:00"))
    assert data(service, case.id, "months_due") == (1,)


def test_workers_apply_once_a_month_is_in_arrears(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = monitored(service)
    application = {"report_note": "两个月未发工资，已停工", "work_stopped": True}
    with pytest.raises(GuardFailedError):
        service.fire(case.id, "workers_apply", UNION, application)
    sweep_until(service, clock, beijing("2026-12-24", "09:00:00"))
    case = service.fire(case.id, "workers_apply", UNION, application).case
    assert (case.state, case.data["work_stopped"]) == ("investigating", True)
    case = service.fire(case.id, "no_arrears_found", HANDLER, {"findings": "已于次日发放"}).case
    assert (case.state, case.data["months_overdue"], case.data["work_stopped"]) == (
        "monitoring",
        0,
        False,
    )


# ---- the list procedure 失信名单 -----------------------------------------------------------


def decided(service: WorkflowService, clock: ManualClock) -> Case:
    """A listing through notice, an objection period without objection and a decision."""
    case = listing(service)
    service.fire(
        case.id,
        "serve_notice",
        HANDLER,
        {"notice_served_on": "2026-11-23", "notice_note": "拟列入事由、依据及陈述申辩权利"},
    )
    sweep_until(service, clock, beijing("2026-12-01", "09:00:00"))
    assert service.get_case(case.id).state == "deciding"
    return service.fire(
        case.id,
        "decide_listing",
        SUPERVISOR,
        {"decision_note": "列入决定书", "listed_on": "2026-12-01"},
    ).case


def test_notice_objection_period_decision_and_publication(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = listing(service)
    [decide_by] = deadlines(service, case.id)
    # 20 working days from 20 November (the pay-by date ordered): 18 December.
    assert decide_by.fire_at == beijing("2026-12-18")
    service.fire(
        case.id,
        "serve_notice",
        HANDLER,
        {"notice_served_on": "2026-11-23", "notice_note": "告知书"},
    )
    period = {t.name: t.fire_at for t in deadlines(service, case.id)}
    # 5 working days from the day the notice was received: to the end of 30 November.
    assert period == {
        "objection_period": beijing("2026-11-30"),
        "decide_by_notice_served": beijing("2026-12-18"),
    }
    sweep_until(service, clock, beijing("2026-12-01", "09:00:00"))
    [ended] = fired(service, case.id, "objection_period_ends")
    assert ended.note is not None and ended.note.startswith("objection_period")  # no deadline
    case = service.fire(
        case.id,
        "decide_listing",
        SUPERVISOR,
        {"decision_note": "列入决定书", "listed_on": "2026-12-01"},
    ).case
    assert (case.state, case.data["blacklisted"]) == ("listed", True)
    with pytest.raises(GuardFailedError):
        service.fire(case.id, "publish", HANDLER, {"published_on": "2026-11-30"})
    case = service.fire(case.id, "publish", HANDLER, {"published_on": "2026-12-02"}).case
    assert case.data["published"] is True
    [period_timer] = deadlines(service, case.id)
    assert (period_timer.name, period_timer.fire_at) == ("list_period", beijing("2029-12-01"))


def test_an_objection_upheld_lists_nobody(service: WorkflowService, clock: ManualClock) -> None:
    case = listing(service)
    service.fire(
        case.id,
        "serve_notice",
        HANDLER,
        {"notice_served_on": "2026-11-23", "notice_note": "告知书"},
    )
    clock.set(beijing("2026-11-25", "10:00:00"))
    case = service.fire(
        case.id, "file_objection", HANDLER, {"objection": "欠薪系总包方拨付工程款不到位"}
    ).case
    assert {t.name for t in deadlines(service, case.id)} == {
        "objection_review",
        "decide_by_reviewing_objection",
    }
    case = service.fire(
        case.id, "uphold_objection", SUPERVISOR, {"objection_review": "申辩成立，责任在总包"}
    ).case
    assert (case.state, case.data["blacklisted"], case.data["list_result"]) == (
        "not_listed",
        False,
        "not_listed",
    )
    assert service.pending_timers(case.id) == []


def test_an_objection_rejected_goes_on_to_the_decision(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = listing(service)
    service.fire(
        case.id, "serve_notice", HANDLER, {"notice_served_on": "2026-11-23", "notice_note": "告知"}
    )
    service.fire(case.id, "file_objection", HANDLER, {"objection": "资金困难"})
    case = service.fire(
        case.id, "reject_objection", HANDLER, {"objection_review": "不属于免责情形"}
    ).case
    assert case.state == "deciding"


def test_a_decision_later_than_twenty_working_days_is_recorded_missed(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = listing(service)
    service.fire(
        case.id, "serve_notice", HANDLER, {"notice_served_on": "2026-11-23", "notice_note": "告知"}
    )
    sweep_until(service, clock, beijing("2026-12-21", "09:00:00"))
    assert service.get_case(case.id).state == "deciding"
    with service.store.transaction(write=False) as tx:
        timers = tx.timers(case.id, pending_only=False)
    [late] = [t for t in timers if t.name == "decide_by_deciding" and t.kind == "deadline"]
    # Notified when due, counted from its own due moment: the deadline stays missed.
    assert late.status == "fired"
    back = beijing("2026-12-21", "09:00:00")
    assert late.lateness_s == (back - beijing("2026-12-18")).total_seconds()


def test_paid_six_months_and_a_pledge_remove_early(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = decided(service, clock)
    clock.set(beijing("2027-01-10", "10:00:00"))
    service.fire(case.id, "record_rectification", HANDLER, {"rectified_on": "2027-01-10"})
    with pytest.raises(UnknownActionError):  # not before six months
        service.fire(case.id, "apply_early_removal", HANDLER, {"pledge_made": True})
    sweep_until(service, clock, beijing("2027-07-11", "09:00:00"))
    case = service.get_case(case.id)
    assert case.state == "removal_eligible"
    [eligible] = fired(service, case.id, "becomes_removable")
    assert eligible.at == beijing("2027-07-11", "09:00:00")
    with pytest.raises(GuardFailedError):
        service.fire(case.id, "apply_early_removal", HANDLER, {"pledge_made": False})
    service.fire(case.id, "apply_early_removal", HANDLER, {"pledge_made": True})
    case = service.fire(
        case.id, "approve_early_removal", SUPERVISOR, {"removal_note": "符合提前移出条件"}
    ).case
    assert (case.state, case.data["blacklisted"], case.data["list_result"]) == (
        "removed",
        False,
        "removed_early",
    )
    assert service.pending_timers(case.id) == []


def test_the_list_period_ends_after_three_years(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = decided(service, clock)
    service.fire(case.id, "publish", HANDLER, {"published_on": "2026-12-02"})
    sweep_until(service, clock, beijing("2029-12-01", "23:00:00"))
    assert service.get_case(case.id).state == "listed"
    sweep_until(service, clock, beijing("2029-12-02", "09:00:00"))
    case = service.get_case(case.id)
    assert (case.state, case.data["blacklisted"], case.data["list_result"]) == (
        "removed",
        False,
        "period_ended",
    )
