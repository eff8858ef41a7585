"""The service's promises: all or nothing, optimistic versions, idempotent retries, clear errors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from engine.casework.publishing import with_version
from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import (
    CaseNotFoundError,
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.loader import parse_definition
from engine.model import Actor, Case, Event
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.db import make_engine
from engine.store.migrate import upgrade
from engine.store.repository import SqlStore
from engine.workcalendar import WorkCalendar

MEDIATOR = Actor("li", "mediator")
INTAKE = {"category": "family", "source": "hotline", "description": "d", "notice_given": True}


def test_stale_expected_version_is_a_conflict_and_writes_nothing(service: WorkflowService) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE).case
    service.fire(case.id, "register", MEDIATOR, expected_version=1)
    with pytest.raises(ConflictError) as err:
        service.fire(case.id, "party_refuses", MEDIATOR, expected_version=1)
    assert (err.value.expected, err.value.actual) == (1, 2)
    assert service.get_case(case.id).state == "assessment"
    assert [e.action for e in service.history(case.id)] == ["open", "register"]


def test_a_retried_firing_returns_the_first_result_and_is_applied_once(
    service: WorkflowService,
) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE, idempotency_key="open-1").case
    again = service.open_case("mediation", MEDIATOR, INTAKE, idempotency_key="open-1")
    assert again.replayed and again.case.id == case.id
    first = service.fire(case.id, "register", MEDIATOR, expected_version=1, idempotency_key="k-1")
    retry = service.fire(case.id, "register", MEDIATOR, expected_version=1, idempotency_key="k-1")
    assert retry.replayed and not first.replayed
    assert retry.event == first.event
    assert [e.action for e in service.history(case.id)] == ["open", "register"]
    with pytest.raises(IdempotencyKeyReusedError):
        service.fire(case.id, "party_refuses", MEDIATOR, idempotency_key="k-1")


def test_a_case_the_caller_may_not_see_is_not_found_and_nothing_is_written(
    service: WorkflowService,
) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE).case
    seen: list[int] = []

    def visible(c: Case) -> bool:
        seen.append(c.version)
        return c.org_unit == "women"

    with pytest.raises(CaseNotFoundError):
        service.fire(case.id, "register", MEDIATOR, visible=visible)
    assert seen == [1]  # asked of the case as read in the firing's transaction
    assert [e.action for e in service.history(case.id)] == ["open"]
    service.fire(case.id, "register", MEDIATOR, idempotency_key="k-v")
    # A retry is asked too: a case no longer visible is not replayed.
    with pytest.raises(CaseNotFoundError):
        service.fire(case.id, "register", MEDIATOR, idempotency_key="k-v", visible=visible)
    replay = service.fire(
        case.id, "register", MEDIATOR, idempotency_key="k-v", visible=lambda c: True
    )
    assert replay.replayed and replay.case.state == "assessment"
    with pytest.raises(CaseNotFoundError):
        service.fire(10_000, "register", MEDIATOR, visible=lambda c: True)


@pytest.mark.parametrize(
    ("action", "actor", "data", "error", "text"),
    [
        pytest.param(
            "registr", MEDIATOR, {}, UnknownActionError, "did you mean 'register'", id="typo"
        ),
        pytest.param(
            "register", Actor("g", "grid_member"), {}, RoleNotAllowedError, "grid_member", id="role"
        ),
        pytest.param(
            "register",
            MEDIATOR,
            {"categroy": "x"},
            InvalidDataError,
            "did you mean 'category'",
            id="field",
        ),
        pytest.param(
            "register",
            MEDIATOR,
            {"category": "famly"},
            InvalidDataError,
            "did you mean 'family'",
            id="enum",
        ),
        pytest.param(
            "register",
            MEDIATOR,
            {"description": ""},
            MissingFieldsError,
            "description",
            id="missing",
        ),
    ],
)
def test_refused_firings_say_why_and_write_nothing(
    service: WorkflowService,
    action: str,
    actor: Actor,
    data: dict[str, object],
    error: type[Exception],
    text: str,
) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE).case
    with pytest.raises(error, match=text):
        service.fire(case.id, action, actor, data)
    assert service.get_case(case.id).version == 1
    assert len(service.history(case.id)) == 1


def test_int_bounds_are_checked(service: WorkflowService) -> None:
    with pytest.raises(InvalidDataError, match="at least 1"):
        service.open_case("labor_dispute", MEDIATOR, {"workers_count": 0})


def test_leaving_a_state_makes_its_timers_stale(
    service: WorkflowService, clock: ManualClock
) -> None:
    grid = Actor("g", "grid_member")
    case = service.open_case("grid_escalation", grid, {}).case
    report = {
        "grid_unit": "g1",
        "location": "l",
        "category": "other",
        "severity": "blue",
        "description": "d",
    }
    service.fire(case.id, "report", grid, report)

    def deadlines() -> list[str]:
        return [t.name for t in service.pending_timers(case.id) if t.kind == "deadline"]

    assert deadlines() == ["sign_for_deadline"]
    service.fire(case.id, "sign_for", Actor("h", "handler"), {"handling_unit": "c1"})
    assert deadlines() == ["handling_deadline"]
    clock.advance(timedelta(hours=80))
    report_ = service.fire_due_timers()
    assert report_.fired == 1
    # The community signed in time: only the handling deadline escalated, once.
    assert [e.action for e in service.history(case.id)][-1] == "handling_deadline_missed"
    assert service.get_case(case.id).data["tier"] == 2


def test_timers_fire_once_even_when_swept_twice(
    service: WorkflowService, clock: ManualClock
) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE).case
    service.fire(case.id, "register", MEDIATOR)
    service.fire(
        case.id,
        "start_mediation",
        MEDIATOR,
        {
            "risk_level": "low",
            "in_scope": True,
            "organisation": "women",
            "mediator": "li",
            "domestic_violence": False,
            "crime_risk": False,
        },
    )
    clock.advance(timedelta(days=40))
    first = service.fire_due_timers()
    second = service.fire_due_timers()
    assert (first.fired, first.reminded, second.claimed) == (1, 1, 0)
    assert [e.action for e in service.history(case.id)].count("period_expired") == 1


def test_two_writers_on_one_case_on_postgresql(
    pg_url: str, shipped: list[Definition], clock: ManualClock
) -> None:
    """Real connections, truly concurrent: each round one wins, the other gets a conflict."""
    engines = [make_engine(pg_url) for _ in range(2)]
    upgrade(engines[0])
    services = [
        WorkflowService(SqlStore(e), Registry(shipped), clock, WorkCalendar()) for e in engines
    ]
    rounds = 15
    try:
        for _ in range(rounds):
            case = services[0].open_case("mediation", MEDIATOR, INTAKE).case
            barrier = threading.Barrier(2)
            outcomes: list[str] = []

            def writer(
                svc: WorkflowService,
                action: str,
                case_id: int = case.id,
                b: threading.Barrier = barrier,
                out: list[str] = outcomes,
            ) -> None:
                b.wait()
                try:
                    svc.fire(case_id, action, MEDIATOR, expected_version=1)
                    out.append("won")
                except ConflictError:
                    out.append("conflict")

            threads = [
                threading.Thread(target=writer, args=(services[0], "register")),
                threading.Thread(target=writer, args=(services[1], "party_refuses")),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(outcomes) == ["conflict", "won"]
            history = services[0].history(case.id)
            assert len(history) == 2 and history[-1].case_version == 2
    finally:
        for e in engines:
            e.dispose()


def test_a_running_case_stays_on_its_version_until_migrated(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    old_def = next(d for d in shipped if d.name == "labor_dispute")
    was, now = old_def.version, old_def.version + 1
    new_def = parse_definition(
        with_version(old_def.source, now).replace("after: 15 days", "after: 20 days"),
        file=f"labor_dispute@v{now}",
    )
    service = WorkflowService(store, Registry([*shipped, new_def]), clock, WorkCalendar())
    intake = {
        "dispute_type": "wages",
        "applicant_side": "worker",
        "application_form": "oral",
        "description": "欠薪",
        "mediation_org": "union_workroom",
        "mediator": "zhou",
    }
    old = service.open_case("labor_dispute", MEDIATOR, intake, version=was).case
    new = service.open_case("labor_dispute", MEDIATOR, intake).case
    assert (old.workflow_version, new.workflow_version) == (was, now)
    service.fire(old.id, "accept", MEDIATOR)
    due_before = next(t for t in service.pending_timers(old.id) if t.kind == "deadline").fire_at
    moved = service.migrate_case(old.id, now, Actor("root", "admin"), expected_version=2).case
    assert moved.workflow_version == now and moved.state == "mediation"
    assert service.get_case(old.id).workflow_version == now
    deadline = next(t for t in service.pending_timers(old.id) if t.kind == "deadline")
    assert deadline.fire_at - due_before == timedelta(days=5)
    assert service.history(old.id)[-1].action == "migrate"


class _HidesKeysOnce:
    """A store whose first idempotency lookup misses: a retry that raced its first try.
    Only that lookup: once the insert is refused, the winner's event is there to be found
    (on SQLite, which names no constraint, the store looks the key up to tell why)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.hidden = False

    def follow_definitions(self, lookup: Callable[[str, int], Definition]) -> None:
        self.store.follow_definitions(lookup)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        with self.store.transaction(write) as tx:
            if not self.hidden:
                self.hidden = True
                lookup = tx.event_by_key

                def misses_once(key: str) -> Event | None:
                    tx.event_by_key = lookup  # type: ignore[method-assign]
                    return None

                tx.event_by_key = misses_once  # type: ignore[method-assign]
                try:
                    yield tx
                finally:
                    tx.event_by_key = lookup  # type: ignore[method-assign]
            else:
                yield tx


