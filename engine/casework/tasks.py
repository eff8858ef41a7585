"""Tasks within a case (协同处置, a meeting's decisions): give, assign, complete, close.

Each use case is one transaction: the task's change, an event in the case's history (the
state does not change; the event names the task and its unit, never its note or the
lead's reason, which only those who see the task read) and an entry in the audit log. Once
the last open task of the case's stay in its state is done or closed, the state's `done`
action fires as `system` in the same transaction (a guard that refuses it leaves the case
for a person to move). The task's deadline is a timer the sweep fires (engine.tasks).

Who may: the lead (whoever sees the case other than as a co-handler or a task's unit,
engine.tasks.leads) gives tasks in the `add` roles and closes them in the `close` roles; a
user of the task's unit completes it (in the `complete` roles, any person when none are
listed) and assigns it to a person of that unit, as does the lead in the `close` roles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from engine.casework import case_records
from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.errors import (
    InvalidTaskError,
    NoTasksHereError,
    TaskFinishedError,
    UnknownTaskError,
    UnknownUnitError,
)
from engine.casework.identity import User
from engine.definition import SYSTEM_ROLE, TasksDef
from engine.durations import DurationError, parse_duration
from engine.errors import ActionError, CaseNotFoundError, RoleNotAllowedError
from engine.model import SYSTEM_ACTOR, Case, Notification, Task
from engine.reserved import LINKED_CASES
from engine.store import audit, queries
from engine.store import tasks as stored
from engine.store.repository import SqlTransaction
from engine.store.units import unit_exists
from engine.store.users import get_user
from engine.tasks import CLOSED, DONE, OPEN, all_finished, give, leads, tasks_of, tasks_seen
from engine.timers import as_moment
from engine.visibility import Visibility

TASK_ADDED = "task_added"
TASK_ASSIGNED = "task_assigned"
TASK_DONE = "task_done"
TASK_CLOSED = "task_closed"
# In a case named by `linked_cases`: a task given in the case that links it (a decision).
LINKED_DECISION = "linked_decision"
EVENTS: tuple[str, ...] = (TASK_ADDED, TASK_ASSIGNED, TASK_DONE, TASK_CLOSED, LINKED_DECISION)
TITLE_MAX = 500
NOTE_MAX = 2000


@dataclass(frozen=True, slots=True)
class CaseTasks:
    """The tasks of a case a user sees, and what they may do with them."""

    case: Case
    spec: TasksDef | None  # the tasks of the case's present state
    tasks: list[Task]
    may_add: bool
    may_close: bool
    completes: bool  # the user's role may complete a task of its unit
    own_units: frozenset[str]  # the tasks' units that are the user's

    def open_here(self, task: Task) -> bool:
        """Open, and of the case's present stay in its state: it can still change."""
        return task.status == OPEN and task.current(self.case)

    def may_complete(self, task: Task) -> bool:
        return self.open_here(task) and task.unit in self.own_units and self.completes

    def may_assign(self, task: Task) -> bool:
        return self.open_here(task) and (task.unit in self.own_units or self.may_close)


def case_tasks(cw: Casework, user: User, case_id: int) -> CaseTasks:
    """The case's tasks as the user may see them (404 for a case they do not see)."""
    with cw.store.transaction(write=False) as tx:
        case = visible_in(tx, user, case_id)
        return _view(cw, tx, user, case)


def _view(cw: Casework, tx: SqlTransaction, user: User, case: Case) -> CaseTasks:
    spec = tasks_of(cw.service.definition_of(case), case.state)
    every = stored.tasks_of_case(tx, case.id)
    lead = _leads(tx, user.scope, case, every)
    seen = every if lead else tasks_seen(user.scope, case, every, ())
    role = user.role
    return CaseTasks(
        case=case,
        spec=spec,
        tasks=seen,
        may_add=spec is not None and lead and role in spec.add,
        may_close=spec is not None and lead and role in spec.close,
        completes=spec is not None and (not spec.complete or role in spec.complete),
        own_units=frozenset(t.unit for t in every if _in_unit(user.scope, t)),
    )


