"""Timers: armed on entering a state, stale once it is left, fired by the sweep.

A case-level timer (the workflow's `timers:`) is armed for the case instead (engine.case_timers)
and is stale once the case is closed. A recurring timer (`every:`) is one row per occurrence:
firing one arms the next, counted from the series' start, not from when the sweep ran, so an
occurrence missed while nothing ran is armed already past due and fired by the next batch with
its own lateness: every occurrence is recorded, each once (its own row, its own key).

Arming writes a deadline (and, where the definition asks for one, a reminder before it) in
the transaction of the transition that entered the state. Sweeping fires a due deadline
through the same firing code as any action, as the system actor, with the idempotency key
``timer:<id>``; a timer whose state was left since it was armed is stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine.definition import TASK_TIMER_PREFIX, Definition, TimerDef
from engine.errors import (
    ConflictError,
    EffectError,
    GuardFailedError,
    MissingFieldsError,
    UnknownActionError,
)
from engine.model import (
    CASE_ARMED,
    DEADLINE,
    REMINDER,
    SYSTEM_ACTOR,
    Actor,
    Case,
    FireResult,
    SweepReport,
    Timer,
)
from engine.notices import notices
from engine.ports import DuplicateKeyError, Transaction
from engine.recurrence import MAX_OCCURRENCES
from engine.version_cache import PerVersion
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
        armed_from: datetime | None = None,
    ) -> FireResult: ...


#: What a bare date in a field means as a moment: the end of that day.
END_OF_DAY = time(23, 59, 59)


# -- arming ---------------------------------------------------------------------------------
def arm(
    tx: Transaction,
    timers: Iterable[TimerDef],
    case: Case,
    start: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> None:
    """Arm the state's `timers` for `case`, counting from `start` (when it entered the state)
    or, for a timer with `from_field`, from the moment that field names."""
    armed = []
    for tdef in timers:
        seq = CASE_ARMED if tdef.case_level else case.entered_seq
        begin = period_start(tdef, case, start, calendar)
        if tdef.every is not None:
            first = occurrence_due(tdef, case.data, begin, 1, None, calendar)
            if first is not None:
                armed.append(
                    Timer(case.id, tdef.name, DEADLINE, first, seq, tdef.action, occurrence=1)
                )
            continue
        due = due_at(tdef, case.data, begin, calendar)
        if due is None:
            continue
        armed.append(Timer(case.id, tdef.name, DEADLINE, due, seq, action=tdef.action))
        if tdef.remind_at is not None and tdef.notify and due > now:
            remind = max(now, remind_at(tdef, tdef.remind_at, case.data, begin, due, calendar))
            armed.append(Timer(case.id, tdef.name, REMINDER, remind, seq))
    if armed:
        tx.arm_timers(armed)


def occurrence_due(
    tdef: TimerDef,
    data: Mapping[str, Any],
    begin: datetime,
    k: int,
    previous: datetime | None,
    calendar: WorkCalendar,
) -> datetime | None:
    """When the k-th occurrence of a recurring timer falls due (`previous`: the (k-1)-th's
    moment, if known), or None once the series has ended: more than `count` occurrences,
    or past the moment its `until` field names."""
    every = tdef.every
    if every is None or k > (tdef.count or MAX_OCCURRENCES):
        return None
    if previous is None or tdef.working_days_only:
        due = every.nth(begin, k, calendar)
    else:
        due = every.after(previous, begin, k - 1, calendar)
    if tdef.working_days_only:
        due = calendar.roll_forward(due)
    if tdef.until_field is not None:
        end = as_moment(data.get(tdef.until_field), calendar.tz)
        if end is not None and due > end:
            return None
    return due


def is_live(timer: Timer, case: Case, tdef: TimerDef | None) -> bool:
    """Whether a timer still counts: a state's timer while the case stays where it was
    armed; a case-level timer while the case is open and has not reached its `until_state`."""
    if timer.armed_seq != CASE_ARMED:
        return case.entered_seq == timer.armed_seq
    return case.closed_at is None and (tdef is None or case.state not in tdef.until_state)


#: Duration units counted in whole days: a period of them that starts on a day does not
#: count that day and ends at the end of its last day (民法典 art. 201, 203).
DAY_UNITS = ("days", "weeks", "months", "half_months")


def period_start(tdef: TimerDef, case: Case, entered: datetime, calendar: WorkCalendar) -> datetime:
    """When a timer's period begins: when the case entered the state, or, for a timer with
    `from_field`, the moment that field names (the case's opening while it is empty). A
    period of days counted from a day (a date field, or the opening) begins at the end of
    that day: the day itself is not counted (民法典 art. 201), so 15 days from an application
    received on 20 November end with 5 December (LDMAL art. 14)."""
    if tdef.from_field is None:
        return case.opened_at if tdef.case_level else entered
    value = case.data.get(tdef.from_field)
    begin = as_moment(value, calendar.tz) or case.opened_at
    duration = tdef.after.pick(case.data)
    unit = tdef.every.unit if tdef.every is not None else duration and duration.unit
    if unit in DAY_UNITS:
        begin = _end_of_day(calendar.local(begin), calendar.zone)
    return begin


@lru_cache(maxsize=4096)
def _end_of_day(moment: datetime, zone: tzinfo) -> datetime:
    """The end of `moment`'s local day in `zone` (a sweep asks it of the same few days)."""
    return datetime.combine(moment.astimezone(zone).date(), END_OF_DAY, tzinfo=zone)


WORKING_UNITS = ("working_days", "working_hours")


def remind_at(
    tdef: TimerDef,
    share: float,
    data: Mapping[str, Any],
    start: datetime,
    due: datetime,
    calendar: WorkCalendar,
) -> datetime:
    """The moment `share` of the period from `start` to `due` has passed. A period counted
    in working time (its duration is in working days or hours, and no field named its end)
    is shared out in working time, so the reminder falls inside working hours on a working
    day; any other period in elapsed time."""
    duration = tdef.after.pick(data)
    named = tdef.at_field is not None and as_moment(data.get(tdef.at_field), calendar.tz)
    if duration is not None and duration.unit in WORKING_UNITS and not named:
        working = calendar.working_seconds_between(start, due)
        if working > 0:
            return calendar.add_working_seconds(start, working * share)
    return start + (due - start) * share


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
    """A date or datetime (or its ISO text) as an aware moment. A bare date means the end of
    that day (23:59:59 local time): a visit planned for a day is in time all that day."""
    if isinstance(value, str):
        return _moment_of_text(value, tz)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY, tzinfo=ZoneInfo(tz))
    return None


