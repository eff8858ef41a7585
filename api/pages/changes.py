"""A definition diff as the pages list it: changes grouped by kind, each in the page's
language, and the new version's diagram with the changed parts marked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.pages.i18n import translate
from engine.definition import KNOWN_ROLES, Definition
from engine.definition_diff import KINDS, DefinitionDiff
from engine.diagram import MARKERS, mermaid


@dataclass(frozen=True, slots=True)
class ChangeLine:
    op: str
    op_label: str
    text: str


@dataclass(frozen=True, slots=True)
class ChangeGroup:
    kind: str
    title: str
    changes: list[ChangeLine]


def change_groups(changes: DefinitionDiff, lang: str) -> list[ChangeGroup]:
    """The changes grouped as the page shows them: the workflow's own settings, states,
    transitions, fields, timers; groups without a change are left out."""
    groups = []
    for kind in KINDS:
        lines = [
            ChangeLine(c.op, translate(lang, f"diff.op.{c.op}"), _role_labels(c.text(lang), lang))
            for c in changes.of_kind(kind)
        ]
        if lines:
            groups.append(ChangeGroup(kind, translate(lang, f"diff.kind.{kind}"), lines))
    return groups


def _role_labels(text: str, lang: str) -> str:
    """A change's words with the roles it names by their labels (the diff names codes)."""
    if lang == "en":
        return text
    return _ROLE.sub(lambda m: translate(lang, f"role.{m.group(0)}"), text)


_ROLE = re.compile(
    r"(?<![\w.])(?:" + "|".join(sorted(KNOWN_ROLES, key=len, reverse=True)) + r")(?![\w.])"
)


def marked_diagram(definition: Definition, changes: DefinitionDiff, lang: str) -> str:
    """The new version's Mermaid diagram with its changes marked; of the timer notes only
    those of added or changed timers stay (all of them make the drawing too wide to read)."""
    text = mermaid(definition, lang, marks=changes.marks)
    marked = tuple(f": {m} " for m in MARKERS.values())
    kept = [
        line
        for line in text.splitlines()
        if not line.lstrip().startswith("note ") or any(m in line for m in marked)
    ]
    return "\n".join(kept) + "\n"
