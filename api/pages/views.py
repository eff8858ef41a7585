"""View models: cases, events and deadlines as the templates show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.masking import mask_value
from api.pages.formatting import Due, due, local, span
from api.pages.forms import Widget, action_fields, display_value, widgets
from api.pages.i18n import translate
from api.pages.messages import definition_names, engine_text
from engine.casework.case_records import EVENTS as RECORDED_CHANGES
from engine.casework.merging import EVENTS as MERGE_EVENTS
from engine.casework.tasks import EVENTS as TASK_EVENTS
from engine.casework.urging import URGE
from engine.definition import Definition
from engine.messages import identify
from engine.model import Case, Event, Timer
from engine.service import MIGRATE_ACTION, ActionOption
from engine.timers import timer_def
from engine.units import UnitTree

# The field that says what a case is about, per workflow (the first one a workflow has).
CATEGORY_FIELDS: tuple[str, ...] = ("category", "dispute_type")


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str


@dataclass(slots=True)
class CaseCard:
    """A case in a list."""

    id: int
    workflow: str
    workflow_title: str
    state: str
    state_label: str
    final: bool
    category: str
    unit: str
    tier: str
    due: Due | None
    overdue: bool
    summary: str
    updated: str
    assignee: str = ""
    version: int = 0
    late_days: int | None = None  # whole days past the deadline missed, when overdue


@dataclass(slots=True)
class TimelineEntry:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    from_state: str
    to_state: str
    system: bool
    rows: list[Row]
    note: str
    late: str
    urge: bool = False  # 催办: its note is shown


@dataclass(slots=True)
class TimerView:
    name: str
    kind: str
    reason: str
    then: str
    due: Due


@dataclass(slots=True)
class ActionForm:
    action: str
    label: str
    widgets: list[Widget]
    guard_ok: bool
    guard_message: str
    errors: dict[str, str] = field(default_factory=dict)
    open: bool = False


def state_label(definition: Definition, state: str | None, lang: str) -> str:
    if state is None:
        return ""
    st = definition.states.get(state)
    return st.label.get(lang) if st else state


def action_label(definition: Definition, action: str, lang: str) -> str:
    if action == "open":
        return translate(lang, "nav.intake")
    t = next((x for x in definition.transitions if x.action == action), None)
    return t.label.get(lang) if t else action


def tier_label(definition: Definition, data: dict[str, Any], lang: str) -> str:
    tier = data.get("tier")
    if not definition.tiers or not isinstance(tier, int):
        return ""
    match = next((t for t in definition.tiers if t.level == tier), None)
    return f"{tier} · {match.label.get(lang)}" if match else str(tier)


def field_value(
    definition: Definition,
    name: str,
    value: Any,
    lang: str,
    unmasked: bool,
    units: UnitTree | None = None,
) -> str:
    """A value as shown: personal fields masked, enum labels, unit codes as unit names."""
    fdef = definition.fields.get(name)
    if fdef is not None and fdef.personal and not unmasked:
        return str(mask_value(value))
    if units is not None and isinstance(value, str) and value in units.units:
        return units.label(value, lang)
    if isinstance(value, str) and (found := identify(value)) is not None and not found.params:
        # A fixed phrase of the engine's a definition wrote into the case ("deadline missed").
        return engine_text(lang, value)
    return display_value(fdef, value, lang)


def data_rows(
    definition: Definition,
    data: dict[str, Any],
    lang: str,
    unmasked: bool,
    skip: tuple[str, ...] = (),
    units: UnitTree | None = None,
) -> list[Row]:
    """Every field with a value, in the definition's order, labelled."""
    rows = []
    for name, fdef in definition.fields.items():
        value = data.get(name)
        if name in skip or value is None or value == "" or value == []:
            continue
        shown = field_value(definition, name, value, lang, unmasked, units)
        rows.append(Row(fdef.label.get(lang), shown))
    return rows