def add_task(
    cw: Casework,
    user: User,
    case_id: int,
    *,
    unit: str,
    title: str,
    due: str | None = None,
    assignee: str | None = None,
) -> Task:
    """Give `unit` a task (a meeting's decision): 404 for a case the user does not see, 422
    when its state takes no tasks or an input is refused, 403 unless the user leads the case
    in an `add` role. `due`: a date or a moment (ISO), or a duration ("10 working days");
    none: the state's period. The unit is given access to the case."""
    title = title.strip()
    with cw.store.transaction() as tx:
        case = visible_in(tx, user, case_id)
        spec = _spec(cw, case)
        every = stored.tasks_of_case(tx, case.id)
        if user.role not in spec.add or not _leads(tx, user.scope, case, every):
            raise RoleNotAllowedError("add_task", user.role, list(spec.add))
        if not title or len(title) > TITLE_MAX:
            raise InvalidTaskError("title", f"1 to {TITLE_MAX} characters")
        if not unit_exists(tx, unit):
            raise UnknownUnitError(unit)
        now = cw.clock.now()
        due_at = _due(cw, due, now)
        if assignee:
            _check_assignee(tx, assignee, unit)
        [task] = give(
            tx,
            spec,
            case,
            user.actor,
            [(unit, title, due_at)],
            now,
            now,
            cw.service.calendar,
        )
        if assignee:
            stored.set_assignee(tx, task, assignee)
            task = replace(task, assignee=assignee)
        queries.hand_over(tx, case.id, unit, f"task {task.id}", now)
        _record(tx, user, case, TASK_ADDED, task, now)
        for linked in _linked(tx, user, case):
            decision = f"#{case.id} #{task.id} {task.unit}: {task.title}"
            case_records.record_change(
                tx, linked, user.actor, LINKED_DECISION, now, changes={}, note=decision
            )
        # The unit given the task is told (a link, never the task's details).
        note = Notification(case.id, "org_admin", TASK_ADDED, now, TASK_ADDED, unit)
        tx.add_notifications([note])
        return task


def assign_task(cw: Casework, user: User, case_id: int, task_id: int, assignee: str) -> Task:
    """Give an open task to a person of its unit: a user of that unit, or the lead in a
    `close` role (404 for a task the user does not see, 403, 409 when it is finished)."""
    with cw.store.transaction() as tx:
        case, task, spec, lead = _task(cw, tx, user, case_id, task_id)
        if not _in_unit(user.scope, task) and not (lead and user.role in spec.close):
            raise RoleNotAllowedError("assign_task", user.role, list(spec.close))
        _check_open(task, case)
        _check_assignee(tx, assignee, task.unit)
        if not stored.set_assignee(tx, task, assignee):
            raise TaskFinishedError(task.id, "finished")
        task = replace(task, assignee=assignee)
        _record(tx, user, case, TASK_ASSIGNED, task, cw.clock.now(), extra=assignee)
        return task


def complete_task(cw: Casework, user: User, case_id: int, task_id: int, note: str) -> Task:
    """Its unit reports the task done, with a note (422 without one). The last open task
    done moves the case on (the state's `done` action)."""
    note = note.strip()
    with cw.store.transaction() as tx:
        case, task, spec, _ = _task(cw, tx, user, case_id, task_id)
        roles = spec.complete
        if not _in_unit(user.scope, task) or (roles and user.role not in roles):
            raise RoleNotAllowedError("complete_task", user.role, list(roles))
        _check_open(task, case)
        if not note or len(note) > NOTE_MAX:
            raise InvalidTaskError("note", f"1 to {NOTE_MAX} characters")
        return _finish(cw, tx, user, case, spec, task, DONE, note=note)


def close_task(cw: Casework, user: User, case_id: int, task_id: int, reason: str) -> Task:
    """The lead closes an open task with a reason (no longer needed, taken over, …)."""
    reason = reason.strip()
    with cw.store.transaction() as tx:
        case, task, spec, lead = _task(cw, tx, user, case_id, task_id)
        if not lead or user.role not in spec.close:
            raise RoleNotAllowedError("close_task", user.role, list(spec.close))
        _check_open(task, case)
        if not reason or len(reason) > NOTE_MAX:
            raise InvalidTaskError("reason", f"1 to {NOTE_MAX} characters")
        return _finish(cw, tx, user, case, spec, task, CLOSED, reason=reason)


