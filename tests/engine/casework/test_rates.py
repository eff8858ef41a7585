"""Every rate against a count by hand (docs/RATES.md): a known set of cases built through the
service with a manual clock, deadlines and planned steps fired by the sweep, on SQLite and
PostgreSQL.

The cases (t0 = Monday 2026-11-23 09:00 in Beijing; grid sign-for deadline 30 min):

- G1 (g1): reported; signed for at +5 min; resolved; rated 5.
  Response in time, resolved, on time.
- G2 (g1): reported; the sign-for deadline fires at +40 min (escalation); signed for at
  +45 min; rated 3. Response late, resolved, not on time.
- G3 (g2): reported; signed for at +5 min; parked until the end of the day; the sweep resumes it
  (a planned step); resolved; rated 4. Response in time, resolved, on time.
- G4 (g1): fixed on the spot by the grid member. No response awaited; resolved; on time.
- G5 (g3): reported, never signed for (the reporter's own report is no response). Open.
- G6 (g2): reported; merged into G1. Left out (merged).
- M1 (union): agreement, performed, rated 5, closed. Resolved, mediated, success.
- M2 (union): agreement not performed; urged; closed with advice to sue; rated 2.
  NOT resolved, mediated, no success.
- M3 (union): written agreement; the 30-day judicial-confirmation window closes (a planned
  step); performed; rated 4; closed at +35 d. Resolved, success, on time.
- M4 (union): the one-month mediation period expires (a deadline); terminated; closed at
  +35 d. Failed, not on time.
- M5 (union): registered; excluded by a reviewer. Left out (excluded).
- M6 (women): opened and registered on day 1. Responded; open.
- L1 (union): accepted at once; agreement signed and performed; rated 4.
  Response in time, resolved, success.
- L2 (union): accepted after its one-working-day acceptance deadline fired; withdrawn.
  Response late, not resolved, not on time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.casework.context import Casework
from engine.casework.exclusions import exclude_case
from engine.casework.grid_reports import GridReport, report
from engine.casework.identity import User
from engine.casework.rates import RateQuery, Tally, compute_rates, ranked, rate_trend
from engine.clock import ManualClock
from engine.model import Actor
from engine.store.units import save_units
from engine.units import UnitRecord, UnitTree
from engine.visibility import visibility_for
from tests.engine.casework.conftest import UNITS

MORE = (
    UnitRecord("cm2", "和平里二社区", "Heping Community 2", "community", "s1"),
    UnitRecord("g2", "第2网格", "Grid 2", "grid", "cm2"),
    UnitRecord("s2", "青年路街道", "Qingnian Street", "street", "d1"),
    UnitRecord("cm3", "青年路社区", "Qingnian Community", "community", "s2"),
    UnitRecord("g3", "第3网格", "Grid 3", "grid", "cm3"),
)
TREE = UnitTree.build((*UNITS, *MORE))
MEDIATOR = Actor("mediator", "mediator")
ORG_ADMIN = Actor("org_admin", "org_admin")
HANDLER = Actor("handler", "handler")
GRID = Actor("grid_member", "grid_member")

ASSESS = {
    "category": "family",
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
REGISTER = {
    "category": "family",
    "source": "walk_in",
    "description": "家庭纠纷",
    "notice_given": True,
}
AGREE = {"agreement_form": "oral", "agreement_terms": "分期", "performance_deadline": "2026-12-20"}
LABOUR = {
    "dispute_type": "wages",
    "applicant_side": "worker",
    "application_form": "written",
    "description": "拖欠工资",
    "mediation_org": "union_workroom",
    "mediator": "mediator",
}


def user(username: str, role: str, unit: str | None, grids: tuple[str, ...] = ()) -> User:
    return User(
        id=1,
        username=username,
        display_name=username,
        role=role,
        unit=unit,
        grid_units=list(grids),
        scope=visibility_for(TREE, role, unit, grids),
    )


SUPERVISOR = user("supervisor", "supervisor", "d1")
COMMUNITY = user("cm1_admin", "org_admin", "cm1")  # a community's user: its own figures only


class Book:
    """The cases by name, moved through the service."""

    def __init__(self, cw: Casework, clock: ManualClock) -> None:
        self.cw = cw
        self.clock = clock
        self.ids: dict[str, int] = {}
        self.grid_member = user("grid_member", "grid_member", None, ("g1", "g2", "g3"))

    def grid(self, name: str, grid: str, fixed: bool = False) -> None:
        r = GridReport(grid, "sanitation", "yellow", "3号楼", "垃圾堆放", fixed_on_spot=fixed)
        self.ids[name] = report(self.cw, self.grid_member, r).case.id

    def open(self, name: str, workflow: str, org: str) -> None:
        self.ids[name] = self.cw.service.open_case(workflow, MEDIATOR, {}, org_unit=org).case.id

    def step(self, name: str, action: str, actor: Actor = MEDIATOR, /, **data: Any) -> None:
        self.cw.service.fire(self.ids[name], action, actor, data)

    def later(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.cw.service.fire_due_timers()

    def mediate(self, name: str, form: str = "oral") -> None:
        self.step(name, "register", **REGISTER)
        self.step(name, "start_mediation", **ASSESS)
        self.step(name, "reach_agreement", **{**AGREE, "agreement_form": form})


@pytest.fixture
def book(cw: Casework, clock: ManualClock) -> Book:
    with cw.store.transaction() as tx:
        save_units(tx, list(MORE))
    b = Book(cw, clock)
    t0 = clock.now()
    for name, grid in (("G1", "g1"), ("G2", "g1"), ("G3", "g2"), ("G5", "g3"), ("G6", "g2")):
        b.grid(name, grid)
    b.grid("G4", "g1", fixed=True)
    b.step("G6", "merge", ORG_ADMIN, merged_into=str(b.ids["G1"]))
    for name in ("M1", "M2", "M3", "M4", "M5"):
        b.open(name, "mediation", "union")
    b.mediate("M1")
    b.step("M1", "decline_confirmation")
    b.step("M1", "record_visit", performance="performed", satisfaction=5, lingering_risk=False)
    b.step("M1", "close_case")
    b.mediate("M2")
    b.step("M2", "decline_confirmation")
    not_done = {"performance": "not_performed", "satisfaction": 2, "lingering_risk": False}
    b.step("M2", "record_visit", **not_done)
    b.step("M2", "urge")
    b.step("M2", "record_visit", **not_done)
    b.step("M2", "advise_court", advised_route="court", route_advice="可向法院起诉")
    b.mediate("M3", form="written")
    b.step("M4", "register", **REGISTER)
    b.step("M4", "start_mediation", **ASSESS)
    b.step("M5", "register", **REGISTER)
    exclude_case(b.cw, SUPERVISOR, b.ids["M5"], "重复诉求，已在其他案件办理")
    for name in ("L1", "L2"):
        b.open(name, "labor_dispute", "union")
    b.step("L1", "accept", **LABOUR)
    b.step("L1", "reach_agreement", agreement_terms="月底前付清", performance_deadline="2026-11-30")
    b.step("L1", "sign_agreement", agreement_signed=True)
    b.step("L1", "confirm_performed", performance="performed", satisfaction=4)

    b.later(timedelta(minutes=5))
    b.step("G1", "sign_for", HANDLER, handling_unit="cm1")
    b.step("G1", "resolve", HANDLER, resolution="已清运")
    b.step("G1", "verify_ok", GRID, rating=5)
    b.step("G3", "sign_for", HANDLER, handling_unit="cm2")
    b.step("G3", "park", ORG_ADMIN, park_reason="待冬季后施工", resume_date="2026-11-23")

    b.later(timedelta(minutes=35))  # t0 + 40 min: G2's and G5's sign-for deadlines fired
    b.later(timedelta(minutes=5))
    b.step("G2", "sign_for", HANDLER, handling_unit="cm1")
    b.step("G2", "resolve", HANDLER, resolution="已清运")
    b.step("G2", "verify_ok", GRID, rating=3)

    b.later(t0 + timedelta(days=1, minutes=1) - clock.now())  # G3 resumes; L2 waited a day
    b.step("G3", "resolve", HANDLER, resolution="已修复")
    b.step("G3", "verify_ok", GRID, rating=4)
    b.step("L2", "accept", **LABOUR)
    b.step("L2", "withdraw")
    b.open("M6", "mediation", "women")
    b.step("M6", "register", **REGISTER)

    b.later(timedelta(days=34))  # t0 + 35 d: M3's window closed, M4's period expired
    b.step("M3", "record_visit", performance="performed", satisfaction=4, lingering_risk=False)
    b.step("M3", "close_case")
    b.step("M4", "terminate", termination_reason="no_agreement")
    b.step("M4", "close_failed", advised_route="court", route_advice="可向法院起诉")
    return b


def counts(t: Tally) -> dict[str, Any]:
    return {
        "cases": t.cases,
        "excluded": t.excluded,
        "response": (t.responded_in_time, t.awaiting_response),
        "resolution": (t.resolved, t.cases),
        "satisfaction": (t.satisfied, t.rated),
        "on_time": (t.closed_on_time, t.closed),
        "success": (t.agreements, t.mediated),
    }


def test_every_rate_matches_a_count_by_hand(book: Book) -> None:
    table = compute_rates(book.cw, SUPERVISOR, TREE, RateQuery())
    t = table.total
    assert counts(t) == {
        # G1-G5, M1-M4, M6, L1, L2; G6 merged and M5 excluded are left out.
        "cases": 12,
        "excluded": 2,
        # Awaiting: G1 G2 G3 G5 (called to sign for; G4 was fixed on the spot), the five
        # mediation cases M1-M4 M6 (no response deadline: the first action by a person),
        # L1 L2. In time: G1 G3, M1 M2 M3 M4 M6, L1. G5's own report does not count.
        "response": (8, 11),
        # Resolved: G1 G2 G3 G4 (closed, no outcome), M1 M3 L1 (agreement). Not: M2 (agreement
        # not performed, advised to sue), M4 (failed), L2 (withdrawn); G5 and M6 are open.
        "resolution": (7, 12),
        # Rated: G1 5, G2 3, G3 4, M1 5, M2 2, M3 4, L1 4.
        "satisfaction": (5, 7),
        # Closed: G1 G2 G3 G4 M1 M2 M3 M4 L1 L2. Missed a deadline: G2 (sign-for), M4 (mediation
        # period), L2 (acceptance). G3's resumption and M3's window are planned steps.
        "on_time": (7, 10),
        # Mediated: M1 M3 L1 (agreement), M2 (not performed), M4 (failed).
        "success": (3, 5),
    }
    assert t.rate("response") == round(8 / 11, 4)
    assert t.rate("resolution") == round(7 / 12, 4)
    assert t.rate("satisfaction") == round(5 / 7, 4)
    assert t.rate("on_time") == 0.7
    assert t.rate("success") == 0.6
    hours = [5 / 60, 45 / 60, 24 + 1 / 60, 0, 0, 0, 35 * 24, 35 * 24, 0, 24 + 1 / 60]
    assert t.avg_close_hours == round(sum(hours) / 10, 2)


def test_breakdowns_by_unit_roll_up_the_tree(book: Book) -> None:
    by_street = compute_rates(book.cw, SUPERVISOR, TREE, RateQuery(group_by="street")).groups
    # s1: G1 G2 G4 (g1), G3 (g2); s2: G5 (g3); no street: the mediation and labour cases.
    assert {k: counts(t)["cases"] for k, t in by_street.items()} == {"s1": 4, "s2": 1, "-": 7}
    assert counts(by_street["s1"])["response"] == (2, 3)  # G1 G3 of G1 G2 G3
    assert counts(by_street["s1"])["excluded"] == 1  # G6
    assert counts(by_street["s2"])["response"] == (0, 1)
    by_community = compute_rates(book.cw, SUPERVISOR, TREE, RateQuery(group_by="community"))
    assert {k: t.cases for k, t in by_community.groups.items()} == {
        "cm1": 3,
        "cm2": 1,
        "cm3": 1,
        "-": 7,
    }
    by_org = compute_rates(book.cw, SUPERVISOR, TREE, RateQuery(group_by="organisation")).groups
    assert (by_org["union"].cases, by_org["women"].cases) == (6, 1)
    assert counts(by_org["union"])["success"] == (3, 5)
    by_grid = compute_rates(book.cw, SUPERVISOR, TREE, RateQuery(group_by="grid")).groups
    ranks = [(rank, key) for rank, key, _ in ranked(by_grid, "response")]
    # g2: 1/1, g1: 1/2 (G1 of G1 G2), g3: 0/1, no grid: 6/7.
    assert ranks == [(1, "g2"), (2, "-"), (3, "g1"), (4, "g3")]


def test_a_community_sees_its_own_figures_only(book: Book) -> None:
    table = compute_rates(book.cw, COMMUNITY, TREE, RateQuery(group_by="street"))
    assert table.own_area == "cm1"
    # G1 G2 G4 of its grid g1; the street's other community (G3, G6) and the rest are not its.
    assert list(table.groups) == ["s1"]
    assert counts(table.total) == {
        "cases": 3,
        "excluded": 0,
        "response": (1, 2),  # G1 of G1 G2 (G4 was fixed on the spot)
        "resolution": (3, 3),
        "satisfaction": (1, 2),  # G1 5, G2 3
        "on_time": (2, 3),  # G2 missed its sign-for deadline
        "success": (0, 0),
    }


def test_a_date_range_and_the_monthly_trend(book: Book, clock: ManualClock) -> None:
    t0 = book.cw.service.get_case(book.ids["G1"]).opened_at
    day1 = RateQuery(start=t0 + timedelta(days=1), end=t0 + timedelta(days=2))
    assert counts(compute_rates(book.cw, SUPERVISOR, TREE, day1).total)["response"] == (1, 1)
    trend = rate_trend(book.cw, SUPERVISOR, TREE, RateQuery())
    assert list(trend.groups) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert trend.groups["2026-11"].cases == 12
    assert sum(t.cases for t in trend.groups.values()) == 12
    assert trend.groups["2026-12"].rate("response") is None
    march = datetime(2027, 3, 1, tzinfo=ZoneInfo(book.cw.timezone))  # local midnight
    ending = rate_trend(book.cw, SUPERVISOR, TREE, RateQuery(end=march))
    months = list(ending.groups)
    assert (months[0], months[-1]) == ("2026-03", "2027-02")