def test_a_retry_that_lost_the_race_returns_the_winners_result_and_writes_nothing(
    store: SqlStore, service: WorkflowService
) -> None:
    first = service.open_case("mediation", MEDIATOR, INTAKE, idempotency_key="race-1")
    racer = WorkflowService(
        _HidesKeysOnce(store),
        service.registry,
        service.clock,
        service.calendar,
    )
    again = racer.open_case("mediation", MEDIATOR, INTAKE, idempotency_key="race-1")
    assert again.replayed and again.case.id == first.case.id
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM timers")).scalar_one() == 0
    # The store's connection is clean after the refused insert: firing goes on.
    service.fire(first.case.id, "register", MEDIATOR, expected_version=1, idempotency_key="r-2")
    assert [e.action for e in service.history(first.case.id)] == ["open", "register"]


def test_a_refused_firing_leaves_the_connection_usable(
    store: SqlStore, service: WorkflowService
) -> None:
    case = service.open_case("mediation", MEDIATOR, INTAKE).case
    for _ in range(3):
        with pytest.raises(ConflictError):
            service.fire(case.id, "register", MEDIATOR, expected_version=9)
        with pytest.raises(MissingFieldsError):
            service.fire(case.id, "register", MEDIATOR, {"description": ""})
    assert service.fire(case.id, "register", MEDIATOR, expected_version=1).case.version == 2
    assert [e.action for e in service.history(case.id)] == ["open", "register"]


def test_a_refusal_lists_only_the_actions_the_asking_user_may_take(
    service: WorkflowService,
) -> None:
    grid = Actor("zhao", "grid_member")
    case = service.open_case("grid_escalation", grid, {}).case
    report = {
        "grid_unit": "g1",
        "location": "东门",
        "category": "road_facility",
        "severity": "red",
        "description": "井盖缺失",
    }
    service.fire(case.id, "report", grid, report)
    with pytest.raises(UnknownActionError) as handler_err:
        service.fire(case.id, "sign", Actor("chen", "handler"), {})
    # The handler's own actions; never the system's (sign_deadline_missed) nor the admins'.
    assert set(handler_err.value.allowed) == {
        "sign_for",
        "escalate",
        "refer_district",
        "return_case",
    }
    assert "did you mean 'sign_for'" in str(handler_err.value)
    with pytest.raises(UnknownActionError) as grid_err:
        service.fire(case.id, "sign", grid, {})
    assert grid_err.value.allowed == []
    assert "did you mean" not in str(grid_err.value)
