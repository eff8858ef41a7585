"""What a firing brings is checked before anything is written: which fields it may carry,
their values, the required fields.

The checks of a definition's fields are compiled once (engine.plans): a value of the right
type passes with one isinstance test and, for numbers, a range test (every whole number fits
64 bits, every number is finite: what the stores can keep); only a value that fails (or a
date, which must be parsed) goes through the loader's `check_value`, which words the error.
Each action, and opening a case, takes only the fields it declares (`requires` and
`accepts`); anything else is refused by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.definition import INT_MAX, INT_MIN, FieldDef
from engine.definition_reader import FLOAT_BITS, NOT_FINITE, OUT_OF_RANGE, storage_error
from engine.errors import InvalidDataError
from engine.loader import check_value, did_you_mean

Check = Callable[[object], bool]

#: At most this many problems of one payload are worded (a payload of 50,000 unknown keys
#: is refused as fast as one of three).
MAX_PROBLEMS = 20
#: Names longer than this get no "did you mean" (difflib's cost grows with the length).
_HINT_LENGTH = 64


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
    """The check of one field: its type (and enum values), what can be stored, its bounds."""

    __slots__ = ("field", "integer", "nested", "numeric", "ok")

    def __init__(self, f: FieldDef) -> None:
        self.field = f
        self.ok: Check | None = _FAST.get(f.type)
        if f.type == "enum":
            values = frozenset(f.values)
            self.ok = lambda v: isinstance(v, str) and v in values
        self.numeric = f.type in ("int", "number")
        self.integer = f.type == "int"
        self.nested = f.type == "list"

    def error(self, value: Any) -> str:
        """Why `value` does not fit the field, or an empty string (None always fits)."""
        if value is None:
            return ""
        f = self.field
        if self.ok is None or not self.ok(value):
            err = check_value(f.type, f.values, value)
            if err:
                return err
        if self.numeric:
            if self.integer:
                if not INT_MIN <= value <= INT_MAX:
                    return OUT_OF_RANGE
            elif isinstance(value, int):
                if value.bit_length() > FLOAT_BITS:
                    return NOT_FINITE
            elif not math.isfinite(value):
                return NOT_FINITE
            if f.min is not None and value < f.min:
                return f"must be at least {f.min:g}"
            if f.max is not None and value > f.max:
                return f"must be at most {f.max:g}"
        elif self.nested:
            return storage_error(value)
        return ""


class DataCheck:
    """Checks a payload against a definition's fields; raises InvalidDataError with every
    problem at once (up to MAX_PROBLEMS): unknown fields with a "did you mean", fields the
    step does not accept, wrong types, values out of range."""

    __slots__ = ("checks", "declared", "refusal")

    def __init__(self, fields: Mapping[str, FieldDef]) -> None:
        self.checks: Mapping[str, FieldCheck] = {name: FieldCheck(f) for name, f in fields.items()}
        self.declared: frozenset[str] = frozenset(fields)
        self.refusal = ""

    def only(self, accepts: Iterable[str], step: str) -> DataCheck:
        """The same checks, for a step that takes only the fields `accepts` (`step` names it
        in the refusal: "action 'report'", "opening a case")."""
        out = DataCheck({})
        out.checks = {n: self.checks[n] for n in accepts if n in self.checks}
        out.declared = self.declared
        taken = ", ".join(out.checks) or "no data"
        out.refusal = f"not accepted by {step} (it takes: {taken})"
        return out

    def __call__(self, payload: Mapping[str, Any]) -> None:
        checks = self.checks
        errors: dict[str, str] = {}
        for k, v in payload.items():
            check = checks.get(k)
            if check is None:
                errors[k] = self._unknown(k)
            elif err := check.error(v):
                errors[k] = err
            else:
                continue
            if len(errors) >= MAX_PROBLEMS:
                break
        if errors:
            raise InvalidDataError(errors)

    def _unknown(self, name: str) -> str:
        if self.refusal and name in self.declared:
            return self.refusal
        hint = did_you_mean(name, self.checks) if len(name) <= _HINT_LENGTH else ""
        return "unknown field" + (f" ({hint})" if hint else "")


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
