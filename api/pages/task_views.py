"""The case page's tasks (engine.casework.tasks): each task as the user sees it, with the
forms they may use on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.pages.formatting import Due, due, duration_text, local
from api.pages.i18n import translate
from engine.casework.tasks import CaseTasks
from engine.definition import Definition
from engine.model import Task
from engine.units import UnitTree


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    unit: str
    title: str
    assignee: str
    status: str  # open | done | closed
    status_text: str
    due: Due | None  # open tasks only
    due_text: str
    note: str
    reason: str
    finished: str  # who and when, once done or closed
    may_complete: bool
    may_close: bool
    may_assign: bool


def task_title(definition: Definition, task: Task, lang: str) -> str:
    """The task's own title, or its state's `tasks.title` (a task given from a units field)."""
    if task.title:
        return task.title
    st = definition.states.get(task.state)
    spec = st.tasks if st is not None else None
    return spec.title.get(lang) if spec is not None and spec.title else ""


def task_section(
    view: CaseTasks,
    definition: Definition,
    tree: UnitTree,
    lang: str,
    tz: str,
    now: Any,
) -> dict[str, Any]:
    """What the template's tasks section needs: the tasks, the add form's units and the
    state's period (shown as the default deadline)."""
    items = []
    for t in view.tasks:
        open_here = view.open_here(t)
        finished = ""
        if t.finished_at is not None:
            finished = f"{t.finished_by or ''} · {local(t.finished_at, tz, lang=lang)}"
        items.append(
            TaskView(
                id=t.id,
                unit=tree.label(t.unit, lang),
                title=task_title(definition, t, lang),
                assignee=t.assignee or "",
                status=t.status,
                status_text=translate(lang, f"task.status.{t.status}"),
                due=due(t.due_at, now, lang, tz) if t.status == "open" else None,
                due_text=local(t.due_at, tz, lang=lang),
                note=t.note or "",
                reason=t.reason or "",
                finished=finished,
                may_complete=view.may_complete(t),
                may_close=open_here and view.may_close,
                may_assign=view.may_assign(t),
            )
        )
    spec = view.spec
    return {
        "tasks": items,
        "tasks_shown": bool(items) or view.may_add,
        "may_add_task": view.may_add,
        "task_units": [
            (u.code, tree.label(u.code, lang))
            for u in sorted(tree.units.values(), key=lambda u: u.code)
            if not u.retired
        ]
        if view.may_add
        else [],
        "task_period": duration_text(spec.after, lang) if spec is not None else "",
    }
