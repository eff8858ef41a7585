"""The wage arrears blacklist seen from a new project (engine.casework.employer_list): a
wage_monitoring case opened through the use case has `employer_listed` filled in its own
transaction and recorded in its opening; a listed employer's project starts only with a
wage prepayment. The whole journey end to end, on SQLite and PostgreSQL: a project in
arrears, a report, an order to pay not met, the list procedure, a new project of the listed
employer, the arrears paid and the employer removed early."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.casework import cases
from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.errors import GuardFailedError, InvalidDataError
from engine.model import Case
from tests.engine.casework.conftest import person

EMPLOYER = "91511700MA62000001"
OTHER = "91511700MA62000002"


def project(code: str, name: str = "安置房二期") -> dict[str, Any]:
    return {
        "employer_code": code,
        "employer_name": "达州某建筑劳务有限公司",
        "project_name": name,
        "workers_count": 40,
        "start_date": "2026-11-23",
        "end_date": "2027-11-30",
    }


def beijing(day: str, hms: str = "09:00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hms}+08:00").astimezone(UTC)


def sweep_until(cw: Casework, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    while cw.service.fire_due_timers().claimed:
        pass


def act(cw: Casework, who: str, case: Case, action: str, data: dict[str, Any]) -> Case:
    current = cw.service.get_case(case.id)
    return cases.fire(cw, person(who), case.id, action, data, expected_version=current.version).case


def open_project(cw: Casework, code: str, **extra: Any) -> Case:
    return cases.open_case(
        cw, person("handler"), "wage_monitoring", {**project(code), **extra}
    ).case


def listed(cw: Casework, clock: ManualClock, code: str) -> Case:
    """A listing case for `code`, notice served, no objection, decided."""
    case = cases.open_case(
        cw,
        person("handler"),
        "wage_blacklist",
        {
            "employer_code": code,
            "employer_name": "达州某建筑劳务有限公司",
            "grounds": "amount_threshold",
            "arrears_amount": 360000,
            "workers_unpaid": 28,
            "payment_deadline": "2026-11-30",
        },
    ).case
    act(
        cw,
        "handler",
        case,
        "serve_notice",
        {"notice_served_on": "2026-12-01", "notice_note": "告知"},
    )
    sweep_until(cw, clock, beijing("2026-12-09"))
    return act(
        cw,
        "supervisor",
        case,
        "decide_listing",
        {"decision_note": "列入", "listed_on": "2026-12-09"},
    )


def test_a_project_of_an_employer_not_listed_starts_without_prepayment(cw: Casework) -> None:
    case = open_project(cw, EMPLOYER)
    assert case.data["employer_listed"] is False
    assert act(cw, "handler", case, "start_monitoring", {}).state == "monitoring"


def test_a_listed_employers_new_project_needs_a_prepayment(
    cw: Casework, clock: ManualClock
) -> None:
    listed(cw, clock, EMPLOYER)
    case = open_project(cw, EMPLOYER)
    assert case.data["employer_listed"] is True
    [opening] = [e for e in cw.service.history(case.id) if e.action == "open"]
    assert opening.data["employer_listed"] is True  # the lookup is on record
    with pytest.raises(GuardFailedError):
        act(cw, "handler", case, "start_monitoring", {})
    assert cw.service.get_case(case.id).state == "registered"
    started = act(
        cw,
        "handler",
        case,
        "start_monitoring",
        {"wage_guarantee": "prepayment", "guarantee_amount": 200000},
    )
    assert started.state == "monitoring"
    # Another employer is not concerned; a prepayment lodged at opening is enough.
    assert open_project(cw, OTHER).data["employer_listed"] is False
    prepaid = open_project(cw, EMPLOYER, wage_guarantee="deposit", guarantee_amount=80000)
    assert act(cw, "handler", prepaid, "start_monitoring", {}).state == "monitoring"


def test_the_listing_is_never_taken_from_input(cw: Casework) -> None:
    with pytest.raises(InvalidDataError):
        open_project(cw, EMPLOYER, employer_listed=False)


def test_an_objection_upheld_or_a_decision_pending_lists_nobody(
    cw: Casework, clock: ManualClock
) -> None:
    case = cases.open_case(
        cw,
        person("handler"),
        "wage_blacklist",
        {"employer_code": EMPLOYER, "grounds": "mass_incident", "payment_deadline": "2026-11-30"},
    ).case
    assert open_project(cw, EMPLOYER).data["employer_listed"] is False  # only proposed
    act(
        cw,
        "handler",
        case,
        "serve_notice",
        {"notice_served_on": "2026-12-01", "notice_note": "告知"},
    )
    act(cw, "handler", case, "file_objection", {"objection": "已与工人达成和解"})
    act(cw, "supervisor", case, "uphold_objection", {"objection_review": "申辩成立"})
    assert open_project(cw, EMPLOYER).data["employer_listed"] is False


def test_the_whole_journey_from_arrears_to_early_removal(cw: Casework, clock: ManualClock) -> None:
    # A monitored project falls two months behind: orange.
    first = open_project(cw, EMPLOYER)
    act(cw, "handler", first, "start_monitoring", {})
    sweep_until(cw, clock, beijing("2027-01-24"))
    assert cw.service.get_case(first.id).data["warning_level"] == "orange"
    # A report, an investigation, an order to pay by a date, not met.
    act(cw, "handler", first, "public_report", {"report_channel": "hotline", "report_note": "欠薪"})
    act(
        cw,
        "handler",
        first,
        "order_payment",
        {
            "findings": "拖欠32人工资36万元",
            "rectification_due": "2027-02-05",
            "workers_unpaid": 32,
            "arrears_amount": 360000,
        },
    )
    assert cw.service.get_case(first.id).data["warning_level"] == "red"  # 30 workers or more
    sweep_until(cw, clock, beijing("2027-02-06"))
    first = act(
        cw,
        "handler",
        first,
        "propose_listing",
        {"listing_grounds": "amount_threshold", "listing_note": "逾期未支付"},
    )
    assert (first.state, first.data["listing_proposed"]) == ("payment_overdue", True)
    # The list procedure: notice, no objection within 5 working days, decided, published.
    listing = cases.open_case(
        cw,
        person("handler"),
        "wage_blacklist",
        {
            "employer_code": EMPLOYER,
            "source_case": str(first.id),
            "grounds": "amount_threshold",
            "arrears_amount": 360000,
            "workers_unpaid": 28,
            "payment_deadline": "2027-02-05",
        },
    ).case
    act(
        cw,
        "handler",
        listing,
        "serve_notice",
        {"notice_served_on": "2027-02-08", "notice_note": "告知"},
    )
    sweep_until(cw, clock, beijing("2027-02-23"))  # the Spring Festival holidays in between
    act(
        cw,
        "supervisor",
        listing,
        "decide_listing",
        {"decision_note": "列入", "listed_on": "2027-02-23"},
    )
    act(cw, "handler", listing, "publish", {"published_on": "2027-02-24"})
    # The listed employer's new project: a prepayment first.
    second = open_project(cw, EMPLOYER)
    with pytest.raises(GuardFailedError):
        act(cw, "handler", second, "start_monitoring", {})
    # The arrears paid; six months later, with a pledge, removed early.
    clock.set(beijing("2027-03-01"))
    act(cw, "handler", first, "confirm_paid", {"payment_note": "已足额支付"})
    act(cw, "handler", listing, "record_rectification", {"rectified_on": "2027-03-01"})
    sweep_until(cw, clock, beijing("2027-09-02"))
    act(cw, "handler", listing, "apply_early_removal", {"pledge_made": True})
    removed = act(cw, "supervisor", listing, "approve_early_removal", {"removal_note": "准予移出"})
    assert (removed.state, removed.data["list_result"]) == ("removed", "removed_early")
    third = open_project(cw, EMPLOYER, project_name="三期")
    assert third.data["employer_listed"] is False
    assert act(cw, "handler", third, "start_monitoring", {}).state == "monitoring"
