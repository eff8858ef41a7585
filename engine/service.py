"""The use cases: the only way a case changes. One firing is one transaction."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.batch import SweepBatch
from engine.clock import Clock
from engine.definition import SYSTEM_ROLE, Definition, TimerDef, TransitionDef
from engine.errors import (
    CaseNotFoundError,
    ConflictError,
    EffectError,
    GuardFailedError,
    IdempotencyKeyReusedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.expressions import ExpressionError, truthy
from engine.loader import check_value, did_you_mean
from engine.machine import machine_for
from engine.model import (
    SYSTEM_ACTOR,
    Actor,
    Case,
    Event,
    FireResult,
    Notification,
    SweepReport,
    Timer,
)
from engine.ports import DuplicateKeyError, Store, Transaction
from engine.registry import Registry
from engine.workcalendar import WorkCalendar

OPEN_ACTION = "open"
MIGRATE_ACTION = "migrate"


@dataclass(frozen=True, slots=True)
class ActionOption:
    """An action a given role may take on a case now, and whether its guard holds already."""

    transition: TransitionDef
    guard_ok: bool
    missing: tuple[str, ...]


class WorkflowService:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        clock: Clock,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.calendar = calendar or WorkCalendar()

    # -- reading ---------------------------------------------------------------------------
    def get_case(self, case_id: int) -> Case:
        with self.store.transaction(write=False) as tx:
            case = tx.get_case(case_id)
        if case is None:
            raise CaseNotFoundError(case_id)
        return case

    def definition_of(self, case: Case) -> Definition:
        return self.registry.get(case.workflow, case.workflow_version)

    def history(self, case_id: int) -> list[Event]:
        with self.store.transaction(write=False) as tx:
            if tx.get_case(case_id) is None:
                raise CaseNotFoundError(case_id)
            return tx.events(case_id)

    def pending_timers(self, case_id: int) -> list[Timer]:
        with self.store.transaction(write=False) as tx:
            return tx.timers(case_id, pending_only=True)

    def allowed_actions(self, case: Case, actor: Actor) -> list[ActionOption]:
        """The actions `actor` may take on the case in its current state."""
        definition = self.definition_of(case)
        out = []
        for t in definition.actions_from(case.state):
            if actor.role not in t.roles or actor.role == SYSTEM_ROLE:
                continue
            missing = tuple(f for f in t.requires if _absent(case.data.get(f)))
            guard_ok = True
            if t.guard is not None:
                try:
                    guard_ok = truthy(t.guard.evaluate(_scope(case, case.data)))
                except ExpressionError:
                    guard_ok = False
            out.append(ActionOption(t, guard_ok, missing))
        return out

    # -- changing --------------------------------------------------------------------------
    def open_case(
        self,
        workflow: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        *,
        org_unit: str | None = None,
        grid_unit: str | None = None,
        version: int | None = None,
        idempotency_key: str | None = None,
    ) -> FireResult:
        definition = self.registry.get(workflow, version)
        if actor.role not in definition.owner_roles:
            raise RoleNotAllowedError(OPEN_ACTION, actor.role, list(definition.owner_roles))
        payload = dict(data or {})
        self._check_data(definition, payload)
        values = {
            name: copy.deepcopy(f.default)
            for name, f in definition.fields.items()
            if f.default is not None
        }
        values.update(payload)
        now = self.clock.now()
        try:
            with self.store.transaction() as tx:
                if idempotency_key is not None:
                    replay = self._replay(tx, idempotency_key, None, OPEN_ACTION)
                    if replay is not None:
                        return replay
                case = Case(
                    id=0,
                    workflow=definition.name,
                    workflow_version=definition.version,
                    state=definition.initial,
                    data=values,
                    version=1,
                    opened_at=now,
                    updated_at=now,
                    state_entered_at=now,
                    last_seq=1,
                    entered_seq=1,
                    org_unit=org_unit,
                    grid_unit=grid_unit,
                    opened_by=actor.name,
                )
                case.id = tx.insert_case(case)
                event = Event(
                    case_id=case.id,
                    seq=1,
                    at=now,
                    actor=actor.name,
                    role=actor.role,
                    action=OPEN_ACTION,
                    from_state=None,
                    to_state=case.state,
                    data=payload,
                    case_version=1,
                    idem_key=idempotency_key,
                )
                tx.append_event(event)
                self._arm(tx, definition, case, now)
                return FireResult(case, event)
        except DuplicateKeyError:
            assert idempotency_key is not None
            return self._replay_after_race(idempotency_key, None, OPEN_ACTION)

    def fire(
        self,
        case_id: int,
        action: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> FireResult:
        """Take `action` on a case: validate, move, record, arm timers; all or nothing."""
        payload = dict(data or {})
        try:
            with self.store.transaction() as tx:
                if idempotency_key is not None:
                    replay = self._replay(tx, idempotency_key, case_id, action)
                    if replay is not None:
                        return replay
                case = tx.get_case(case_id)
                if case is None:
                    raise CaseNotFoundError(case_id)
                if expected_version is not None and case.version != expected_version:
                    raise ConflictError(case_id, expected_version, case.version)
                return self._fire_in(tx, case, action, actor, payload, idempotency_key)
        except DuplicateKeyError:
            assert idempotency_key is not None
            return self._replay_after_race(idempotency_key, case_id, action)

    def migrate_case(
        self,
        case_id: int,
        to_version: int,
        actor: Actor,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> FireResult:
        """Move a running case onto another version of its workflow, explicitly.

        The case keeps its state and data; the new version must have that state, and the
        data must fit its fields. The timers of the state are re-armed by the new version's
        rules and the move is recorded in the history (action ``migrate``).
        """
        with self.store.transaction() as tx:
            if idempotency_key is not None:
                replay = self._replay(tx, idempotency_key, case_id, MIGRATE_ACTION)
                if replay is not None:
                    return replay
            case = tx.get_case(case_id)
            if case is None:
                raise CaseNotFoundError(case_id)
            if expected_version is not None and case.version != expected_version:
                raise ConflictError(case_id, expected_version, case.version)
            if actor.role not in ("admin", "supervisor"):
                raise RoleNotAllowedError(MIGRATE_ACTION, actor.role, ["admin", "supervisor"])
            target = self.registry.get(case.workflow, to_version)
            if case.state not in target.states:
                raise UnknownActionError(
                    MIGRATE_ACTION,
                    case.state,
                    [],
                    f"{case.workflow} v{to_version} has no state {case.state!r}",
                )
            self._check_data(target, case.data)
            now = self.clock.now()
            previous = case.version
            case.workflow_version = to_version
            case.version += 1
            case.last_seq += 1
            case.entered_seq = case.last_seq
            case.updated_at = now
            if not tx.update_workflow_version(case, previous):
                current = tx.get_case(case_id)
                raise ConflictError(case_id, previous, current.version if current else -1)
            event = Event(
                case_id=case.id,
                seq=case.last_seq,
                at=now,
                actor=actor.name,
                role=actor.role,
                action=MIGRATE_ACTION,
                from_state=case.state,
                to_state=case.state,
                changes={"workflow_version": to_version},
                case_version=case.version,
                idem_key=idempotency_key,
                note=f"migrated to {case.workflow} v{to_version}",
            )
            tx.append_event(event)
            tx.cancel_timers(case.id, now)
            # Deadlines keep counting from when the case entered its state, by the new rules.
            self._arm(tx, target, case, case.state_entered_at)
            return FireResult(case, event)

    def fire_due_timers(self, now: datetime | None = None, limit: int = 500) -> SweepReport:
        """Fire up to `limit` timers due by `now` (default: the clock), in one transaction.

        The timers are claimed with their cases (on PostgreSQL: locked, skipping what another
        sweeper or a user holds), fired one by one by the same code as any firing against an
        in-memory batch, and written in bulk (engine.batch). One that cannot fire (a guard no
        longer holds) is recorded as skipped and does not undo the others. A timer whose state
        was left is stale and changes nothing. Firing uses the idempotency key ``timer:<id>``,
        so a timer fired twice (two sweepers, a crash between firing and marking) changes the
        case once. Call it again until it claims nothing.
        """
        now = now or self.clock.now()
        report = SweepReport()
        with self.store.transaction() as tx:
            due = tx.claim_due_timers(now, limit)
            report.claimed = len(due)
            if not due:
                return report
            cases = tx.get_cases(sorted({t.case_id for t in due}))
            fired_before = tx.existing_keys([_timer_key(t) for t in due])
            batch = SweepBatch(tx, cases, fired_before)
            for timer in due:
                self._fire_timer(batch, timer, now, report)
            batch.flush()
        return report

    # -- internals -------------------------------------------------------------------------
    def _fire_timer(
        self, tx: Transaction, timer: Timer, now: datetime, report: SweepReport
    ) -> None:
        lateness = max(0.0, (now - timer.fire_at).total_seconds())
        timer.fired_at = now
        timer.lateness_s = lateness
        case = tx.get_case(timer.case_id)
        if case is None or case.entered_seq != timer.armed_seq:
            timer.status = "stale"
            report.stale += 1
            tx.finish_timer(timer)
            return
        definition = self.definition_of(case)
        tdef = _timer_def(definition, case.state, timer.name)
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
        note = f"deadline missed: {timer.name}"
        if tdef and tdef.reason:
            note += f" ({tdef.reason.zh} / {tdef.reason.en})"
        if lateness >= 1:
            note += f"; fired {_human(lateness)} late"
        try:
            with tx.savepoint():
                self._fire_in(
                    tx, case, timer.action, SYSTEM_ACTOR, {}, _timer_key(timer), lateness, note
                )
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

    def _fire_in(
        self,
        tx: Transaction,
        case: Case,
        action: str,
        actor: Actor,
        payload: dict[str, Any],
        idempotency_key: str | None,
        lateness: float | None = None,
        note: str | None = None,
    ) -> FireResult:
        definition = self.definition_of(case)
        t = definition.transition(case.state, action)
        if t is None:
            possible = [x.action for x in definition.actions_from(case.state)]
            raise UnknownActionError(action, case.state, possible, did_you_mean(action, possible))
        if actor.role not in t.roles:
            raise RoleNotAllowedError(action, actor.role, list(t.roles))
        self._check_data(definition, payload)
        merged = {**case.data, **payload}
        missing = [f for f in t.requires if _absent(merged.get(f))]
        if missing:
            raise MissingFieldsError(action, missing)
        scope = _scope(case, merged)
        if t.guard is not None:
            try:
                ok = truthy(t.guard.evaluate(scope))
            except ExpressionError as exc:
                raise GuardFailedError(action, t.guard.source, exc.message) from exc
            if not ok:
                msg = t.guard_message.en if t.guard_message else ""
                raise GuardFailedError(action, t.guard.source, msg)
        changes: dict[str, Any] = {}
        for fname, expr in t.sets:
            try:
                value = expr.evaluate(scope)
            except ExpressionError as exc:
                raise EffectError(action, fname, exc.message) from exc
            f = definition.fields.get(fname)
            if f is not None and (err := check_value(f.type, f.values, value)):
                raise EffectError(action, fname, err)
            merged[fname] = value
            scope[fname] = value
            changes[fname] = value
        dest = machine_for(definition).next_state(case.state, action)
        now = self.clock.now()
        source = case.state
        previous_version = case.version
        reenter = not t.internal
        updated = Case(
            id=case.id,
            workflow=case.workflow,
            workflow_version=case.workflow_version,
            state=dest,
            data=merged,
            version=case.version + 1,
            opened_at=case.opened_at,
            updated_at=now,
            state_entered_at=now if reenter else case.state_entered_at,
            last_seq=case.last_seq + 1,
            entered_seq=case.last_seq + 1 if reenter else case.entered_seq,
            org_unit=case.org_unit,
            grid_unit=case.grid_unit,
            assignee=payload.get("assignee", case.assignee)
            if "assignee" in definition.fields
            else case.assignee,
            opened_by=case.opened_by,
            closed_at=now if definition.states[dest].final else None,
        )
        if not tx.update_case(updated, previous_version):
            current = tx.get_case(case.id)
            raise ConflictError(case.id, previous_version, current.version if current else -1)
        event = Event(
            case_id=case.id,
            seq=updated.last_seq,
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
        if reenter:
            if definition.states[source].timers:
                tx.cancel_timers(case.id, now)
            self._arm(tx, definition, updated, now)
        if t.notify:
            tx.add_notifications(
                [
                    Notification(case.id, r, "transition", now, f"{action}", updated.org_unit)
                    for r in t.notify
                ]
            )
        return FireResult(updated, event)

    def _arm(self, tx: Transaction, definition: Definition, case: Case, start: datetime) -> None:
        now = self.clock.now()
        timers = []
        for tdef in definition.states[case.state].timers:
            due = self._due(tdef, case.data, start)
            if due is None:
                continue
            timers.append(
                Timer(case.id, tdef.name, "deadline", due, case.entered_seq, action=tdef.action)
            )
            if tdef.remind_at is not None and tdef.notify and due > now:
                remind = max(now, start + (due - start) * tdef.remind_at)
                timers.append(Timer(case.id, tdef.name, "reminder", remind, case.entered_seq))
        if timers:
            tx.arm_timers(timers)

    def _due(self, tdef: TimerDef, data: Mapping[str, Any], now: datetime) -> datetime | None:
        if tdef.at_field:
            at = _as_moment(data.get(tdef.at_field), self.calendar.tz)
            if at is not None:
                return at
        duration = tdef.after.pick(data)
        if duration is None:
            return None
        due = duration.add(now, self.calendar)
        if tdef.working_days_only:
            due = self.calendar.roll_forward(due)
        return due

    def _check_data(self, definition: Definition, payload: Mapping[str, Any]) -> None:
        errors: dict[str, str] = {}
        for k, v in payload.items():
            f = definition.fields.get(k)
            if f is None:
                hint = did_you_mean(k, definition.fields)
                errors[k] = "unknown field" + (f" ({hint})" if hint else "")
                continue
            err = check_value(f.type, f.values, v)
            if not err and f.type in ("int", "number") and v is not None:
                if f.min is not None and v < f.min:
                    err = f"must be at least {f.min:g}"
                elif f.max is not None and v > f.max:
                    err = f"must be at most {f.max:g}"
            if err:
                errors[k] = err
        if errors:
            raise InvalidDataError(errors)

    def _replay(
        self, tx: Transaction, key: str, case_id: int | None, action: str
    ) -> FireResult | None:
        event = tx.event_by_key(key)
        if event is None:
            return None
        if event.action != action or (case_id is not None and event.case_id != case_id):
            raise IdempotencyKeyReusedError(key)
        case = tx.get_case(event.case_id)
        assert case is not None
        return FireResult(case, event, replayed=True)

    def _replay_after_race(self, key: str, case_id: int | None, action: str) -> FireResult:
        with self.store.transaction(write=False) as tx:
            result = self._replay(tx, key, case_id, action)
        if result is None:
            raise IdempotencyKeyReusedError(key)
        return result


def _absent(value: object) -> bool:
    return value is None or value == "" or value == []


def _scope(case: Case, data: Mapping[str, Any]) -> dict[str, Any]:
    scope = dict(data)
    scope.setdefault("state", case.state)
    return scope


def _timer_key(timer: Timer) -> str:
    return f"timer:{timer.id}"


def _timer_def(definition: Definition, state: str, name: str) -> TimerDef | None:
    st = definition.states.get(state)
    if st is None:
        return None
    return next((t for t in st.timers if t.name == name), None)


def _as_moment(value: object, tz: str) -> datetime | None:
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


def _human(seconds: float) -> str:
    d = timedelta(seconds=round(seconds))
    if d.days:
        return f"{d.days} d {d.seconds // 3600} h"
    if d.seconds >= 3600:
        return f"{d.seconds // 3600} h {d.seconds % 3600 // 60} min"
    if d.seconds >= 60:
        return f"{d.seconds // 60} min"
    return f"{d.seconds} s"