def case_card(
    definition: Definition,
    case: Case,
    next_deadline: datetime | None,
    overdue: bool,
    units: UnitTree,
    lang: str,
    now: datetime,
    tz: str,
) -> CaseCard:
    name = next((n for n in CATEGORY_FIELDS if n in definition.fields), "category")
    category = definition.fields.get(name)
    summary = str(case.data.get("location") or case.data.get("description") or "")
    return CaseCard(
        id=case.id,
        workflow=case.workflow,
        workflow_title=definition.title.get(lang),
        state=case.state,
        state_label=state_label(definition, case.state, lang),
        final=case.closed_at is not None,
        category=display_value(category, case.data.get(name), lang) if category else "",
        unit=units.label(case.org_unit or case.grid_unit, lang),
        tier=tier_label(definition, case.data, lang),
        due=due(next_deadline, now, lang, tz) if next_deadline else None,
        overdue=overdue,
        summary=summary[:80] + ("…" if len(summary) > 80 else ""),
        updated=local(case.updated_at, tz, lang=lang),
        assignee=case.assignee or "",
        version=case.version,
        late_days=late_days(next_deadline, now) if overdue else None,
    )


def late_days(deadline: datetime | None, now: datetime) -> int | None:
    """Whole days since a deadline that passed (已逾期 N天); None if it has not."""
    if deadline is None or deadline > now:
        return None
    return int((now - deadline) // timedelta(days=1))


def timeline(
    definition: Definition,
    events: list[Event],
    lang: str,
    tz: str,
    unmasked: bool,
    units: UnitTree | None = None,
) -> list[TimelineEntry]:
    out = []
    names = definition_names(definition, lang)
    for e in reversed(events):
        values = {**e.data, **e.changes}
        late = span_text(e.lateness_s, lang) if e.lateness_s and e.lateness_s >= 60 else ""
        out.append(
            TimelineEntry(
                seq=e.seq,
                at=local(e.at, tz, lang=lang),
                actor=e.actor,
                role=translate(lang, f"role.{e.role}"),
                action=event_label(definition, e, lang),
                from_state=state_label(definition, e.from_state, lang),
                to_state=state_label(definition, e.to_state, lang),
                system=e.role == "system",
                rows=data_rows(definition, values, lang, unmasked, units=units),
                note=engine_text(lang, e.note or "", names),
                late=late,
                urge=e.action == URGE,
            )
        )
    return out


def event_label(definition: Definition, event: Event, lang: str) -> str:
    """What an event of the history did: its action's label; for a move onto another
    version of the workflow, the version it moved to."""
    version = event.changes.get("workflow_version")
    if event.action == MIGRATE_ACTION and isinstance(version, int):
        return translate(lang, "case.event.migrated", version=version)
    if event.action in RECORDED_CHANGES or event.action in TASK_EVENTS:
        return translate(lang, f"case.event.{event.action}")
    if event.action == URGE:
        return translate(lang, "case.event.urged")
    if event.action in MERGE_EVENTS:
        return translate(lang, f"case.event.{event.action}", case=event.changes.get("case", ""))
    return action_label(definition, event.action, lang)


def span_text(seconds: float, lang: str) -> str:
    return translate(lang, "case.event.late", span=span(timedelta(seconds=seconds), lang))


def timer_views(
    definition: Definition, case: Case, timers: list[Timer], lang: str, now: datetime, tz: str
) -> list[TimerView]:
    out = []
    for timer in timers:
        tdef = timer_def(definition, case.state, timer.name)
        reason = tdef.reason.get(lang) if tdef and tdef.reason else timer.name
        then = action_label(definition, timer.action, lang) if timer.action else ""
        kind = translate(
            lang, "case.timer.reminder" if timer.kind == "reminder" else "case.timer.deadline"
        )
        out.append(TimerView(timer.name, kind, reason, then, due(timer.fire_at, now, lang, tz)))
    return out


def action_forms(
    definition: Definition,
    case: Case,
    options: list[ActionOption],
    lang: str,
    suggestions: dict[str, Any],
    open_action: str = "",
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> list[ActionForm]:
    """One form per allowed action, pre-filled from the case (and suggestions for empty
    fields); the form of `open_action` is shown open with what was typed and its errors."""
    out = []
    for option in options:
        t = option.transition
        names = action_fields(definition, t)
        values = dict(case.data)
        for key, suggestion in suggestions.items():
            if values.get(key) in (None, ""):
                values[key] = suggestion
        is_open = t.action == open_action
        ws = widgets(
            definition,
            names,
            lang,
            values,
            raw=typed if is_open else None,
            errors=errors if is_open else None,
        )
        out.append(
            ActionForm(
                action=t.action,
                label=t.label.get(lang),
                widgets=ws,
                guard_ok=option.guard_ok,
                guard_message=t.guard_message.get(lang) if t.guard_message else "",
                errors=dict(errors or {}) if is_open else {},
                open=is_open,
            )
        )
    return out
