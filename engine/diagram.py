"""A workflow drawn as a Mermaid state diagram."""

from __future__ import annotations

from engine.definition import Definition

# Characters Mermaid reads as syntax, as a directive (`%%{init: …}%%`) or as HTML (`<img>`),
# written as its entity codes (`#60;` for `<`), which it draws as the characters themselves:
# a label is plain text whatever a definition's author typed. `#` is among them, so a
# label's own `#…;` is drawn as typed too.
ESCAPED = '#%&<>"`:;{}[]|\\'
MERMAID_TEXT = str.maketrans({c: f"#{ord(c)};" for c in ESCAPED})


def mermaid(definition: Definition, lang: str = "zh") -> str:
    """Mermaid `stateDiagram-v2` text: states with their labels, actions on the arrows,
    timers as notes."""
    lines = ["stateDiagram-v2", f"    [*] --> {definition.initial}"]
    for name, st in definition.states.items():
        lines.append(f'    state "{label_text(st.label.get(lang))}" as {name}')
    for t in definition.transitions:
        label = label_text(t.label.get(lang))
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
            note = label_text(f"⏱ {timer.name} {when} → {then}")
            lines.append(f"    note right of {name}: {note}")
    return "\n".join(lines) + "\n"


def label_text(text: str) -> str:
    """A label as one line of plain text: Mermaid ends a statement at a line break, and
    reads the characters in ESCAPED as syntax or markup."""
    return " ".join(text.split()).translate(MERMAID_TEXT)
