"""A workflow drawn as a Mermaid state diagram."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.definition import Definition, PointsEffect, TasksDef, TimerDef
from engine.definition_diff import Marks

# Characters Mermaid reads as syntax, as a directive (`%%{init: …}%%`) or as HTML (`<img>`),
# written as its entity codes (`#60;` for `<`), which it draws as the characters themselves:
# a label is plain text whatever a definition's author typed. `#` is among them, so a
# label's own `#…;` is drawn as typed too.
ESCAPED = '#%&<>"`:;{}[]|\\'
MERMAID_TEXT = str.maketrans({c: f"#{ord(c)};" for c in ESCAPED})

#: The marker an arrow's or a note's label starts with, per change (engine.definition_diff).
MARKERS = {"added": "＋", "changed": "✎", "removed": "－"}
#: The Mermaid classes of marked states: added and changed states, removed ones as ghosts.
CLASS_DEFS = (
    "    classDef added fill:#e6ffed,stroke:#1a7f37,stroke-width:2px",
    "    classDef changed fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
    "    classDef removed fill:#f6f8fa,stroke:#cf222e,stroke-dasharray:5 5,color:#57606a",
)
GHOST_SUFFIX = {"zh": "（已删除）", "en": " (removed)"}


def mermaid(definition: Definition, lang: str = "zh", marks: Marks | None = None) -> str:
    """Mermaid `stateDiagram-v2` text: states with their labels, actions on the arrows (with
    the points they award or deduct), timers as notes (the case-level ones on the left of the
    initial state, marked "case"), a state's tasks as a note on its left. With `marks`
    (engine.definition_diff), added and changed states carry a class, arrows and timer notes
    start with a marker (＋ added, ✎ changed), and removed states and arrows are drawn as
    dashed ghosts (－)."""
    lines = ["stateDiagram-v2", f"    [*] --> {definition.initial}"]
    for name, st in definition.states.items():
        lines.append(f'    state "{label_text(st.label.get(lang))}" as {name}')
    ghosts = dict(marks.removed_states) if marks else {}
    for name, was in ghosts.items():
        lines.append(f'    state "{label_text(was.get(lang) + GHOST_SUFFIX[lang])}" as {name}')
    for t in definition.transitions:
        label = label_text(" ".join([t.label.get(lang), *map(points_text, t.points)]))
        for source in t.sources:
            op = marks.transitions.get((t.action, source)) if marks else None
            lines.append(f"    {source} --> {t.dest}: {_marked(label, op)}")
    drawn = set(definition.states) | set(ghosts)
    for r in marks.removed_transitions if marks else ():
        if r.source in drawn and r.dest in drawn:
            label = label_text(r.label.get(lang))
            lines.append(f"    {r.source} --> {r.dest}: {_marked(label, 'removed')}")
    for name, st in definition.states.items():
        if st.final:
            lines.append(f"    {name} --> [*]")
        for timer in st.timers:
            op = marks.timers.get(timer.name) if marks else None
            note = label_text(_marked(_timer_note(timer), op))
            lines.append(f"    note right of {name}: {note}")
        if st.tasks is not None:
            lines.append(f"    note left of {name}: {label_text(_tasks_note(st.tasks, lang))}")
    for timer in definition.timers:
        op = marks.timers.get(timer.name) if marks else None
        note = label_text(_marked(_timer_note(timer), op))
        lines.append(f"    note left of {definition.initial}: {note}")
    if marks is not None:
        lines.extend(_classes(marks, definition.states, ghosts))
    return "\n".join(lines) + "\n"


def points_text(effect: PointsEffect) -> str:
    """A `points:` effect on its arrow: ``🏅 +proposed_points activity → participant``."""
    sign = "-" if effect.deduct else "+"
    amount = effect.amount if effect.amount is not None else effect.amount_field
    category = effect.category or effect.category_field
    return f"🏅 {sign}{amount} {category} → {effect.account_from}"


def _timer_note(timer: TimerDef) -> str:
    after = timer.after
    if timer.every is not None:
        when = f"every {timer.every}"
    elif after.duration is not None:
        when = str(after.duration)
    elif after.by:
        when = f"by {after.by}"
    else:
        when = f"at {timer.at_field}"
    if timer.from_field:
        when += f" from {timer.from_field}"
    if timer.count is not None:
        when += f", {timer.count} times"
    if timer.until_field:
        when += f" until {timer.until_field}"
    if timer.until_state:
        when += f" until {', '.join(timer.until_state)}"
    then = timer.action or ("notify " + ", ".join(timer.notify))
    scope = "case " if timer.case_level else ""
    return f"⏱ {scope}{timer.name} {when} → {then}"


def _tasks_note(tasks: TasksDef, lang: str) -> str:
    """A state's tasks: who gets one, each one's period, what its deadline and the last one
    done fire."""
    who = f"☑ {tasks.units}" if tasks.units else "☑ " + ", ".join(tasks.add)
    title = f" {tasks.title.get(lang)}" if tasks.title else ""
    then = [f"⏱ {tasks.after}"]
    if tasks.overdue:
        then.append(f"→ {tasks.overdue}")
    if tasks.done:
        then.append(f"✓ → {tasks.done}")
    return f"{who}{title} {' '.join(then)}"


def _marked(label: str, op: str | None) -> str:
    return f"{MARKERS[op]} {label}" if op in MARKERS else label


def _classes(marks: Marks, states: Iterable[str], ghosts: Mapping[str, object]) -> list[str]:
    """The class statements, states in the definition's order."""
    by_op: dict[str, list[str]] = {"added": [], "changed": [], "removed": list(ghosts)}
    for name in states:
        op = marks.states.get(name)
        if op in ("added", "changed"):
            by_op[op].append(name)
    lines = list(CLASS_DEFS)
    lines.extend(f"    class {','.join(names)} {op}" for op, names in by_op.items() if names)
    return lines


def label_text(text: str) -> str:
    """A label as one line of plain text: Mermaid ends a statement at a line break, and
    reads the characters in ESCAPED as syntax or markup."""
    return " ".join(text.split()).translate(MERMAID_TEXT)
