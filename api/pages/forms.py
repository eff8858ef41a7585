"""Forms built from a workflow's field declarations, and the typed values read back from them.

An action's form asks exactly the fields the action requires, plus the optional fields the
action's guard reads, so a mediator can satisfy the guard in the same step. Each input is
shaped by the field's type: enum → select with its value labels, bool → yes/no select, int
and number with their bounds, date and datetime pickers, text → textarea, list → one item a
line. Values come back as strings and are converted here; a wrong value becomes a message on
its field, and the form is shown again with everything that was typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.pages.i18n import translate
from engine.definition import Definition, FieldDef, TransitionDef
from engine.expressions import Expression

FIELD_PREFIX = "f_"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(slots=True)
class Widget:
    """One input of a form, ready for the `field` macro of the templates."""

    name: str
    input_name: str
    kind: str  # select | bool | number | date | datetime-local | textarea | list | text
    label: str
    required: bool
    value: str = ""
    help: str = ""
    options: list[Option] = field(default_factory=list)
    min: str = ""
    max: str = ""
    step: str = ""
    error: str = ""


def guard_names(expression: Expression | None) -> set[str]:
    """The names an expression reads."""
    return set(expression.names) if expression is not None else set()


def action_fields(definition: Definition, transition: TransitionDef) -> list[tuple[str, bool]]:
    """(field, required) for an action's form: required fields first, then the fields its
    guard reads that the action accepts and does not set itself."""
    out = [(name, True) for name in transition.requires if name in definition.fields]
    seen = {name for name, _ in out}
    set_by_action = {name for name, _ in transition.sets}
    for name in sorted(guard_names(transition.guard)):
        accepted = name in transition.accepts and name not in set_by_action
        if name in definition.fields and name not in seen and accepted:
            out.append((name, False))
            seen.add(name)
    return out


def display_value(fdef: FieldDef | None, value: Any, lang: str) -> str:
    """A stored value as a person reads it: enum labels, yes/no, list items."""
    if value is None or value == "":
        return "—"
    if fdef is not None and fdef.type == "enum" and isinstance(value, str):
        label = fdef.value_labels.get(value)
        return label.get(lang) if label else value
    if isinstance(value, bool):
        return translate(lang, "form.yes" if value else "form.no")
    if fdef is not None and fdef.type == "datetime" and isinstance(value, str) and len(value) > 16:
        return value[:16].replace("T", " ")  # the moment as written, to the minute
    if isinstance(value, list):
        return (
            "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
        )
    return str(value)


def _raw(fdef: FieldDef, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if fdef.type == "datetime" and isinstance(value, str) and len(value) > 16:
        return value[:16]
    return str(value)


def widget(
    fdef: FieldDef, required: bool, lang: str, value: Any = None, raw: str | None = None
) -> Widget:
    kinds = {
        "enum": "select",
        "bool": "bool",
        "int": "number",
        "number": "number",
        "date": "date",
        "datetime": "datetime-local",
        "text": "textarea",
        "list": "list",
    }
    w = Widget(
        name=fdef.name,
        input_name=FIELD_PREFIX + fdef.name,
        kind=kinds.get(fdef.type, "text"),
        label=fdef.label.get(lang),
        required=required,
        value=raw if raw is not None else _raw(fdef, value),
        help=fdef.help.get(lang) if fdef.help else "",
    )
    if fdef.type == "enum":
        w.options = [
            Option(v, fdef.value_labels[v].get(lang) if v in fdef.value_labels else v)
            for v in fdef.values
        ]
    if fdef.type in ("int", "number"):
        w.min = "" if fdef.min is None else f"{fdef.min:g}"
        w.max = "" if fdef.max is None else f"{fdef.max:g}"
        w.step = "1" if fdef.type == "int" else "any"
    if fdef.type == "list":
        w.help = (w.help + " " if w.help else "") + translate(lang, "form.list_help")
    return w


def widgets(
    definition: Definition,
    names: Iterable[tuple[str, bool]],
    lang: str,
    values: Mapping[str, Any] | None = None,
    raw: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[Widget]:
    """The inputs for `names`, pre-filled from the case (`values`) or what was typed (`raw`)."""
    out = []
    for name, required in names:
        fdef = definition.fields[name]
        typed = raw.get(name) if raw is not None else None
        w = widget(fdef, required, lang, (values or {}).get(name), typed)
        w.error = (errors or {}).get(name, "")
        out.append(w)
    return out


def typed_raw(form: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """What the user typed for each field, as text (kept to show the form again)."""
    out = {}
    for name in names:
        value = form.get(FIELD_PREFIX + name)
        if isinstance(value, str):
            out[name] = value
    return out


def parse(
    definition: Definition,
    names: Iterable[tuple[str, bool]],
    raw: Mapping[str, str],
    lang: str,
    tz: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values for the fields that were filled in, and a message for each bad one."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, required in names:
        fdef = definition.fields[name]
        text = raw.get(name, "").strip()
        if text == "":
            if required:
                errors[name] = translate(lang, "form.missing")
            continue
        value, error = convert(fdef, text, lang, tz)
        if error:
            errors[name] = error
        else:
            data[name] = value
    return data, errors


def convert(fdef: FieldDef, text: str, lang: str, tz: str) -> tuple[Any, str]:
    """One typed value from its text, or an error message."""
    if fdef.type == "bool":
        if text.lower() in ("true", "1", "on", "yes"):
            return True, ""
        if text.lower() in ("false", "0", "off", "no"):
            return False, ""
        return None, translate(lang, "form.choice")
    if fdef.type == "enum":
        return (text, "") if text in fdef.values else (None, translate(lang, "form.choice"))
    if fdef.type in ("int", "number"):
        try:
            number: int | float = int(text) if fdef.type == "int" else float(text)
        except ValueError:
            key = "form.invalid_int" if fdef.type == "int" else "form.invalid_number"
            return None, translate(lang, key)
        if fdef.min is not None and number < fdef.min:
            return None, translate(lang, "form.min", n=f"{fdef.min:g}")
        if fdef.max is not None and number > fdef.max:
            return None, translate(lang, "form.max", n=f"{fdef.max:g}")
        return number, ""
    if fdef.type == "date":
        try:
            return date.fromisoformat(text).isoformat(), ""
        except ValueError:
            return None, translate(lang, "form.invalid_date")
    if fdef.type == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None, translate(lang, "form.invalid_datetime")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        return moment.isoformat(), ""
    if fdef.type == "list":
        return [line.strip() for line in text.splitlines() if line.strip()], ""
    return text, ""
