"""Timers of the whole case (the workflow's `timers:`), whatever state it is in.

A case-level timer counts from the case's opening or, with `from_field` (or `at_field`),
from the moment that field names: it is armed when the case opens if it can be, else when
an action first gives the field a value, and armed again (the running one cancelled) when an
action changes that value. It keeps running through every state (leaving a state cancels only
that state's timers) and is cancelled when the case reaches a final state; a recurring one
(`every:`) also when the case reaches one of its `until_state` states. Its rows carry
`armed_seq` CASE_ARMED (engine.model), which is how the sweep tells them from a state's
timers (engine.timers.is_live).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.definition import TimerDef
from engine.model import Case
from engine.ports import Transaction
from engine.timers import arm
from engine.workcalendar import WorkCalendar


def start_field(tdef: TimerDef) -> str | None:
    """The field whose value starts (or places) a case-level timer, if any."""
    return tdef.from_field or tdef.at_field


def on_open(
    tx: Transaction,
    timers: tuple[TimerDef, ...],
    case: Case,
    now: datetime,
    calendar: WorkCalendar,
) -> None:
    """Arm the case's timers that can start now: those counting from the opening, and those
    whose field the case was opened with."""
    ready = [t for t in timers if _started(t, case.data) and case.state not in t.until_state]
    if ready:
        arm(tx, ready, case, now, now, calendar)


def on_fire(
    tx: Transaction,
    timers: tuple[TimerDef, ...],
    before: Case,
    after: Case,
    written: Mapping[str, Any],
    now: datetime,
    calendar: WorkCalendar,
) -> None:
    """After a firing: cancel every case-level timer if the case closed; cancel the
    recurring ones whose `until_state` it entered; re-arm those whose field it changed."""
    if after.closed_at is not None:
        tx.cancel_named_timers([(after.id, t.name) for t in timers], now)
        return
    ended = [t for t in timers if after.state in t.until_state and before.state != after.state]
    restarted = [
        t
        for t in timers
        if (f := start_field(t)) is not None
        and f in written
        and written[f] not in (None, "")
        and written[f] != before.data.get(f)
        and after.state not in t.until_state
    ]
    if ended or restarted:
        tx.cancel_named_timers([(after.id, t.name) for t in (*ended, *restarted)], now)
    if restarted:
        arm(tx, restarted, after, now, now, calendar)


def _started(tdef: TimerDef, data: Mapping[str, Any]) -> bool:
    f = start_field(tdef)
    return f is None or data.get(f) not in (None, "")
