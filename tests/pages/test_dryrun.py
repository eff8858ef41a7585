"""Dry runs of a draft: actions and clock jumps on a throw-away case in memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.pages.dryrun import StepError, parse_values, play
from engine.definition import Definition
from engine.workcalendar import WorkCalendar

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
GRID_OPENING = "grid_unit=g1\nlocation=gate\ncategory=sanitation\nseverity=red\ndescription=x"


@pytest.fixture
def grid(shipped: list[Definition]) -> Definition:
    return next(d for d in shipped if d.name == "grid_escalation")


def test_a_clock_jump_fires_every_deadline_on_the_way(grid: Definition) -> None:
    run = play(grid, "report\n+35 minutes", GRID_OPENING, START, WorkCalendar())
    escalations = [(s.at.minute, s.changes["tier"]) for s in run.automatic]
    # red: 10 minutes a tier; at 35 minutes three tiers were missed (community → street →
    # district → city).
    assert escalations == [(10, 2), (20, 3), (30, 4)]
    assert run.final_state == "community_call" and run.data["tier"] == 4
    assert [t.kind for t in run.deadlines] == ["reminder", "deadline"]
    assert run.ended == datetime(2026, 11, 23, 1, 35, tzinfo=UTC)


def test_at_the_top_tier_a_missed_deadline_is_reported_not_escalated(grid: Definition) -> None:
    run = play(grid, "report\n+2 hours", GRID_OPENING, START, WorkCalendar())
    clock_step = next(s for s in run.steps if s.kind == "clock")
    assert clock_step.skipped and "tier < 4" in clock_step.skipped[0]
    assert run.data["tier"] == 4


def test_a_failed_step_is_reported_and_the_run_goes_on(grid: Definition) -> None:
    script = "report\nsign_for\nbogus\n+soon\nsign_for handler handling_unit=c1"
    run = play(grid, script, GRID_OPENING, START, WorkCalendar())
    failed = {s.line: s.detail for s in run.failed}
    assert set(failed) == {2, 3, 4}
    assert "handling_unit" in failed[2]
    assert "bogus" in failed[3]
    assert "bad duration" in failed[4]
    assert run.final_state == "handling"


def test_bad_opening_data_stops_before_anything_runs(grid: Definition) -> None:
    run = play(grid, "report", "severity=purple", START, WorkCalendar())
    [step] = run.steps
    assert step.kind == "open" and not step.ok and "purple" in step.detail


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param(["tier=2"], {"tier": 2}, id="int"),
        pytest.param(["fixed_on_spot=true"], {"fixed_on_spot": True}, id="bool"),
        pytest.param(["co_handlers=a, b"], {"co_handlers": ["a", "b"]}, id="list"),
        pytest.param(["handling_due=None"], {"handling_due": None}, id="none"),
        pytest.param(["location=东门 路口"], {"location": "东门 路口"}, id="text"),
    ],
)
def test_parse_values(grid: Definition, pairs: list[str], expected: dict[str, object]) -> None:
    assert parse_values(grid, pairs, "Asia/Shanghai") == expected


@pytest.mark.parametrize(
    "pair",
    [
        pytest.param("nope=1", id="unknown-field"),
        pytest.param("tier", id="no-equals"),
        pytest.param("tier=nine", id="not-a-number"),
        pytest.param("tier=9", id="above-max"),
    ],
)
def test_parse_values_refuses(grid: Definition, pair: str) -> None:
    with pytest.raises(StepError):
        parse_values(grid, [pair], "Asia/Shanghai")


def test_a_dry_run_fires_each_half_month_of_a_case_level_recurring_timer(
    shipped: list[Definition],
) -> None:
    project = next(d for d in shipped if d.name == "project_supervision")
    opening = "project_name=x\nservice_area=arts\nstart_date=2026-11-23\nend_date=2027-06-30"
    script = "+1 month\nrecord_findings findings=x rectification_due=2027-01-05\n+1 month"
    run = play(project, script, opening, START, WorkCalendar())
    ends = [(s.at, s.state_after) for s in run.automatic if s.action == "report_period_ends"]
    beijing = [a.astimezone(WorkCalendar().zone).date().isoformat() for a, _ in ends]
    # Half months end with the 15th and the month's last day, whatever state the case is in.
    assert beijing == ["2026-11-30", "2026-12-15", "2026-12-31", "2027-01-15"]
    assert [s for _, s in ends] == [
        "in_progress",
        "in_progress",
        "rectifying",
        "rectification_overdue",
    ]
    assert run.data["reports_due"] == 4 and run.data["reports_behind"] == 4
    assert {t.name for t in run.deadlines} == {"progress_report", "half_year_summary"}


def test_a_dry_run_shows_the_points_each_step_records(shipped: list[Definition]) -> None:
    scoring = next(d for d in shipped if d.name == "quarterly_scoring")
    script = (
        "add_points item=publicity points=10 description=报道\n"
        "deduct_points item=funding points=4 description=未完成\n"
        "close_quarter summary=良好"
    )
    run = play(scoring, script, "quarter=2026Q4", START, WorkCalendar())
    assert not run.failed, [s.detail for s in run.failed]
    assert [[(e.amount, e.category) for e in s.points] for s in run.steps[1:]] == [
        [(10, "publicity")],
        [(-4, "funding")],
        [],
    ]
    assert run.final_state == "assessed"
