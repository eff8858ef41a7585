"""The engine's messages on pages, in the reader's language.

The engine writes its messages (loader problems, refusals, the notes timers leave in a
case's history) in English; `engine.messages.identify` finds a message's id and parameters,
and the catalogs give the text of `msg.<id>` in the page's language, parameters filled in
(each translated in turn: a parameter may be a message, a lateness, or the code of a role,
field, state or action, shown by its label).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from api.pages.formatting import span
from api.pages.i18n import translate
from engine.definition import FIELD_TYPES, KNOWN_ROLES, Definition
from engine.errors import Problem
from engine.messages import identify

_LATE_PART = re.compile(r"(\d+) (d|h|min|s)\b")
_LATE_SECONDS = {"d": 86400, "h": 3600, "min": 60, "s": 1}
_QUOTED = re.compile(r"'([a-z][a-z0-9_]*)'")
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def role_names(lang: str) -> dict[str, str]:
    """The roles' and the field types' names by code: codes any message may name."""
    names = {role: translate(lang, f"role.{role}") for role in KNOWN_ROLES}
    names.update({t: translate(lang, f"fieldtype.{t}") for t in FIELD_TYPES})
    return names


def definition_names(definition: Definition, lang: str) -> dict[str, str]:
    """The labels of a definition's fields, states and actions, and of the roles, by code."""
    names = role_names(lang)
    names.update({f.name: f.label.get(lang) for f in definition.fields.values()})
    names.update({t.action: t.label.get(lang) for t in definition.transitions})
    names.update({s.name: s.label.get(lang) for s in definition.states.values()})
    return names


def late_text(lang: str, text: str) -> str:
    """A lateness as the timers write it ("2 d 3 h") in `lang`'s words ("2天3小时")."""
    parts = _LATE_PART.findall(text)
    if not parts or _LATE_PART.sub("", text).strip():
        return text
    seconds = sum(int(n) * _LATE_SECONDS[unit] for n, unit in parts)
    return span(timedelta(seconds=seconds), lang)


def _param(lang: str, name: str, value: str, names: Mapping[str, str]) -> str:
    if name == "late":
        return late_text(lang, value)
    if (m := _QUOTED.fullmatch(value)) and m.group(1) in names:
        return f"“{names[m.group(1)]}”"
    if value in names:
        return names[value]
    items = [v.strip() for v in value.split(",")]
    if len(items) > 1 and all(_CODE.fullmatch(i) and i in names for i in items):
        return "、".join(names[i] for i in items)
    either = value.split(" or ")
    if len(either) > 1 and all(i in names for i in either):
        return "或".join(names[i] for i in either)
    return engine_text(lang, value, names)


def engine_text(lang: str, text: str, names: Mapping[str, str] | None = None) -> str:
    """An engine message in `lang`; a text that is no engine message is shown as it is.
    `names` maps codes (roles, and a definition's fields, states, actions) to labels; the
    roles' labels are always known."""
    if lang == "en" or not text:
        return text
    found = identify(text)
    if found is None:
        return text
    known = {**role_names(lang), **(names or {})}
    params = {name: _param(lang, name, value, known) for name, value in found.params.items()}
    return translate(lang, f"msg.{found.id}", **params)


def problem_text(
    lang: str, problem: Problem, names: Mapping[str, str] | None = None, place: bool = True
) -> str:
    """A loader problem in `lang`: `file:line:col: key: message (hint)`."""
    if lang == "en":
        return str(problem) if place else str(problem).split(": ", 1)[-1]
    text = engine_text(lang, problem.message, names)
    if problem.hint:
        text += f"（{engine_text(lang, problem.hint, names)}）"
    key = f"{problem.key}：" if problem.key else ""
    where = f"{problem.file}:{problem.line}:{problem.col}：" if place else ""
    return where + key + text
