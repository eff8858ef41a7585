"""Deadlines that mean what the law and practice mean: a missed deadline stays overdue, a
late sweep counts every deadline from its own due time, extensions follow the rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.casework import cases
from engine.casework.context import Casework
from engine.casework.notifications import claim_deliveries
from engine.clock import ManualClock
from engine.errors import DeadlineError
from engine.model import Actor, Case
from engine.store.queries import CaseFilter
from tests.engine.casework.conftest import person

GRID = Actor("grid_member", "grid_member")
HANDLER = Actor("handler", "handler")
REPORT: dict[str, Any] = {
    "grid_unit": "g1",
    "location": "幸福里 3 号楼",
    "category": "sanitation",
    "severity": "red",
    "description": "垃圾堆积",
}


def _grid_report(cw: Casework) -> Case:
    case = cw.service.open_case("grid_escalation", GRID, {}, grid_unit="g1").case
    return cw.service.fire(case.id, "report", GRID, REPORT).case


def _drain(cw: Casework) -> None:
    while cw.service.fire_due_timers().claimed:
        pass


def _overdue_ids(cw: Casework) -> set[int]:
    page = cases.list_cases(cw, person("supervisor"), CaseFilter(overdue=True))
    return {item.case.id for item in page.items}


def test_a_case_unsigned_at_the_top_tier_stays_overdue(cw: Casework, clock: ManualClock) -> None:
    case = _grid_report(cw)
    for _ in range(3):  # community → street → district → city, 10 minutes each (red)
        clock.advance(timedelta(minutes=11))
        _drain(cw)
    case = cw.service.get_case(case.id)
    assert case.data["tier"] == 4 and case.state == "community_call"
    clock.advance(timedelta(minutes=11))  # the city does not sign for it either
    _drain(cw)
    view = cases.case_view(cw, person("supervisor"), case.id)
    assert view.overdue
    assert case.id in _overdue_ids(cw)
    page = cases.list_cases(cw, person("supervisor"), CaseFilter(overdue=True))
    item = next(i for i in page.items if i.case.id == case.id)
    assert item.overdue and item.next_deadline is not None
    assert item.next_deadline < clock.now()  # the deadline it missed, to count the lateness
    # Signing for it at last ends the overdue: the missed deadline belonged to that stay.
    cw.service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm1"})
    assert case.id not in _overdue_ids(cw)


def test_a_deadline_given_up_after_failing_stays_overdue(cw: Casework, clock: ManualClock) -> None:
    case = _grid_report(cw)
    with cw.store.transaction() as tx:
        (deadline,) = [t for t in tx.timers(case.id) if t.kind == "deadline"]
        deadline.status = "failed"
        deadline.attempts = 5
        deadline.last_error = "RuntimeError: poisoned"
        tx.finish_timer(deadline)
    clock.advance(timedelta(minutes=11))
    assert case.id in _overdue_ids(cw)
    assert cases.case_view(cw, person("supervisor"), case.id).overdue


def test_after_an_outage_each_missed_deadline_counts_from_its_own_due_time(
    cw: Casework, clock: ManualClock
) -> None:
    case = _grid_report(cw)
    reported = clock.now()
    clock.advance(timedelta(minutes=25))  # nothing ran: two 10-minute deadlines passed
    _drain(cw)
    case = cw.service.get_case(case.id)
    assert case.data["tier"] == 3 and case.data["escalation_count"] == 2
    missed = [e for e in cw.service.history(case.id) if e.action == "sign_deadline_missed"]
    assert [round(e.lateness_s or 0) for e in missed] == [15 * 60, 5 * 60]
    assert [
        e.note and e.note.endswith(f"fired {m} min late")
        for e, m in zip(missed, (15, 5), strict=True)
    ] == [True, True]
    (pending,) = [t for t in cw.service.pending_timers(case.id) if t.kind == "deadline"]
    assert pending.fire_at == reported + timedelta(minutes=30)


def test_grid_notices_go_to_the_unit_that_held_the_deadline(
    cw: Casework, clock: ManualClock
) -> None:
    case = _grid_report(cw)  # tier 1: community cm1 must sign for it within 10 minutes
    claim_deliveries(cw, clock.now(), 100)  # the call itself
    clock.advance(timedelta(minutes=11))  # the reminder and the deadline fall due together
    _drain(cw)
    assert cw.service.get_case(case.id).data["tier"] == 2  # now the street s1's
    sent = {(n.kind, n.subject, n.role, n.unit) for n in claim_deliveries(cw, clock.now(), 100)}
    assert ("reminder", "reminder:sign_for_deadline", "handler", "cm1") in sent
    assert ("deadline", "deadline:sign_for_deadline", "handler", "cm1") in sent
    assert ("transition", "sign_deadline_missed", "handler", "s1") in sent


LABOUR = {
    "dispute_type": "wages",
    "applicant_side": "worker",
    "application_form": "written",
    "description": "拖欠三个月工资",
    "mediation_org": "union_workroom",
    "mediator": "mediator",
}
MEDIATOR = Actor("mediator", "mediator")


def _mediation_period(cw: Casework, case_id: int) -> datetime:
    (deadline,) = [
        t
        for t in cw.service.pending_timers(case_id)
        if t.kind == "deadline" and t.name == "mediation_period"
    ]
    return deadline.fire_at


def test_labour_mediation_runs_fifteen_days_from_receipt_not_from_acceptance(
    cw: Casework, clock: ManualClock
) -> None:
    """LDMAL art. 14: 自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的 … The
    application is received on the day the case is opened (Monday 23 November 2026); the
    day of receipt is not counted (民法典 art. 201) and accepting it three days later does
    not move the end of the period: the end of 8 December."""
    case = cw.service.open_case("labor_dispute", MEDIATOR, LABOUR, org_unit="union").case
    clock.advance(timedelta(days=3))
    cw.service.fire(case.id, "accept", MEDIATOR)
    end = datetime(2026, 12, 8, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert _mediation_period(cw, case.id) == end


def test_labour_period_counts_from_the_recorded_day_of_receipt(
    cw: Casework, clock: ManualClock
) -> None:
    """An application received by post on Friday 20 November 2026 and registered on Monday:
    the day of receipt is not counted (民法典 art. 201), the period ends with 5 December."""
    data = {**LABOUR, "received_on": "2026-11-20"}
    case = cw.service.open_case("labor_dispute", MEDIATOR, data, org_unit="union").case
    cw.service.fire(case.id, "accept", MEDIATOR)
    end = datetime(2026, 12, 5, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert _mediation_period(cw, case.id) == end


ORG_ADMIN = Actor("org_admin", "org_admin")


def _handling(cw: Casework) -> tuple[Case, datetime]:
    """A red grid case signed for: 2 hours to handle it. Returns it and its deadline."""
    case = _grid_report(cw)
    case = cw.service.fire(case.id, "sign_for", HANDLER, {"handling_unit": "cm1"}).case
    return case, _deadline(cw, case.id, "handling_deadline")


def _deadline(cw: Casework, case_id: int, name: str) -> datetime:
    (deadline,) = [
        t for t in cw.service.pending_timers(case_id) if t.kind == "deadline" and t.name == name
    ]
    return deadline.fire_at


def test_an_extension_is_requested_before_the_deadline(cw: Casework, clock: ManualClock) -> None:
    case, _ = _handling(cw)
    clock.advance(timedelta(hours=2, minutes=1))  # past due, before the sweeper ran
    with pytest.raises(DeadlineError, match="before the deadline"):
        cw.service.fire(case.id, "request_extension", HANDLER, {"extension_reason": "雨天"})
    assert cw.service.get_case(case.id).state == "handling"


def test_the_handling_clock_keeps_running_while_an_extension_is_pending(
    cw: Casework, clock: ManualClock
) -> None:
    case, due = _handling(cw)
    clock.advance(timedelta(hours=1))
    cw.service.fire(case.id, "request_extension", HANDLER, {"extension_reason": "需协调物业"})
    assert _deadline(cw, case.id, "handling_deadline") == due
    clock.advance(timedelta(hours=1, minutes=1))  # nobody decided: the deadline passes
    assert case.id in _overdue_ids(cw)
    _drain(cw)
    case = cw.service.get_case(case.id)
    assert (case.state, case.data["tier"], case.data["escalation_count"]) == ("handling", 2, 1)


def test_a_denied_extension_does_not_restart_the_period(cw: Casework, clock: ManualClock) -> None:
    case, due = _handling(cw)
    clock.advance(timedelta(hours=1))
    cw.service.fire(case.id, "request_extension", HANDLER, {"extension_reason": "需协调物业"})
    clock.advance(timedelta(minutes=30))
    cw.service.fire(case.id, "deny_extension", ORG_ADMIN, {"deny_reason": "可当日处置"})
    assert cw.service.get_case(case.id).state == "handling"
    assert _deadline(cw, case.id, "handling_deadline") == due


def test_an_approved_extension_lies_in_the_future_and_beyond_the_deadline(
    cw: Casework, clock: ManualClock
) -> None:
    case, due = _handling(cw)
    clock.advance(timedelta(hours=1))
    cw.service.fire(case.id, "request_extension", HANDLER, {"extension_reason": "需协调物业"})
    for until in (clock.now() - timedelta(minutes=5), due - timedelta(minutes=5), due):
        with pytest.raises(DeadlineError):
            cw.service.fire(
                case.id, "approve_extension", ORG_ADMIN, {"extension_until": until.isoformat()}
            )
    assert cw.service.get_case(case.id).state == "extension_requested"
    later = due + timedelta(days=1)
    cw.service.fire(case.id, "approve_extension", ORG_ADMIN, {"extension_until": later.isoformat()})
    assert _deadline(cw, case.id, "handling_deadline") == later
