"""Tasks within a case (任务, 协同处置 and a meeting's decisions): several units each doing
their part of one case, declared by a state's `tasks:` (engine.definition.TasksDef).

A task belongs to the stay in its state that gave it (`armed_seq`, the case's
`entered_seq` then), like a timer: entering the state gives each unit named by the `units`
field a task; while the case is there, the `add` roles may give more (a meeting's decisions).
Each task has a deadline (armed as a timer named ``task:<id>``, with its reminder), which
the timer sweep fires like any deadline: the state's `overdue` action (an internal self-loop,
so the other tasks keep running) escalates the case. A task is done by its unit (with a
note) or closed by the lead (with a reason); once none of the stay's tasks is open, the
state's `done` action moves the case on. Who sees which task: `tasks_seen`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from engine.definition import Definition, TasksDef
from engine.model import DEADLINE, REMINDER, TASK_OPEN, Actor, Case, Task, Timer
from engine.ports import Transaction
from engine.reserved import HANDOFF_LIST_FIELDS
from engine.timers import remind_at
from engine.visibility import Visibility, sees
from engine.workcalendar import WorkCalendar

OPEN = TASK_OPEN
DONE = "done"
CLOSED = "closed"  # by the lead, with a reason
STATUSES = (OPEN, DONE, CLOSED)


def tasks_of(definition: Definition, state: str) -> TasksDef | None:
    st = definition.states.get(state)
    return st.tasks if st is not None else None


def give(
    tx: Transaction,
    spec: TasksDef,
    case: Case,
    actor: Actor,
    wanted: Iterable[tuple[str, str, datetime | None]],
    start: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> list[Task]:
    """Give a task to each (unit, title, due) of `wanted` (due None: the state's period from
    `start`), arm each one's deadline and reminder; the tasks with their ids."""
    default_due = spec.after.add(start, calendar)
    tasks = [
        Task(
            case_id=case.id,
            state=case.state,
            armed_seq=case.entered_seq,
            unit=unit,
            title=title,
            due_at=due or default_due,
            created_at=now,
            created_by=actor.name,
        )
        for unit, title, due in wanted
    ]
    if not tasks:
        return []
    ids = tx.open_tasks(tasks)
    given = [replace(t, id=i) for t, i in zip(tasks, ids, strict=True)]
    armed = [x for t in given for x in task_timers(spec, case, t, start, now, calendar)]
    tx.arm_timers(armed)
    return given


def task_timers(
    spec: TasksDef, case: Case, task: Task, start: datetime, now: datetime, calendar: WorkCalendar
) -> list[Timer]:
    """A task's deadline (firing the state's `overdue` action) and its reminder."""
    tdef = spec.timer(task.id)
    out = [Timer(case.id, tdef.name, DEADLINE, task.due_at, task.armed_seq, action=spec.overdue)]
    if spec.remind_at is not None and spec.notify and task.due_at > now:
        moment = remind_at(tdef, spec.remind_at, case.data, start, task.due_at, calendar)
        out.append(Timer(case.id, tdef.name, REMINDER, max(now, moment), task.armed_seq))
    return out


def give_on_entry(
    tx: Transaction,
    definition: Definition,
    case: Case,
    actor: Actor,
    start: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> list[Task]:
    """On entering a state whose tasks come from a units field: a task for each unit named."""
    spec = tasks_of(definition, case.state)
    if spec is None or spec.units is None:
        return []
    named = case.data.get(spec.units)
    units = [u for u in dict.fromkeys(named if isinstance(named, list) else []) if u]
    wanted = [(u, "", None) for u in units if isinstance(u, str)]
    return give(tx, spec, case, actor, wanted, start, now, calendar)


def carry_on_move(
    tx: Transaction,
    target: Definition,
    case: Case,
    from_seq: int,
    now: datetime,
    calendar: WorkCalendar,
) -> list[Task]:
    """A case moved to another version (a new stay in its state, engine.service.move_in)
    keeps its open tasks and their deadlines where its state still takes tasks; elsewhere
    they stay with the stay they belonged to."""
    spec = tasks_of(target, case.state)
    if spec is None:
        return []
    carried = tx.carry_tasks(case.id, from_seq, case.state, case.entered_seq)
    armed = [
        x
        for t in carried
        for x in task_timers(spec, case, t, t.created_at, now, calendar)
        if x.kind == DEADLINE or x.fire_at > now  # a reminder sent already is not sent again
    ]
    if armed:
        tx.arm_timers(armed)
    return carried


def all_finished(tasks: Sequence[Task], case: Case) -> bool:
    """Whether the present stay gave tasks and none of them is open."""
    mine = [t for t in tasks if t.current(case)]
    return bool(mine) and all(t.status != OPEN for t in mine)


def leads(vis: Visibility, case: Case, handed_to: Iterable[str] = ()) -> bool:
    """Whether the user holds the case other than as a co-handler or a task's unit: by its
    owner, its lead or handling unit, its grid's tiers, or a hand-over (`handed_to`: the
    caller leaves out the units that have a task)."""
    data = {k: v for k, v in case.data.items() if k not in HANDOFF_LIST_FIELDS}
    return sees(vis, replace(case, data=data), handed_to)


def in_unit(vis: Visibility, task: Task) -> bool:
    """Whether the task's unit is one of the user's."""
    return vis.everything or task.unit in vis.units


def tasks_seen(
    vis: Visibility, case: Case, tasks: Sequence[Task], handed_to: Iterable[str] = ()
) -> list[Task]:
    """The tasks a user who sees the case sees: all of them when they lead it; a
    co-handling unit only its own (one unit's notes are not another's business:
    need to know, definitions/README.md, "tasks")."""
    if leads(vis, case, handed_to):
        return list(tasks)
    return [t for t in tasks if in_unit(vis, t)]
