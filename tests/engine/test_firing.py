"""A firing checks everything before its first write, then writes through the transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import (
    ConflictError,
    GuardFailedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.firing import fire_in
from engine.model import Actor, Case, Event, Notification, Timer
from engine.plans import plan_for
from engine.workcalendar import WorkCalendar

MEDIATOR = Actor("li", "mediator")
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ASSESSED = {
    "category": "family",
    "source": "hotline",
    "description": "d",
    "notice_given": True,
    "risk_level": "low",
    "in_scope": True,
    "organisation": "women",
    "mediator": "li",
    "domestic_violence": False,
    "crime_risk": False,
    "sessions": 0,
}


class Recorder:
    """A transaction that holds one case and records every write."""

    def __init__(self, case: Case, stale: bool = False) -> None:
        self.case = case
        self.stale = stale
        self.writes: list[tuple[str, Any]] = []

    def get_case(self, case_id: int) -> Case | None:
        return self.case

    def update_case(self, case: Case, expected_version: int) -> bool:
        if self.stale or expected_version != self.case.version:
            return False
        self.writes.append(("case", case))
        return True

    def append_event(self, event: Event) -> None:
        self.writes.append(("event", event))

    def cancel_timers(self, case_id: int, at: datetime) -> None:
        self.writes.append(("cancel", at))

    def arm_timers(self, timers: Sequence[Timer]) -> None:
        self.writes.append(("arm", list(timers)))

    def add_notifications(self, notes: Sequence[Notification]) -> None:
        self.writes.append(("notify", list(notes)))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        yield


def _assessing(d: Definition, **data: Any) -> Case:
    return Case(
        7, d.name, d.version, "assessment", {**ASSESSED, **data}, 2, START, START, START, 2, 2
    )


@pytest.fixture
def mediation(shipped: list[Definition]) -> Definition:
    return next(d for d in shipped if d.name == "mediation")


def _fire(d: Definition, tx: Recorder, action: str, actor: Actor = MEDIATOR, **payload: Any) -> Any:
    clock = ManualClock(START + timedelta(hours=1))
    return fire_in(
        tx,  # type: ignore[arg-type]
        plan_for(d),
        tx.case,
        action,
        actor,
        payload,
        None,
        clock,
        WorkCalendar(),
    )


@pytest.mark.parametrize(
    ("action", "actor", "payload", "data", "error"),
    [
        pytest.param("no_such", MEDIATOR, {}, {}, UnknownActionError, id="action"),
        pytest.param(
            "start_mediation", Actor("g", "grid_member"), {}, {}, RoleNotAllowedError, id="role"
        ),
        pytest.param(
            "start_mediation", MEDIATOR, {"sessions": -1}, {}, InvalidDataError, id="data"
        ),
        pytest.param(
            "start_mediation", MEDIATOR, {}, {"mediator": ""}, MissingFieldsError, id="req"
        ),
        pytest.param(
            "start_mediation", MEDIATOR, {}, {"crime_risk": True}, GuardFailedError, id="guard"
        ),
    ],
)
def test_a_refused_firing_writes_nothing(
    mediation: Definition,
    action: str,
    actor: Actor,
    payload: dict[str, Any],
    data: dict[str, Any],
    error: type[Exception],
) -> None:
    tx = Recorder(_assessing(mediation, **data))
    with pytest.raises(error):
        _fire(mediation, tx, action, actor, **payload)
    assert tx.writes == []


def test_a_stale_version_is_a_conflict_after_which_nothing_more_is_written(
    mediation: Definition,
) -> None:
    tx = Recorder(_assessing(mediation), stale=True)
    with pytest.raises(ConflictError):
        _fire(mediation, tx, "start_mediation")
    assert tx.writes == []


def test_a_firing_writes_case_event_and_timers_in_that_order(mediation: Definition) -> None:
    tx = Recorder(_assessing(mediation))
    result = _fire(mediation, tx, "start_mediation", lawyer="王律师")
    kinds = [k for k, _ in tx.writes]
    # Assessment has no timers to make stale; the mediation period is armed, the
    # organisation told.
    assert kinds == ["case", "event", "arm", "notify"]
    assert result.case.state == "mediation" and result.case.version == 3
    assert result.case.entered_seq == result.case.last_seq == 3
    assert result.event.data == {"lawyer": "王律师"}
    assert [t.name for t in tx.writes[2][1]] == ["mediation_period", "mediation_period"]

    again = Recorder(result.case)
    _fire(mediation, again, "record_session", session_mode="private")
    # An internal transition stays in its state: its timers keep running.
    assert [k for k, _ in again.writes] == ["case", "event"]
    assert again.writes[0][1].data["sessions"] == 1
    assert again.writes[1][1].changes == {"sessions": 1}
