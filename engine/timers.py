"""Timers: armed on entering a state, stale once it is left, fired by the sweep.

Arming writes a deadline (and, where the definition asks for one, a reminder before it) in
the transaction of the transition that entered the state. Sweeping fires a due deadline
through the same firing code as any action, as the system actor, with the idempotency key
``timer:<id>``; a timer whose state was left since it was armed is stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine.definition import Definition, TimerDef
from engine.errors import (
    ConflictError,
    EffectError,
    GuardFailedError,
    MissingFieldsError,
    UnknownActionError,
)
from engine.model import SYSTEM_ACTOR, Actor, Case, FireResult, Notification, SweepReport, Timer
from engine.ports import DuplicateKeyError, Transaction
from engine.workcalendar import WorkCalendar


class FireFn(Protocol):
    """How the sweep fires a deadline's action: the service's own firing."""

    def __call__(
        self,
        tx: Transaction,
        case: Case,
        action: str,
        actor: Actor,
        payload: dict[str, Any],
        idempotency_key: str | None,
        lateness: float | None = None,
        note: str | None = None,
    ) -> FireResult: ...


# -- arming ---------------------------------------------------------------------------------
def arm(
    tx: Transaction,
    timers: Iterable[TimerDef],
    case: Case,
    start: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> None:
    """Arm the state's `timers` for `case`, counting from `start` (when it entered the state)."""
    armed = []
    for tdef in timers:
        due = due_at(tdef, case.data, start, calendar)
        if due is None:
            continue
        armed.append(
            Timer(case.id, tdef.name, "deadline", due, case.entered_seq, action=tdef.action)
        )
        if tdef.remind_at is not None and tdef.notify and due > now:
            remind = max(now, start + (due - start) * tdef.remind_at)
            armed.append(Timer(case.id, tdef.name, "reminder", remind, case.entered_seq))
    if armed:
        tx.arm_timers(armed)


def due_at(
    tdef: TimerDef, data: Mapping[str, Any], start: datetime, calendar: WorkCalendar
) -> datetime | None:
    """When a timer falls due: at the moment a field names, or a duration after `start`."""
    if tdef.at_field:
        at = as_moment(data.get(tdef.at_field), calendar.tz)
        if at is not None:
            return at
    duration = tdef.after.pick(data)
    if duration is None:
        return None
    due = duration.add(start, calendar)
    if tdef.working_days_only:
        due = calendar.roll_forward(due)
    return due


def as_moment(value: object, tz: str) -> datetime | None:
    """A date or datetime (or its ISO text) as an aware moment; a bare date means 09:00."""
    if isinstance(value, str):
        try:
            parse = date.fromisoformat if len(value) == 10 else datetime.fromisoformat
            value = parse(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, date):
        return datetime.combine(value, time(9, 0), tzinfo=ZoneInfo(tz))
    return None


# -- sweeping -------------------------------------------------------------------------------
def timer_key(timer: Timer) -> str:
    """The idempotency key a timer fires with: firing it twice changes the case once."""
    return f"timer:{timer.id}"


def timer_def(definition: Definition, state: str, name: str) -> TimerDef | None:
    st = definition.states.get(state)
    if st is None:
        return None
    return next((t for t in st.timers if t.name == name), None)


def fire_timer(
    tx: Transaction,
    timer: Timer,
    now: datetime,
    report: SweepReport,
    definition_of: Callable[[Case], Definition],
    fire: FireFn,
) -> None:
    """Fire one claimed timer and record its outcome on it and in `report`."""
    lateness = max(0.0, (now - timer.fire_at).total_seconds())
    timer.fired_at = now
    timer.next_attempt_at = None
    timer.lateness_s = lateness
    case = tx.get_case(timer.case_id)
    if case is None or case.entered_seq != timer.armed_seq:
        timer.status = "stale"
        report.stale += 1
        tx.finish_timer(timer)
        return
    definition = definition_of(case)
    tdef = timer_def(definition, case.state, timer.name)
    notify = tdef.notify if tdef else ()
    if timer.kind == "reminder" or timer.action is None:
        kind = "reminder" if timer.kind == "reminder" else "deadline"
        tx.add_notifications(
            [
                Notification(case.id, r, kind, now, f"{kind}:{timer.name}", case.org_unit)
                for r in notify
            ]
        )
        timer.status = "fired"
        report.reminded += 1
        tx.finish_timer(timer)
        return
    # A deadline someone missed, or a planned step (a parked case resumes, a window closes).
    note = f"deadline missed: {timer.name}" if tdef is None or tdef.deadline else timer.name
    if tdef and tdef.reason:
        note += f" ({tdef.reason.zh} / {tdef.reason.en})"
    if lateness >= 1:
        note += f"; fired {human(lateness)} late"
    try:
        with tx.savepoint():
            fire(tx, case, timer.action, SYSTEM_ACTOR, {}, timer_key(timer), lateness, note)
    except (UnknownActionError, GuardFailedError, MissingFieldsError, EffectError) as exc:
        timer.status = "skipped"
        timer.note = str(exc)
        report.skipped += 1
        report.errors.append(f"timer {timer.id}: {exc}")
        tx.add_notifications(
            [
                Notification(
                    case.id,
                    "supervisor",
                    "deadline",
                    now,
                    f"deadline:{timer.name}",
                    case.org_unit,
                )
            ]
        )
    except DuplicateKeyError:
        # Fired before (its event is in the history) but not marked: mark it now.
        timer.status = "fired"
        timer.note = "already fired"
        report.stale += 1
    except ConflictError as exc:
        # The case changed under the sweep: the timer stays pending for the next one.
        report.errors.append(f"timer {timer.id}: {exc}")
        return
    else:
        timer.status = "fired"
        report.fired += 1
        report.max_lateness_s = max(report.max_lateness_s, lateness)
    tx.finish_timer(timer)


def human(seconds: float) -> str:
    """A lateness in words: "2 d 3 h", "1 h 5 min", "7 min", "30 s"."""
    d = timedelta(seconds=round(seconds))
    if d.days:
        return f"{d.days} d {d.seconds // 3600} h"
    if d.seconds >= 3600:
        return f"{d.seconds // 3600} h {d.seconds % 3600 // 60} min"
    if d.seconds >= 60:
        return f"{d.seconds // 60} min"
    return f"{d.seconds} s"