@lru_cache(maxsize=4096)
def _moment_of_text(value: str, tz: str) -> datetime | None:
    """`as_moment` of ISO text: a pure function of the text, read once for the many cases a
    sweep finds holding the same date (a project's end, a series' start)."""
    try:
        parse = date.fromisoformat if len(value) == 10 else datetime.fromisoformat
        parsed = parse(value)
    except ValueError:
        return None
    return as_moment(parsed, tz)


# -- sweeping -------------------------------------------------------------------------------
def timer_key(timer: Timer) -> str:
    """The idempotency key a timer fires with: firing it twice changes the case once."""
    return f"timer:{timer.id}"


def timer_def(definition: Definition, state: str, name: str) -> TimerDef | None:
    """The timer `name` of `state`, the case's own, the one of another state kept running
    through it, or a task's deadline (``task:<id>``, engine.tasks)."""
    st = definition.states.get(state)
    if st is None:
        return None
    if name.startswith(TASK_TIMER_PREFIX):
        number = name.removeprefix(TASK_TIMER_PREFIX)
        return st.tasks.timer(int(number)) if st.tasks and number.isdigit() else None
    # Looked up once per version, state and name: a sweep asks the same few again and again.
    # (A task's is not kept: its name holds the task's id, one name per task.)
    found = _timer_defs(definition)
    key = (state, name)
    if key in found:
        return found[key]
    tdef = found[key] = _find_timer_def(definition, state, name)
    return tdef


_timer_defs: PerVersion[dict[tuple[str, str], TimerDef | None]] = PerVersion(lambda _: {})


def _find_timer_def(definition: Definition, state: str, name: str) -> TimerDef | None:
    own = next((t for t in definition.states[state].timers if t.name == name), None)
    if own is not None:
        return own
    of_case = next((t for t in definition.timers if t.name == name), None)
    if of_case is not None:
        return of_case
    return next(
        (
            t
            for other in definition.states.values()
            for t in other.timers
            if t.name == name and state in t.keep_through
        ),
        None,
    )


