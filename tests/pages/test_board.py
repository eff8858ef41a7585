"""The overdue board and the rates dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.model import Actor
from tests.pages.conftest import LoginAs, context_of, template_of


def test_overdue_board_fills_when_deadlines_pass(
    login_as: LoginAs, ctx: Casework, clock: ManualClock, demo_cases: dict[str, int]
) -> None:
    first = login_as("supervisor").get("/supervisor/overdue")
    assert template_of(first) == "supervisor/overdue.html"
    before: dict[str, Any] = context_of(first)
    clock.advance(timedelta(days=40))
    ctx.service.fire_due_timers()
    # Sessions last 12 hours: log in again after the jump.
    after: dict[str, Any] = context_of(login_as("supervisor").get("/supervisor/overdue"))
    assert after["total"] > before["total"]
    assert demo_cases["mediation:mediation"] in {c.id for c in after["cases"]}
    assert sum(n for _, n in after["by_unit"]) == len(after["cases"])
    assert all(ctx.service.get_case(c.id).closed_at is None for c in after["cases"])


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        pytest.param("organisation", {"union", "women"}, id="organisation"),
        pytest.param("grid", {"g-hp-1-1"}, id="grid"),
        pytest.param("category", {"family"}, id="category"),
        pytest.param("period", {"2026-11"}, id="period"),
    ],
)
def test_rates_by_group_with_a_chart_per_rate(login_as: LoginAs, by: str, keys: set[str]) -> None:
    response = login_as("supervisor").get(f"/supervisor/rates?by={by}")
    assert template_of(response) == "supervisor/rates.html"
    page: dict[str, Any] = context_of(response)
    assert page["by"] == by
    assert keys <= {line.key for line in page["lines"]}
    assert len(page["charts"]) == len(page["rates"]) == 5
    assert all(str(chart).startswith("<svg") for chart in page["charts"])
    assert page["total"].cases == sum(line.cases for line in page["lines"])


def test_rates_labels_and_values(login_as: LoginAs) -> None:
    response = login_as("supervisor").get("/supervisor/rates?by=organisation&workflow=mediation")
    page: dict[str, Any] = context_of(response)
    union = next(line for line in page["lines"] if line.key == "union")
    assert union.label == "区总工会"
    assert union.values["success"] is not None and 0 <= union.values["success"] <= 1
    assert union.shown("success").endswith("%")
    assert "响应率（按组织）" in str(page["charts"][0])
    assert union.urged == 0
    assert "被催办案件" in response.text


def test_a_grid_case_missed_at_the_top_tier_stays_on_the_board(
    login_as: LoginAs, ctx: Casework, clock: ManualClock
) -> None:
    grid = Actor("grid_member", "grid_member")
    case = ctx.service.open_case("grid_escalation", grid, {}, grid_unit="g-hp-1-1").case
    report = {
        "grid_unit": "g-hp-1-1",
        "location": "和平里七区3号楼北侧",
        "category": "public_safety",
        "severity": "red",
        "description": "井盖缺失",
    }
    ctx.service.fire(case.id, "report", grid, report)
    for _ in range(4):  # community → street → district → city, and the city misses it too
        clock.advance(timedelta(minutes=11))
        while ctx.service.fire_due_timers().claimed:
            pass
    assert ctx.service.get_case(case.id).data["tier"] == 4
    page: dict[str, Any] = context_of(login_as("supervisor").get("/supervisor/overdue"))
    assert case.id in {c.id for c in page["cases"]}


def test_rates_over_a_range_ranked_with_the_monthly_trend(login_as: LoginAs) -> None:
    response = login_as("supervisor").get(
        "/supervisor/rates?by=street&rank=response&from=2026-11-01&to=2026-11-30"
    )
    assert response.status_code == 200
    page: dict[str, Any] = context_of(response)
    assert (page["by"], page["rank"], page["start"], page["end"]) == (
        "street",
        "response",
        "2026-11-01",
        "2026-11-30",
    )
    ranks = [line.rank for line in page["lines"]]
    assert ranks and ranks[0] == 1 and ranks == sorted(ranks)
    assert len(page["trend"]) == 12 and page["trend"][-1].key == "2026-11"
    assert sum(line.cases for line in page["trend"]) >= page["total"].cases
    assert len(page["trend_charts"]) == 5
    assert all(
        (str(c).startswith("<svg") and "<polyline" in str(c)) or "<circle" in str(c)
        for c in page["trend_charts"]
    )
    assert "响应率 月度趋势" in str(page["trend_charts"][0])


def test_rates_with_a_bad_date_say_so(login_as: LoginAs) -> None:
    response = login_as("supervisor").get("/supervisor/rates?from=2026-13-01")
    assert response.status_code == 422
    page: dict[str, Any] = context_of(response)
    assert page["error"] == "日期格式应为 年-月-日。" and page["start"] == ""
