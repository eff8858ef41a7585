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
