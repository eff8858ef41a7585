"""A workflow drawn as a Mermaid state diagram."""

from __future__ import annotations

from engine.definition import Definition


def mermaid(definition: Definition, lang: str = "zh") -> str:
    """Mermaid `stateDiagram-v2` text: states with their labels, actions on the arrows,
    timers as notes."""
    lines = ["stateDiagram-v2", f"    [*] --> {definition.initial}"]
    for name, st in definition.states.items():
        label = _one_line(st.label.get(lang)).replace('"', "'")
        lines.append(f'    state "{label}" as {name}')
    for t in definition.transitions:
        label = _one_line(t.label.get(lang)).replace(":", " ")
        for source in t.sources:
            lines.append(f"    {source} --> {t.dest}: {label}")
    for name, st in definition.states.items():
        if st.final:
            lines.append(f"    {name} --> [*]")
        for timer in st.timers:
            after = timer.after
            if after.duration is not None:
                when = str(after.duration)
            elif after.by:
                when = f"by {after.by}"
            else:
                when = f"at {timer.at_field}"
            then = timer.action or ("notify " + ", ".join(timer.notify))
            lines.append(f"    note right of {name}: ⏱ {timer.name} {when} → {then}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """A label as one line: Mermaid ends a statement at a line break."""
    return " ".join(text.split())
