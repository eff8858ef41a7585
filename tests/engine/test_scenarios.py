"""Whole workflows driven from intake to closed, on SQLite and PostgreSQL.

Every scenario runs twice: once on one service, and once rebuilding everything (database
engine, store, registry loaded back from the database, service) between two steps, so a case
never depends on anything kept in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import GuardFailedError
from engine.model import Actor, Case, Event
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import definitions as stored
from engine.store.db import make_engine
from engine.store.migrate import upgrade
from engine.store.repository import SqlStore
from engine.workcalendar import WorkCalendar

MEDIATOR = Actor("li.mediator", "mediator")
ORG_ADMIN = Actor("wang.admin", "org_admin")
GRID = Actor("zhao.grid", "grid_member")
HANDLER = Actor("chen.community", "handler")


class Driver:
    """Fires actions on one case; with `reload`, rebuilds the whole stack before each step."""

    def __init__(self, url: str, shipped: list[Definition], clock: ManualClock, reload: bool):
        self.url = url
        self.clock = clock
        self.reload = reload
        engine = make_engine(url)
        upgrade(engine)
        store = SqlStore(engine)  # referenced until disposed: it keeps its connections
        with store.transaction() as tx:
            stored.sync_shipped(tx, shipped, clock.now())
        engine.dispose()
        self.service = self._build()
        self.case_id = 0

    def _build(self) -> WorkflowService:
        store = SqlStore(make_engine(self.url))
        with store.transaction(write=False) as tx:
            published = stored.published(tx)
        return WorkflowService(store, Registry(published), self.clock, WorkCalendar())

    def _svc(self) -> WorkflowService:
        if self.reload:
            self.close()
            self.service = self._build()
        return self.service

    def open(self, workflow: str, actor: Actor, data: dict[str, Any]) -> Case:
        result = self._svc().open_case(workflow, actor, data, org_unit="fulian")
        self.case_id = result.case.id
        return result.case

    def fire(self, action: str, actor: Actor, data: dict[str, Any] | None = None) -> Case:
        case = self._svc().get_case(self.case_id)
        return (
            self._svc().fire(self.case_id, action, actor, data, expected_version=case.version).case
        )

    def sweep(self, delta: timedelta) -> Case:
        self.clock.advance(delta)
        self._svc().fire_due_timers()
        return self._svc().get_case(self.case_id)

    def history(self) -> list[Event]:
        return self._svc().history(self.case_id)

    def close(self) -> None:
        store = self.service.store
        assert isinstance(store, SqlStore)
        store.engine.dispose()


@pytest.fixture(params=[pytest.param(False, id="live"), pytest.param(True, id="reload")])
def driver(
    request: pytest.FixtureRequest, db_url: str, shipped: list[Definition], clock: ManualClock
) -> Iterator[Driver]:
    d = Driver(db_url, shipped, clock, request.param)
    yield d
    d.close()


INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳财产纠纷",
    "notice_given": True,
}
ASSESS = {
    "risk_level": "medium",
    "in_scope": True,
    "organisation": "women",
    "mediator": "li.mediator",
    "domestic_violence": False,
    "crime_risk": False,
}


def actions(events: list[Event]) -> list[str]:
    return [e.action for e in events]


def test_mediation_intake_to_closed_with_follow_up_visit(driver: Driver) -> None:
    driver.open("mediation", MEDIATOR, INTAKE)
    driver.fire("register", MEDIATOR)
    assert driver.fire("start_mediation", MEDIATOR, ASSESS).state == "mediation"
    case = driver.fire("record_session", MEDIATOR, {"session_mode": "private"})
    assert case.data["sessions"] == 1
    driver.fire(
        "reach_agreement",
        MEDIATOR,
        {
            "agreement_form": "written",
            "agreement_terms": "房产份额",
            "performance_deadline": "2026-12-31",
        },
    )
    assert driver.fire("decline_confirmation", MEDIATOR).state == "follow_up"
    # Nobody visits: the reminder (80 % of 7 days) and then the escalation fire on their own.
    case = driver.sweep(timedelta(days=8))
    assert case.data["visit_escalated"] is True
    case = driver.fire(
        "record_visit",
        MEDIATOR,
        {"performance": "performed", "satisfaction": 5, "lingering_risk": False},
    )
    case = driver.fire("close_case", MEDIATOR)
    assert case.state == "closed" and case.closed_at is not None
    history = driver.history()
    assert actions(history) == [
        "open",
        "register",
        "start_mediation",
        "record_session",
        "reach_agreement",
        "decline_confirmation",
        "visit_overdue",
        "record_visit",
        "close_case",
    ]
    overdue = history[6]
    assert overdue.actor == "system" and overdue.lateness_s is not None and overdue.lateness_s > 0
    assert [e.seq for e in history] == list(range(1, 10))
    assert [e.case_version for e in history] == list(range(1, 10))


def test_mediation_domestic_violence_overrides_mediate_first(driver: Driver) -> None:
    driver.open("mediation", MEDIATOR, INTAKE)
    driver.fire("register", MEDIATOR)
    with pytest.raises(GuardFailedError):
        driver.fire("start_mediation", MEDIATOR, {**ASSESS, "domestic_violence": True})
    case = driver.fire(
        "report_police",
        MEDIATOR,
        {
            "risk_level": "high",
            "in_scope": True,
            "domestic_violence": True,
            "crime_risk": False,
            "police_report_ref": "110-1",
        },
    )
    assert case.state == "police_reported"
    assert driver.fire("close_reported", MEDIATOR).state == "closed"


def test_mediation_out_of_scope_is_referred_out(driver: Driver) -> None:
    driver.open("mediation", MEDIATOR, INTAKE)
    driver.fire("register", MEDIATOR)
    case = driver.fire("refer_out", MEDIATOR, {"in_scope": False, "referral_route": "court"})
    assert case.state == "referred_out" and case.closed_at is not None


def test_mediation_period_reminds_then_expires_and_extension_needs_consent(driver: Driver) -> None:
    driver.open("mediation", MEDIATOR, INTAKE)
    driver.fire("register", MEDIATOR)
    driver.fire("start_mediation", MEDIATOR, ASSESS)
    with pytest.raises(GuardFailedError):
        driver.fire("extend", MEDIATOR, {"both_parties_consent": False, "extension_reason": "x"})
    case = driver.sweep(timedelta(days=32))
    assert case.state == "mediation" and case.data["period_overdue"] is True
    case = driver.fire(
        "extend", MEDIATOR, {"both_parties_consent": True, "extension_reason": "双方同意"}
    )
    assert case.data["extensions"] == 1
    # The extension re-armed a fresh period: nothing is due right after it.
    assert driver.sweep(timedelta(days=1)).version == case.version


def test_mediation_reopens_on_fault_after_the_visit(driver: Driver) -> None:
    driver.open("mediation", MEDIATOR, INTAKE)
    driver.fire("register", MEDIATOR)
    driver.fire("start_mediation", MEDIATOR, ASSESS)
    driver.fire(
        "reach_agreement",
        MEDIATOR,
        {"agreement_form": "oral", "agreement_terms": "t", "performance_deadline": "2026-12-31"},
    )
    driver.fire("decline_confirmation", MEDIATOR)
    driver.fire(
        "record_visit",
        MEDIATOR,
        {"performance": "partial", "satisfaction": 1, "lingering_risk": True},
    )
    case = driver.fire(
        "reopen", ORG_ADMIN, {"mediation_fault": True, "reopen_reason": "调解员未告知权利"}
    )
    assert case.state == "mediation" and case.data["reopen_count"] == 1


REPORT = {
    "grid_unit": "g-001",
    "location": "幸福里 3 号楼",
    "category": "sanitation",
    "severity": "yellow",
    "description": "垃圾堆积",
}


def test_grid_report_climbs_tiers_until_handled_then_verified(driver: Driver) -> None:
    driver.open("grid_escalation", GRID, {})
    case = driver.fire("report", GRID, REPORT)
    assert (case.state, case.data["tier"]) == ("community_call", 1)
    case = driver.sweep(timedelta(minutes=31))  # the community did not sign for it
    assert case.data["tier"] == 2 and case.data["escalation_reason"] == "deadline missed"
    case = driver.fire("sign_for", HANDLER, {"handling_unit": "street-xingfu"})
    assert case.state == "handling"
    case = driver.fire("resolve", HANDLER, {"resolution": "已清运"})
    assert case.state == "verification"
    case = driver.fire("verify_ok", GRID, {"rating": 5})
    assert case.state == "closed"
    missed = [e for e in driver.history() if e.action == "sign_deadline_missed"]
    assert len(missed) == 1 and missed[0].note and "deadline missed" in missed[0].note


def test_grid_return_needs_a_reason(driver: Driver) -> None:
    driver.open("grid_escalation", GRID, {})
    driver.fire("report", GRID, REPORT)
    case = driver.fire("return_case", HANDLER, {"return_reason": "不属于本社区"})
    assert case.state == "community_call" and case.data["returned_count"] == 1


def test_labour_dispute_expires_after_fifteen_days_into_arbitration_advice(driver: Driver) -> None:
    driver.open(
        "labor_dispute",
        MEDIATOR,
        {
            "dispute_type": "wages",
            "applicant_side": "worker",
            "application_form": "written",
            "description": "拖欠三个月工资",
            "mediation_org": "union_workroom",
            "mediator": "li.mediator",
        },
    )
    driver.fire("accept", MEDIATOR)
    case = driver.sweep(timedelta(days=16))
    assert case.state == "arbitration_advised" and case.data["outcome"] == "period_expired"
    case = driver.fire(
        "close_advised", MEDIATOR, {"advised_route": "arbitration", "route_advice": "申请劳动仲裁"}
    )
    assert case.state == "closed"