def fire_timer(
    tx: Transaction,
    timer: Timer,
    now: datetime,
    report: SweepReport,
    definition_of: Callable[[Case], Definition],
    fire: FireFn,
    calendar: WorkCalendar | None = None,
) -> None:
    """Fire one claimed timer and record its outcome on it and in `report`; a recurring
    timer's next occurrence is armed with it (`calendar`: the service's)."""
    lateness = max(0.0, (now - timer.fire_at).total_seconds())
    timer.fired_at = now
    timer.next_attempt_at = None
    timer.lateness_s = lateness
    case = tx.get_case(timer.case_id)
    definition = definition_of(case) if case is not None else None
    tdef = (
        timer_def(definition, case.state, timer.name)
        if case is not None and definition is not None
        else None
    )
    if case is None or not is_live(timer, case, tdef):
        timer.status = "stale"
        report.stale += 1
        tx.finish_timer(timer)
        return
    recurring = tdef if timer.occurrence is not None and tdef and tdef.every else None
    notify = tdef.notify if tdef else ()
    if timer.kind == REMINDER or timer.action is None:
        kind = REMINDER if timer.kind == REMINDER else DEADLINE
        tx.add_notifications(notices(tx, case, notify, kind, now, f"{kind}:{timer.name}"))
        timer.status = "fired"
        report.reminded += 1
        if recurring is not None:
            arm_next(tx, timer, recurring, calendar or WorkCalendar())
        tx.finish_timer(timer)
        return
    subject = f"{DEADLINE}:{timer.name}"
    # The unit holding a grid case's deadline, resolved now: the case may climb a tier below.
    # Any other case's notices go to its organisation, which a firing does not change: they
    # are made only if they are sent (the deadline could not fire).
    held_by = None
    if case.grid_unit is not None:
        held_by = notices(tx, case, notify, DEADLINE, now, subject)
    # A deadline someone missed, or a planned step (a parked case resumes, a window closes).
    note = f"deadline missed: {timer.name}" if tdef is None or tdef.deadline else timer.name
    if tdef and tdef.reason:
        note += f" ({tdef.reason.zh} / {tdef.reason.en})"
    if lateness >= 1:
        note += f"; fired {human(lateness)} late"
    try:
        with tx.savepoint():
            # A deadline missed while nothing ran counts from its own due time: the state
            # it re-enters (one tier up) arms its next deadline from then, so a case two
            # deadlines late climbs two tiers, each firing with its own lateness.
            fire(
                tx,
                case,
                timer.action,
                SYSTEM_ACTOR,
                {},
                timer_key(timer),
                lateness,
                note,
                armed_from=min(timer.fire_at, now),
            )
            if held_by is not None:
                # A grid deadline also tells the unit that missed it (the escalation's own
                # notices go to the unit it climbs to).
                tx.add_notifications(held_by)
    except (UnknownActionError, GuardFailedError, MissingFieldsError, EffectError) as exc:
        timer.status = "skipped"
        timer.note = str(exc)
        report.skipped += 1
        report.errors.append(f"timer {timer.id}: {exc}")
        if held_by is None:
            held_by = notices(tx, case, notify, DEADLINE, now, subject)
        tx.add_notifications([*held_by, *notices(tx, case, ["supervisor"], DEADLINE, now, subject)])
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
    if recurring is not None and timer.note != "already fired":
        arm_next(tx, timer, recurring, calendar or WorkCalendar())
    tx.finish_timer(timer)


def arm_next(tx: Transaction, timer: Timer, tdef: TimerDef, calendar: WorkCalendar) -> None:
    """Arm the occurrence after `timer` (fired, or skipped: the series goes on) unless the
    series has ended or the case no longer runs it. It is counted from the series' start:
    one already past due (the sweep did not run for a while) fires in the next batch, late."""
    case = tx.get_case(timer.case_id)
    if case is None or not is_live(timer, case, tdef) or timer.occurrence is None:
        return
    entered = case.state_entered_at
    begin = period_start(tdef, case, entered, calendar)
    k = timer.occurrence + 1
    due = occurrence_due(tdef, case.data, begin, k, timer.fire_at, calendar)
    if due is not None:
        tx.arm_timers(
            [
                Timer(
                    case.id,
                    timer.name,
                    DEADLINE,
                    due,
                    timer.armed_seq,
                    action=timer.action,
                    occurrence=k,
                )
            ]
        )


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
