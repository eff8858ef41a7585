"""What a firing brings is checked before anything is written: field values, required fields.

The checks of a definition's fields are compiled once (engine.plans): a value of the right
type passes with one isinstance test; only a value that fails (or a date, which must be
parsed) goes through the loader's `check_value`, which words the error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.definition import FieldDef
from engine.errors import InvalidDataError
from engine.loader import check_value, did_you_mean

Check = Callable[[object], bool]


def _is_str(v: object) -> bool:
    return isinstance(v, str)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_bool(v: object) -> bool:
    return isinstance(v, bool)


def _is_list(v: object) -> bool:
    return isinstance(v, list)


_FAST: dict[str, Check] = {
    "string": _is_str,
    "text": _is_str,
    "int": _is_int,
    "number": _is_number,
    "bool": _is_bool,
    "list": _is_list,
}


class FieldCheck:
    """The check of one field: its type (and enum values), then its bounds."""

    __slots__ = ("bounded", "field", "ok")

    def __init__(self, f: FieldDef) -> None:
        self.field = f
        self.ok: Check | None = _FAST.get(f.type)
        if f.type == "enum":
            values = frozenset(f.values)
            self.ok = lambda v: isinstance(v, str) and v in values
        self.bounded = f.type in ("int", "number") and (f.min is not None or f.max is not None)

    def error(self, value: Any) -> str:
        """Why `value` does not fit the field, or an empty string (None always fits)."""
        if value is None:
            return ""
        f = self.field
        if self.ok is None or not self.ok(value):
            err = check_value(f.type, f.values, value)
            if err:
                return err
        if self.bounded:
            if f.min is not None and value < f.min:
                return f"must be at least {f.min:g}"
            if f.max is not None and value > f.max:
                return f"must be at most {f.max:g}"
        return ""


class DataCheck:
    """Checks a payload against a definition's fields; raises InvalidDataError with every
    problem at once (unknown fields with a "did you mean", wrong types, values out of range)."""

    __slots__ = ("checks",)

    def __init__(self, fields: Mapping[str, FieldDef]) -> None:
        self.checks = {name: FieldCheck(f) for name, f in fields.items()}

    def __call__(self, payload: Mapping[str, Any]) -> None:
        checks = self.checks
        errors: dict[str, str] = {}
        for k, v in payload.items():
            check = checks.get(k)
            if check is None:
                hint = did_you_mean(k, checks)
                errors[k] = "unknown field" + (f" ({hint})" if hint else "")
                continue
            err = check.error(v)
            if err:
                errors[k] = err
        if errors:
            raise InvalidDataError(errors)


def absent(value: object) -> bool:
    """A required field counts as missing when it is None, empty text or an empty list."""
    return value is None or value == "" or value == []


def missing(required: Iterable[str], data: Mapping[str, Any]) -> list[str]:
    """The required fields `data` lacks, in the order they are required."""
    return [f for f in required if absent(data.get(f))]


def scope(state: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What guards and effects see: the case's data, and `state` unless a field has that name."""
    out = dict(data)
    out.setdefault("state", state)
    return out
