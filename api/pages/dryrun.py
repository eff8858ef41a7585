"""Play a draft workflow in memory: actions and clock jumps on a throw-away case.

The draft runs on its own in-memory SQLite database, its own registry holding only the draft,
and its own manual clock, through the same WorkflowService as real cases: deadlines are armed,
fired and escalated exactly as they would be, and no real case or table is touched.

Steps, one a line:
    report                         an action, by the first role allowed to take it
    sign_for handler handling_unit=c1 note="two words"
                                   an action by a role, with field values
    +2 hours                       move the clock; every deadline falling due on the way fires
                                   in order, as the sweeper would
    # a comment
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.pages.forms import convert
from engine.casework.sandbox import sandbox
from engine.clock import ManualClock
from engine.definition import KNOWN_ROLES, SYSTEM_ROLE, Definition
from engine.durations import DurationError, parse_duration
from engine.errors import FengqiaoError
from engine.loader import check_value
from engine.model import Actor, Case, Event, Timer
from engine.points import CASE_UNIT, UNIT, PointEntry, PointsEffectError, entries_for
from engine.service import WorkflowService
from engine.workcalendar import WorkCalendar

MAX_STEPS = 200
MAX_AUTO_FIRINGS = 500
DRY_ACTOR = "dry-run"
DRY_UNIT = "dry-run"


@dataclass(slots=True)
class DryStep:
    """One line of the script, or one automatic firing it caused."""

    line: int
    text: str
    kind: str  # open | action | clock | auto
    ok: bool
    at: datetime
    state_before: str = ""
    state_after: str = ""
    action: str = ""
    role: str = ""
    detail: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    reminded: int = 0
    skipped: list[str] = field(default_factory=list)
    points: list[PointEntry] = field(default_factory=list)  # what the step's `points:` wrote


@dataclass(slots=True)
class DryRun:
    steps: list[DryStep]
    final_state: str
    data: dict[str, Any]
    deadlines: list[Timer]
    started: datetime
    ended: datetime

    @property
    def automatic(self) -> list[DryStep]:
        return [s for s in self.steps if s.kind == "auto"]

    @property
    def failed(self) -> list[DryStep]:
        return [s for s in self.steps if not s.ok]


class StepError(ValueError):
    """Raised when a step line cannot be understood."""


def parse_values(
    definition: Definition, pairs: list[str], tz: str, lang: str = "en"
) -> dict[str, Any]:
    """`field=value` pairs, typed by the field declarations."""
    data: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep:
            raise StepError(f"expected field=value, got {pair!r}")
        fdef = definition.fields.get(name)
        if fdef is None:
            raise StepError(f"unknown field {name!r}")
        if text.strip().lower() in ("none", "null", ""):
            data[name] = None
            continue
        if fdef.type == "list":
            data[name] = [item.strip() for item in text.split(",") if item.strip()]
            continue
        if fdef.type == "enum":
            problem = check_value(fdef.type, fdef.values, text.strip())
            if problem:
                raise StepError(f"{name}: {problem}")
        value, error = convert(fdef, text.strip(), lang, tz)
        if error:
            raise StepError(f"{name}: {error}")
        data[name] = value
    return data


def data_lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _pick_role(definition: Definition, state: str, action: str) -> str:
    t = definition.transition(state, action)
    if t is None:
        return ""
    roles = [r for r in t.roles if r != SYSTEM_ROLE]
    return roles[0] if roles else ""


def play(
    definition: Definition,
    steps_text: str,
    opening_text: str,
    start: datetime,
    calendar: WorkCalendar,
) -> DryRun:
    """Run the script on a fresh in-memory database; nothing outlives the call."""
    with sandbox(definition, start, calendar) as (service, clock):
        return _play(definition, service, clock, steps_text, opening_text, start)


def _play(
    definition: Definition,
    service: WorkflowService,
    clock: ManualClock,
    steps_text: str,
    opening_text: str,
    start: datetime,
) -> DryRun:
    tz = service.calendar.tz
    steps: list[DryStep] = []
    owner = next((r for r in definition.owner_roles if r != SYSTEM_ROLE), "admin")
    try:
        opening = parse_values(definition, data_lines(opening_text), tz)
        # A case's unit, for `points:` that award or deduct the case's unit (`unit: case`).
        unit = DRY_UNIT if _awards_case_unit(definition) else None
        result = service.open_case(definition.name, Actor(DRY_ACTOR, owner), opening, org_unit=unit)
    except (StepError, FengqiaoError) as exc:
        steps.append(DryStep(0, "open", "open", False, start, detail=str(exc)))
        return DryRun(steps, "", {}, [], start, start)
    case_id = result.case.id
    steps.append(DryStep(0, "open", "open", True, start, "", result.case.state, "open", owner))
    seen = 1
    lines = steps_text.splitlines()[:MAX_STEPS]
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        before = service.get_case(case_id).state
        if line.startswith("+"):
            step, seen = _jump(service, clock, case_id, number, line, seen)
            steps.extend(step)
            continue
        try:
            tokens = shlex.split(line)
        except ValueError as exc:
            steps.append(
                DryStep(number, line, "action", False, clock.now(), before, before, detail=str(exc))
            )
            continue
        action, rest = tokens[0], tokens[1:]
        role = ""
        if rest and "=" not in rest[0] and rest[0] in KNOWN_ROLES:
            role, rest = rest[0], rest[1:]
        role = role or _pick_role(definition, before, action) or owner
        try:
            values = parse_values(definition, rest, tz)
            fired = service.fire(case_id, action, Actor(DRY_ACTOR, role), values)
        except (StepError, FengqiaoError) as exc:
            steps.append(
                DryStep(
                    number,
                    line,
                    "action",
                    False,
                    clock.now(),
                    before,
                    before,
                    action,
                    role,
                    str(exc),
                )
            )
            continue
        seen = fired.event.seq
        steps.append(
            DryStep(
                number,
                line,
                "action",
                True,
                clock.now(),
                before,
                fired.case.state,
                action,
                role,
                changes=dict(fired.event.changes),
                points=_points(definition, before, fired.case, fired.event),
            )
        )
    case = service.get_case(case_id)
    deadlines = service.pending_timers(case_id)
    return DryRun(steps, case.state, dict(case.data), deadlines, start, clock.now())


def _jump(
    service: WorkflowService, clock: ManualClock, case_id: int, number: int, line: str, seen: int
) -> tuple[list[DryStep], int]:
    """Move the clock, firing every timer due on the way in order, as a sweeper would."""
    before = service.get_case(case_id).state
    try:
        duration = parse_duration(line[1:].strip())
        target = duration.add(clock.now(), service.calendar)
    except DurationError as exc:
        return [DryStep(number, line, "clock", False, clock.now(), detail=str(exc))], seen
    out: list[DryStep] = []
    fired = reminded = 0
    skipped: list[str] = []
    for _ in range(MAX_AUTO_FIRINGS):
        due = [t for t in service.pending_timers(case_id) if t.fire_at <= target]
        if not due:
            break
        moment = min(t.fire_at for t in due)
        if moment > clock.now():
            clock.set(moment)
        report = service.fire_due_timers()
        fired += report.fired
        reminded += report.reminded
        skipped.extend(report.errors)
        new_events = [e for e in service.history(case_id) if e.seq > seen]
        case = service.get_case(case_id)
        for event in new_events:
            step = _auto_step(number, event)
            step.points = _points(service.definition_of(case), event.from_state or "", case, event)
            out.append(step)
            seen = event.seq
        if report.claimed == 0:
            break
    clock.set(max(target, clock.now()))
    state = service.get_case(case_id).state
    summary = DryStep(
        number,
        line,
        "clock",
        True,
        clock.now(),
        before,
        state,
        detail=str(duration),
        fired=fired,
        reminded=reminded,
        skipped=skipped,
    )
    return [summary, *out], seen


def _awards_case_unit(definition: Definition) -> bool:
    return any(
        p.account_kind == UNIT and p.account_from == CASE_UNIT
        for t in definition.transitions
        for p in t.points
    )


def _points(definition: Definition, source: str, case: Case, event: Event) -> list[PointEntry]:
    """The ledger entries the step's `points:` wrote, worked out again from the case's data
    after it (the same data the firing worked them out from)."""
    t = definition.transition(source, event.action)
    if t is None or not t.points:
        return []
    try:
        return entries_for(
            t.points,
            action=event.action,
            data=case.data,
            actor=event.actor,
            case_unit=case.org_unit or case.grid_unit,
            case_id=case.id,
            seq=event.seq,
            at=event.at,
        )
    except PointsEffectError:
        return []


def _auto_step(number: int, event: Event) -> DryStep:
    return DryStep(
        number,
        event.action,
        "auto",
        True,
        event.at,
        event.from_state or "",
        event.to_state,
        event.action,
        event.role,
        event.note or "",
        dict(event.changes),
    )
