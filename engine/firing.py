"""One firing inside an open transaction: check, move, record, re-arm timers.

Nothing is written until every check has passed: the action exists in the case's state, the
actor's role may take it, the data fits the fields, the required fields are present, the
guard holds and the effects compute. Then the case is written with a version check (a stale
version is a ConflictError), its history event appended, the timers of the state it left
made stale and those of the state it entered armed, and notifications queued — all through
the caller's transaction, so all or nothing. A transition's `points:` are worked out before
anything is written and added to the ledger with the event (engine.points).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.case_timers import on_fire
from engine.clock import Clock
from engine.errors import (
    ConflictError,
    EffectError,
    EffectOutOfRangeError,
    GuardFailedError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.expressions import ExpressionError, truthy
from engine.keeping import kept_through
from engine.loader import did_you_mean
from engine.model import Actor, Case, Event, FireResult
from engine.notices import notices
from engine.plans import DefinitionPlan
from engine.points import entries_for
from engine.ports import Transaction
from engine.tasks import give_on_entry
from engine.timers import arm
from engine.validation import missing, scope
from engine.workcalendar import WorkCalendar


def fire_in(
    tx: Transaction,
    plans: DefinitionPlan,
    case: Case,
    action: str,
    actor: Actor,
    payload: dict[str, Any],
    idempotency_key: str | None,
    clock: Clock,
    calendar: WorkCalendar,
    lateness: float | None = None,
    note: str | None = None,
    armed_from: datetime | None = None,
) -> FireResult:
    """Take `action` on `case` (as read in `tx`) and write the outcome through `tx`.

    `armed_from`: when the state it enters counts from, if not now (a deadline that fired
    late: the moment it fell due)."""
    source = case.state
    plan = plans.plan(source, action)
    if plan is None:
        # Only what this actor may take: a refusal never lists another role's actions.
        possible = [
            x.action for x in plans.definition.actions_from(source) if actor.role in x.roles
        ]
        raise UnknownActionError(action, source, possible, did_you_mean(action, possible))
    t = plan.transition
    if actor.role not in t.roles:
        raise RoleNotAllowedError(action, actor.role, list(t.roles))
    if payload:
        plan.check(payload)
        merged = {**case.data, **payload}
    else:
        merged = dict(case.data)
    if t.requires and (absent := missing(t.requires, merged)):
        raise MissingFieldsError(action, absent)
    changes: dict[str, Any] = {}
    if plan.needs_scope:
        names = scope(source, merged)
        if t.guard is not None:
            try:
                ok = truthy(t.guard.evaluate(names))
            except ExpressionError as exc:
                raise GuardFailedError(action, t.guard.source, exc.message) from exc
            if not ok:
                msg = t.guard_message.en if t.guard_message else ""
                raise GuardFailedError(action, t.guard.source, msg)
        for fname, expr, check in plan.effects:
            try:
                value = expr.evaluate(names)
            except ExpressionError as exc:
                raise EffectError(action, fname, exc.message) from exc
            if check is not None and (err := check.error(value)):
                if check.ok is not None and check.ok(value):  # the right type, out of range
                    raise EffectOutOfRangeError(action, fname, err)
                raise EffectError(action, fname, err)
            merged[fname] = value
            names[fname] = value
            changes[fname] = value
    dest = plan.dest
    now = clock.now()
    seq = case.last_seq + 1
    points = (
        entries_for(
            plan.points,
            action=action,
            data=merged,
            actor=actor.name,
            case_unit=case.org_unit or case.grid_unit,
            case_id=case.id,
            seq=seq,
            at=now,
        )
        if plan.points
        else None
    )
    kept = kept_through(
        tx, plans.definition, case, dest, action, {**payload, **changes}, now, calendar.tz
    )
    previous_version = case.version
    reenter = plan.reenter
    updated = Case(
        id=case.id,
        workflow=case.workflow,
        workflow_version=case.workflow_version,
        state=dest,
        data=merged,
        version=previous_version + 1,
        opened_at=case.opened_at,
        updated_at=now,
        state_entered_at=(armed_from or now) if reenter else case.state_entered_at,
        last_seq=seq,
        entered_seq=seq if reenter else case.entered_seq,
        org_unit=case.org_unit,
        grid_unit=case.grid_unit,
        assignee=payload.get("assignee", case.assignee) if plans.tracks_assignee else case.assignee,
        opened_by=case.opened_by,
        closed_at=now if plan.final else None,
    )
    if not tx.update_case(updated, previous_version):
        current = tx.get_case(case.id)
        raise ConflictError(case.id, previous_version, current.version if current else -1)
    event = Event(
        case_id=case.id,
        seq=seq,
        at=now,
        actor=actor.name,
        role=actor.role,
        action=action,
        from_state=source,
        to_state=dest,
        data=payload,
        changes=changes,
        case_version=updated.version,
        idem_key=idempotency_key,
        lateness_s=lateness,
        note=note,
    )
    tx.append_event(event)
    if points:
        tx.add_points(points)
    if reenter:
        if plan.leaves_timers:
            tx.cancel_timers(case.id, now)
        arms = plan.arms
        if kept.replaces:
            arms = tuple(t for t in arms if t.name not in kept.replaces)
        if arms:
            arm(tx, arms, updated, armed_from or now, now, calendar)
        if kept.timers:
            tx.arm_timers(kept.armed(seq))
        give_on_entry(tx, plans.definition, updated, actor, armed_from or now, now, calendar)
    if plans.case_timers:
        on_fire(tx, plans.case_timers, case, updated, {**payload, **changes}, now, calendar)
    if t.notify:
        tx.add_notifications(notices(tx, updated, t.notify, "transition", now, action))
    return FireResult(updated, event)
