"""Timers in working days, through real cases: the Chinese calendar of 2026 with its 调休.

National Day 2026: 1–7 October off; Sunday 20 September and Saturday 10 October are worked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from engine.service import WorkflowService
from tests.workflows.cases import labour_case, mediation_in_mediation

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


def deadline(service: WorkflowService, case_id: int) -> datetime:
    [timer] = [t for t in service.pending_timers(case_id) if t.kind == "deadline"]
    return timer.fire_at.astimezone(BEIJING)


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        pytest.param("2026-09-29", "2026-09-30", id="ordinary-working-day"),
        pytest.param("2026-09-30", "2026-10-08", id="over-the-national-day-holiday"),
        pytest.param("2026-10-09", "2026-10-10", id="adjusted-working-saturday"),
        pytest.param("2026-09-19", "2026-09-20", id="adjusted-working-sunday"),
    ],
)
def test_one_working_day_on_a_case(
    service: WorkflowService, clock: ManualClock, opened: str, due: str
) -> None:
    """Labour intake: the application waits at most one working day (accept_reminder)."""
    clock.set(at(opened))
    case = labour_case(service)
    assert deadline(service, case.id) == at(due)


@pytest.mark.parametrize(
    ("entered", "due"),
    [
        pytest.param("2026-09-01", "2026-10-08", id="falls-on-a-holiday-moves-on"),
        pytest.param("2026-09-10", "2026-10-10", id="falls-on-a-worked-saturday-stays"),
        pytest.param("2026-09-18", "2026-10-19", id="falls-on-a-sunday-moves-to-monday"),
        pytest.param("2026-08-14", "2026-09-14", id="falls-on-a-monday-stays"),
    ],
)
def test_the_one_month_mediation_period_ends_on_a_working_day(
    service: WorkflowService, clock: ManualClock, entered: str, due: str
) -> None:
    clock.set(at(entered))
    case = mediation_in_mediation(service)
    assert deadline(service, case.id) == at(due)


def test_the_sweeper_waits_through_the_holiday(
    service: WorkflowService, clock: ManualClock
) -> None:
    clock.set(at("2026-09-01"))
    case = mediation_in_mediation(service)
    clock.set(at("2026-10-07", 23))  # the calendar month ran out on 1 October, a holiday
    report = service.fire_due_timers()
    assert (report.reminded, report.fired) == (1, 0)
    clock.set(at("2026-10-08"))
    assert service.fire_due_timers().fired == 1
    [expired] = [e for e in service.history(case.id) if e.action == "period_expired"]
    assert expired.at == at("2026-10-08").astimezone(UTC)
    assert service.get_case(case.id).data["period_overdue"] is True
