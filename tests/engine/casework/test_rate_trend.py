"""The 12-month trend (engine.casework.rates.rate_trend), read from the months' sums
(engine.store.rate_months), gives each month what the rates of that month alone give
(compute_rates, summed from the cases' facts), for every kind of user and filter; in a
workroom on another time zone (months not China Standard Time's) the trend sums the facts
and still agrees. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.casework.context import Casework
from engine.casework.identity import User
from engine.casework.rates import RateQuery, Tally, compute_rates, rate_trend
from engine.clock import ManualClock
from engine.store import rates as rate_store
from engine.units import UnitTree
from engine.visibility import visibility_for
from tests.engine.casework.conftest import UNITS, person
from tests.engine.store.test_board_facts import BoardCases

TREE = UnitTree.build(UNITS)
# Everyone who reads the rates, and a supervisor who sees only a street (its grid cases by
# tier) and one who sees the women's federation (the cases handed over to it: shared ones).
WHO = ("admin", "supervisor", "org_admin", "street", "women")


def reader(who: str) -> User:
    if who in ("street", "women"):
        unit = "s1" if who == "street" else "women"
        scope = visibility_for(TREE, "supervisor", unit, ())
        return User(9, who, who, "supervisor", unit, [], scope=scope)
    return person(who)


def figures(t: Tally) -> dict[str, Any]:
    out = asdict(t)
    out["close_seconds"] = round(out["close_seconds"], 3)
    return out


def history(cw: Casework, clock: ManualClock) -> None:
    """Cases of every kind opened over four months, moved on, urged, excluded, handed over."""
    cases = BoardCases(cw, clock)
    for month in range(4):
        for k in range(3):
            cases.run("open", k + month, 0)
        for op, pick in (("step", month), ("urge", month + 1), ("hand_over", 2 * month + 2)):
            cases.run(op, pick, 0)
        cases.run("exclude", 3 * month + 1, 0)
        cases.run("later", 0, 60 * 24 * 30)
    cases.run("step", 4, 0)


def assert_trend_is_each_month(cw: Casework, who: str, **filters: Any) -> None:
    user = reader(who)
    end = cw.clock.now()
    trend = rate_trend(cw, user, TREE, RateQuery(end=end, **filters))
    tz = ZoneInfo(cw.timezone)
    assert len(trend.groups) == 12
    starts = sorted(
        {datetime.strptime(label, "%Y-%m").replace(tzinfo=tz) for label in trend.groups}
    )
    nonempty = 0
    for label, start in zip(sorted(trend.groups), starts, strict=True):
        nxt = (start + timedelta(days=32)).replace(day=1)
        alone = compute_rates(cw, user, TREE, RateQuery(start=start, end=nxt, **filters))
        assert figures(trend.groups[label]) == figures(alone.total), (who, label, filters)
        nonempty += trend.groups[label].cases > 0
    assert figures(trend.total) == figures(
        compute_rates(
            cw,
            user,
            TREE,
            RateQuery(
                start=starts[0], end=(starts[-1] + timedelta(days=32)).replace(day=1), **filters
            ),
        ).total
    )
    if who in ("admin", "supervisor"):
        assert nonempty >= 3


@pytest.mark.parametrize("who", WHO)
def test_the_trend_gives_each_month_what_its_rates_give(
    cw: Casework, clock: ManualClock, who: str
) -> None:
    history(cw, clock)
    assert_trend_is_each_month(cw, who)
    assert_trend_is_each_month(cw, who, workflow="grid_escalation")
    assert_trend_is_each_month(cw, who, org_unit="union")
    assert_trend_is_each_month(cw, who, grid_unit="g1")


def test_the_trend_reads_the_months_in_china_standard_time_and_the_facts_elsewhere(
    cw: Casework, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(cw, clock)
    read: list[str] = []
    months, facts = rate_store._month_counts, rate_store._summed

    def noted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            read.append(name)
            return fn(*args)

        return run

    monkeypatch.setattr(rate_store, "_month_counts", noted("months", months))
    monkeypatch.setattr(rate_store, "_summed", noted("facts", facts))
    rate_trend(cw, person("admin"), TREE, RateQuery(end=clock.now()))
    assert read == ["months"]
    read.clear()
    berlin = replace(cw, timezone="Europe/Berlin")
    assert_trend_is_each_month(berlin, "supervisor")
    assert "months" not in read
