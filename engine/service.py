"""The use cases: the only way a case changes. One firing is one transaction.

The steps live in their own modules: engine.firing (check, move, record), engine.timers
(arming, sweeping), engine.idempotency (replaying a retried request), engine.validation
(field values, required fields) and engine.plans (what each (state, action) needs, worked out
once per definition version).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.case_timers import on_open
from engine.clock import Clock
from engine.definition import SYSTEM_ROLE, Definition, TransitionDef
from engine.errors import (
    CaseNotFoundError,
    ConflictError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.expressions import ExpressionError, truthy
from engine.firing import fire_in
from engine.idempotency import replay, replay_after_race
from engine.model import Actor, Case, Event, FireResult, SweepReport, Timer
from engine.plans import DefinitionPlan, plan_for
from engine.ports import DuplicateKeyError, Store, Transaction
from engine.registry import Registry
from engine.sweep import sweep_batch
from engine.tasks import carry_on_move, give_on_entry
from engine.timers import arm
from engine.validation import missing, scope
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
        # The store keeps each case's rate facts by its own version's rules.
        store.follow_definitions(registry.get)

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
            guard_ok = True
            if t.guard is not None:
                try:
                    guard_ok = truthy(t.guard.evaluate(scope(case.state, case.data)))
                except ExpressionError:
                    guard_ok = False
            out.append(ActionOption(t, guard_ok, tuple(missing(t.requires, case.data))))
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
        """Open a case in a transaction of its own (see `open_in`)."""
        try:
            with self.store.transaction() as tx:
                return self.open_in(
                    tx,
                    workflow,
                    actor,
                    data,
                    org_unit=org_unit,
                    grid_unit=grid_unit,
                    version=version,
                    idempotency_key=idempotency_key,
                )
        except DuplicateKeyError:
            assert idempotency_key is not None
            return replay_after_race(self.store, idempotency_key, None, OPEN_ACTION)

    def open_in(
        self,
        tx: Transaction,
        workflow: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        *,
        org_unit: str | None = None,
        grid_unit: str | None = None,
        version: int | None = None,
        idempotency_key: str | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> FireResult:
        """Open a case inside the caller's transaction: check the role and the data, insert
        the case and its first event, arm the first state's timers. A retried key answers the
        first result; a concurrent retry raises DuplicateKeyError (roll back and replay).

        `facts`: values of engine-owned fields the caller looked up in the same transaction
        (the employer's listing: engine.casework.employer_list); written over the data and
        kept in the opening event with it."""
        definition = self.registry.get(workflow, version)
        if actor.role not in definition.owner_roles:
            raise RoleNotAllowedError(OPEN_ACTION, actor.role, list(definition.owner_roles))
        plans = plan_for(definition)
        payload = dict(data or {})
        plans.check_opening(payload)
        values = plans.defaults()
        values.update(payload)
        if facts:
            values.update(facts)
            payload.update(facts)
        now = self.clock.now()
        if idempotency_key is not None:
            replayed = replay(tx, idempotency_key, None, OPEN_ACTION)
            if replayed is not None:
                return replayed
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
        arm(tx, plans.entry_timers(case.state), case, now, now, self.calendar)
        if plans.case_timers:
            on_open(tx, plans.case_timers, case, now, self.calendar)
        give_on_entry(tx, definition, case, actor, now, now, self.calendar)
        return FireResult(case, event)

    def fire(
        self,
        case_id: int,
        action: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        visible: Callable[[Case], bool] | None = None,
    ) -> FireResult:
        """Take `action` on a case: validate, move, record, arm timers; all or nothing.

        `visible`: whether the caller may see the case, asked of the case as read in the
        firing's own transaction (a retry's too); a case it refuses is not found.
        """
        try:
            with self.store.transaction() as tx:
                return self.fire_in(
                    tx,
                    case_id,
                    action,
                    actor,
                    data,
                    expected_version=expected_version,
                    idempotency_key=idempotency_key,
                    visible=visible,
                )
        except DuplicateKeyError:
            assert idempotency_key is not None
            return replay_after_race(self.store, idempotency_key, case_id, action)

    def fire_in(
        self,
        tx: Transaction,
        case_id: int,
        action: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        visible: Callable[[Case], bool] | None = None,
    ) -> FireResult:
        """`fire` inside the caller's transaction; a concurrent retry raises
        DuplicateKeyError (roll back and replay)."""
        payload = dict(data) if data else {}
        if idempotency_key is not None:
            replayed = replay(tx, idempotency_key, case_id, action)
            if replayed is not None:
                if visible is not None and not visible(replayed.case):
                    raise CaseNotFoundError(case_id)
                return replayed
        case = tx.get_case(case_id)
        if case is None or (visible is not None and not visible(case)):
            raise CaseNotFoundError(case_id)
        if expected_version is not None and case.version != expected_version:
            raise ConflictError(case_id, expected_version, case.version)
        return self._fire_in(tx, case, action, actor, payload, idempotency_key)

    def migrate_case(
        self,
        case_id: int,
        to_version: int,
        actor: Actor,
        *,
        to_state: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        note: str | None = None,
    ) -> FireResult:
        """Move a running case onto another version of its workflow, explicitly, in a
        transaction of its own (who may is asked by the use case, engine.casework.migration).

        The case keeps its data and its state, or moves to `to_state` (a state renamed or
        removed by the new version); the new version must have that state, and the data must
        fit its fields. The timers of the state are re-armed by the new version's rules,
        counting from when the case entered its state, and the move is recorded in the
        history (action ``migrate``, `note`). A retried key answers the first result.
        """
        with self.store.transaction() as tx:
            if idempotency_key is not None:
                replayed = replay(tx, idempotency_key, case_id, MIGRATE_ACTION)
                if replayed is not None:
                    return replayed
            case = tx.get_case(case_id)
            if case is None:
                raise CaseNotFoundError(case_id)
            if expected_version is not None and case.version != expected_version:
                raise ConflictError(case_id, expected_version, case.version)
            target = self.registry.get(case.workflow, to_version)
            dest = to_state or case.state
            if dest not in target.states:
                raise UnknownActionError(
                    MIGRATE_ACTION,
                    case.state,
                    [],
                    f"{case.workflow} v{to_version} has no state {dest!r}",
                )
            plan_for(target).check_fields(case.data)
            return self.move_in(
                tx, case, target, dest, actor, idempotency_key=idempotency_key, note=note
            )

    def move_in(
        self,
        tx: Transaction,
        case: Case,
        target: Definition,
        to_state: str,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
        note: str | None = None,
        entered_by: str | None = None,
    ) -> FireResult:
        """The move itself, for a caller that read `case` in `tx` and checked it against
        `target` (`to_state` is a state of it, the data fits its fields): update the case
        (optimistically: ConflictError if it changed), record the event (its changes keep
        `entered_by`, the action that entered the state, for a later migration's checks),
        re-arm the timers from when the case entered its state."""
        plans = plan_for(target)
        now = self.clock.now()
        previous = case.version
        stay = case.entered_seq
        from_version = case.workflow_version
        from_state = case.state
        case.workflow_version = target.version
        case.state = to_state
        case.version += 1
        case.last_seq += 1
        case.entered_seq = case.last_seq
        case.updated_at = now
        if not tx.update_workflow_version(case, previous):
            current = tx.get_case(case.id)
            raise ConflictError(case.id, previous, current.version if current else -1)
        changes: dict[str, Any] = {"workflow_version": target.version}
        if entered_by is not None:
            changes["entered_by"] = entered_by
        event = Event(
            case_id=case.id,
            seq=case.last_seq,
            at=now,
            actor=actor.name,
            role=actor.role,
            action=MIGRATE_ACTION,
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            case_version=case.version,
            idem_key=idempotency_key,
            note=note or f"migrated from {case.workflow} v{from_version} to v{target.version}",
        )
        tx.append_event(event)
        tx.cancel_timers(case.id, now)
        # Deadlines keep counting from when the case entered its state, by the new rules.
        arm(tx, plans.entry_timers(to_state), case, case.state_entered_at, now, self.calendar)
        carry_on_move(tx, target, case, stay, now, self.calendar)
        return FireResult(case, event)

    def fire_due_timers(self, now: datetime | None = None, limit: int = 500) -> SweepReport:
        """Fire up to `limit` timers due by `now` (default: the clock); see engine.sweep.

        The timers are claimed with their cases (on PostgreSQL: locked, skipping what another
        sweeper or a user holds), fired one by one by the same code as any firing against an
        in-memory batch, and written in bulk (engine.batch), in one transaction. One that
        cannot fire (a guard no longer holds) is recorded as skipped and does not undo the
        others. A timer whose state was left is stale and changes nothing. Firing uses the
        idempotency key ``timer:<id>``, so a timer fired twice (two sweepers, a crash between
        firing and marking) changes the case once. A timer whose firing fails is set aside:
        the rest of the batch commits, and it is retried with backoff, then given up, with an
        alert. Call it again until it claims nothing.
        """
        now = now or self.clock.now()
        return sweep_batch(self.store, now, limit, self.definition_of, self._fire_in, self.calendar)

    # -- internals -------------------------------------------------------------------------
    def _plans(self, case: Case) -> DefinitionPlan:
        return plan_for(self.registry.get(case.workflow, case.workflow_version))

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
        armed_from: datetime | None = None,
    ) -> FireResult:
        return fire_in(
            tx,
            self._plans(case),
            case,
            action,
            actor,
            payload,
            idempotency_key,
            self.clock,
            self.calendar,
            lateness,
            note,
            armed_from,
        )
