"""Reading a state's `tasks:` (engine.tasks), each misuse located at file:line:col."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yaml.nodes import Node

from engine.definition import SYSTEM_ROLE, Label, TasksDef
from engine.definition_reader import DefinitionReader
from engine.yaml_reader import did_you_mean

TASKS_KEYS = (
    "after",
    "units",
    "title",
    "remind_at",
    "notify",
    "reason",
    "overdue",
    "done",
    "add",
    "close",
    "complete",
)


@dataclass(frozen=True, slots=True)
class Edge:
    """What the tasks' checks need of one transition leaving the state."""

    action: str
    dest: str
    roles: tuple[str, ...]
    internal: bool


def read_tasks(
    reader: DefinitionReader, node: Node, key: str, state: str, edges: Sequence[Edge]
) -> TasksDef | None:
    """The `tasks:` of `state`; `edges`: the transitions leaving it."""
    m = reader.mapping(node, key, TASKS_KEYS, ("after",))
    if m is None or "after" not in m:
        return None
    after = reader.duration(m["after"][1], f"{key}.after")
    units = None
    if "units" in m:
        f = reader.declared_field(m["units"][1], f"{key}.units", "units")
        if f is not None and f.type != "list":
            msg = f"units field {f.name!r} is a {f.type} field, not a list of unit codes"
            reader.problem(m["units"][1], f"{key}.units", msg)
        units = f.name if f is not None else None
    title: Label | None = None
    if "title" in m:
        title = reader.label(m["title"][1], f"{key}.title")
    elif units is not None:
        msg = "tasks given from a units field need a 'title' (what each unit is to do)"
        reader.problem(m["units"][1], f"{key}.title", msg)
    remind_at = reader.share(m["remind_at"][1], f"{key}.remind_at") if "remind_at" in m else None
    notify = reader.roles(m["notify"][1], f"{key}.notify") if "notify" in m else ()
    if remind_at is not None and not notify:
        msg = "a reminder goes to roles: add 'notify' (the task's unit is told as well)"
        reader.problem(m["remind_at"][1], f"{key}.remind_at", msg)
    reason = reader.label(m["reason"][1], f"{key}.reason") if "reason" in m else None
    overdue = _action(reader, m.get("overdue"), f"{key}.overdue", state, edges, internal=True)
    done = _action(reader, m.get("done"), f"{key}.done", state, edges, internal=False)
    add = reader.roles(m["add"][1], f"{key}.add") if "add" in m else ()
    close = reader.roles(m["close"][1], f"{key}.close") if "close" in m else ()
    complete = reader.roles(m["complete"][1], f"{key}.complete") if "complete" in m else ()
    for k, roles in (("add", add), ("close", close), ("complete", complete)):
        if SYSTEM_ROLE in roles:
            reader.problem(m[k][1], f"{key}.{k}", f"'{k}' is a person's step: not role 'system'")
    if units is None and not add:
        msg = "no task could ever be given: name a list field in 'units' or roles in 'add'"
        reader.problem(node, key, msg)
    for e in edges:
        if e.dest == state and not e.internal:
            msg = (
                f"action {e.action!r} re-enters {state!r}, whose tasks would lose their"
                " deadlines: make it 'internal: true' or lead to another state"
            )
            reader.problem(node, key, msg)
    if after is None:
        return None
    return TasksDef(
        state=state,
        after=after,
        units=units,
        title=title,
        remind_at=remind_at,
        notify=notify,
        reason=reason,
        overdue=overdue,
        done=done,
        add=add,
        close=close,
        complete=complete,
    )


def _action(
    reader: DefinitionReader,
    entry: tuple[Node, Node] | None,
    key: str,
    state: str,
    edges: Sequence[Edge],
    *,
    internal: bool,
) -> str | None:
    """`overdue` / `done`: a transition from this state the system may fire (`overdue` a
    self-loop kept `internal`, so the other tasks' deadlines keep running)."""
    if entry is None:
        return None
    node = entry[1]
    action: str | None = reader.scalar(node, key, str, "an action name")
    if action is None:
        return None
    found = next((e for e in edges if e.action == action), None)
    if found is None:
        msg = f"action {action!r} is not a transition from state {state!r}"
        reader.problem(node, key, msg, did_you_mean(action, [e.action for e in edges]))
        return action
    if SYSTEM_ROLE not in found.roles:
        msg = f"action {action!r} does not allow role 'system', which fires it"
        reader.problem(node, key, msg, "add 'system' to the transition's roles")
    if internal and not (found.internal and found.dest == state):
        msg = f"an overdue task's action {action!r} must be an internal self-loop"
        reader.problem(node, key, msg, "the other tasks' deadlines keep running")
    if not internal and found.dest == state:
        msg = f"action {action!r} stays in {state!r}: the case moves on when the tasks are done"
        reader.problem(node, key, msg)
    return action