# -- the steps ------------------------------------------------------------------------------
def _finish(
    cw: Casework,
    tx: SqlTransaction,
    user: User,
    case: Case,
    spec: TasksDef,
    task: Task,
    status: str,
    *,
    note: str | None = None,
    reason: str | None = None,
) -> Task:
    now = cw.clock.now()
    if not stored.finish(tx, task, status, now, user.username, note=note, reason=reason):
        raise TaskFinishedError(task.id, "finished")
    updated = _record(tx, user, case, TASK_DONE if status == DONE else TASK_CLOSED, task, now)
    if spec.done is not None and all_finished(stored.tasks_of_case(tx, case.id), updated):
        try:
            with tx.savepoint():
                cw.service.fire_in(tx, case.id, spec.done, SYSTEM_ACTOR, {})
        except ActionError:
            pass  # the case waits in its state for a person to move it
    done = stored.get_task(tx, case.id, task.id)
    assert done is not None
    return done


def _record(
    tx: SqlTransaction,
    user: User,
    case: Case,
    action: str,
    task: Task,
    at: datetime,
    extra: str = "",
) -> Case:
    """The task's change in the case's history and in the audit log."""
    what = f"#{task.id} {task.unit}" + (f" → {extra}" if extra else "")
    updated = case_records.record_change(
        tx, case, user.actor, action, at, changes={}, note=f"{what}: {task.title}".rstrip(": ")
    )
    audit.record(tx, at=at, username=user.username, action=action, case_id=case.id, reason=what)
    return updated


def _task(
    cw: Casework, tx: SqlTransaction, user: User, case_id: int, task_id: int
) -> tuple[Case, Task, TasksDef, bool]:
    case = visible_in(tx, user, case_id)
    every = stored.tasks_of_case(tx, case.id)
    lead = _leads(tx, user.scope, case, every)
    task = next((t for t in every if t.id == task_id), None)
    if task is None or not (lead or _in_unit(user.scope, task)):
        raise UnknownTaskError(case_id, task_id)
    spec = tasks_of(cw.service.definition_of(case), task.state)
    if spec is None:
        raise TaskFinishedError(task.id, "of a state the workflow no longer has")
    return case, task, spec, lead


def _linked(tx: SqlTransaction, user: User, case: Case) -> list[Case]:
    """The cases `linked_cases` names, each one the user must see (422 otherwise)."""
    named = case.data.get(LINKED_CASES)
    out: list[Case] = []
    for raw in dict.fromkeys(named if isinstance(named, list) else []):
        text = str(raw).strip().lstrip("#")
        try:
            linked = visible_in(tx, user, int(text))
        except (ValueError, CaseNotFoundError):
            raise InvalidTaskError(LINKED_CASES, f"no case {raw!r} you may see") from None
        if linked.id != case.id:
            out.append(linked)
    return out


def _spec(cw: Casework, case: Case) -> TasksDef:
    spec = tasks_of(cw.service.definition_of(case), case.state)
    if spec is None:
        raise NoTasksHereError(case.state)
    return spec


def _leads(tx: SqlTransaction, vis: Visibility, case: Case, every: list[Task]) -> bool:
    task_units = {t.unit for t in every}
    handed = [u for u in queries.handed_units(tx, case.id) if u not in task_units]
    return leads(vis, case, handed)


def _in_unit(vis: Visibility, task: Task) -> bool:
    return vis.everything or task.unit in vis.units


def _check_open(task: Task, case: Case) -> None:
    if task.status != OPEN:
        raise TaskFinishedError(task.id, task.status)
    if not task.current(case):
        raise TaskFinishedError(task.id, "of a stay its case has left")


def _check_assignee(tx: SqlTransaction, assignee: str, unit: str) -> None:
    person = get_user(tx, assignee)
    if person is None or not person.active or person.unit != unit or person.role == SYSTEM_ROLE:
        raise InvalidTaskError("assignee", f"no active user {assignee!r} in unit {unit!r}")


def _due(cw: Casework, due: str | None, now: datetime) -> datetime | None:
    """A deadline typed: a date or moment, or a duration from now; in the future."""
    if due is None or not due.strip():
        return None
    text = due.strip()
    moment = as_moment(text, cw.service.calendar.tz)
    if moment is None:
        try:
            moment = parse_duration(text).add(now, cw.service.calendar)
        except DurationError as exc:
            raise InvalidTaskError("due", str(exc)) from exc
    if moment <= now:
        raise InvalidTaskError("due", "must lie in the future")
    return moment
