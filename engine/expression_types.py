"""The types of expression values, known when a definition loads: what a field holds, what a
literal is, what an operator or a function gives back, and which of them can ever meet.

The rules follow what the run time does (engine.expression_values) on valid case data: a
combination is refused only when it always fails or is always false (or always true) whatever
the data, never when it works for some data. ``null`` meets everything: any field may be
missing. Dates are ISO text at run time (a date field holds ``2026-12-01``), so a date is a
string whose literals must be ISO dates. ``bool`` is a number to the run time (``true + 1`` is
2, ``flag == 1`` can hold), so it is one here too, but no field of another type takes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from engine.definition import FieldDef
from engine.expression_values import FUNCTIONS
from engine.yaml_reader import did_you_mean

__all__ = [
    "ANY",
    "BOOL",
    "NULL",
    "NUMERIC",
    "RESULTS",
    "SIGNATURES",
    "Signature",
    "Type",
    "arith_type",
    "constant_type",
    "describe",
    "field_type",
    "fit_problem",
    "never_equal",
    "orderable",
    "shown",
    "sign_type",
    "state_type",
    "text_problem",
    "union",
    "unquoted_hint",
]

#: Kinds of non-null values: what engine.expression_values.kind tells apart (int and float
#: apart, as an int field takes no 2.5).
KINDS: Final = frozenset({"bool", "int", "float", "str", "list"})
NUMERIC: Final = frozenset({"bool", "int", "float"})
_NO_VALUE: Final = object()
_WHOLE: Final = re.compile(r"-?[0-9]+")
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class Type(NamedTuple):
    """What an expression can compute: the kinds of its non-null values, whether it can be
    null, the strings it can be (when known: an enum's values, literals), how messages name it,
    and, for a constant, its value. (A tuple: built for every node of every expression.)"""

    kinds: frozenset[str]
    nullable: bool = True
    strings: tuple[str, ...] | None = None
    what: str = ""  # "enum field 'outcome'", "string 'x'"; empty: named by its kinds
    member_of: str = ""  # "a value of enum field 'outcome'", "a state": what `strings` are
    date: str = ""  # "date" or "datetime": ISO text of a date field
    value: object = _NO_VALUE

    @property
    def known(self) -> bool:
        """Whether this is a constant whose value is known."""
        return self.value is not _NO_VALUE


ANY: Final = Type(KINDS)
BOOL: Final = Type(frozenset({"bool"}), nullable=False)
NULL: Final = Type(frozenset(), value=None, what="null")

_FIELD_KINDS: Final[Mapping[str, frozenset[str]]] = {
    "string": frozenset({"str"}),
    "text": frozenset({"str"}),
    "int": frozenset({"int"}),
    "number": frozenset({"int", "float"}),
    "bool": frozenset({"bool"}),
    "enum": frozenset({"str"}),
    "date": frozenset({"str"}),
    "datetime": frozenset({"str"}),
    "list": frozenset({"list"}),
}
_NOUNS: Final[Mapping[str, str]] = {
    "bool": "a bool",
    "int": "a whole number",
    "float": "a decimal number",
    "str": "a string",
    "list": "a list",
}
_DATE_FORMS: Final[Mapping[str, str]] = {
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date or datetime (ISO 8601, e.g. 2026-12-01T09:00:00+08:00)",
}


def field_type(f: FieldDef) -> Type:
    """What a field holds (or null: any field may be missing)."""
    what = f"{f.type} field {f.name!r}"
    if f.type == "enum":
        return Type(
            _FIELD_KINDS["enum"], strings=f.values, what=what, member_of=f"a value of {what}"
        )
    date = f.type if f.type in _DATE_FORMS else ""
    return Type(_FIELD_KINDS[f.type], what=what, date=date)


def state_type(states: Iterable[str]) -> Type:
    """What `state` holds: the name of one of the definition's states."""
    return Type(
        frozenset({"str"}), nullable=False, strings=tuple(states), what="state", member_of="a state"
    )


def constant_type(value: object) -> Type:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return Type(frozenset({"bool"}), nullable=False, value=value)
    if isinstance(value, int):
        return Type(frozenset({"int"}), nullable=False, value=value)
    if isinstance(value, float):
        return Type(frozenset({"float"}), nullable=False, value=value)
    if isinstance(value, str):
        return Type(frozenset({"str"}), nullable=False, strings=(value,), value=value)
    if isinstance(value, list | tuple):
        return Type(frozenset({"list"}), nullable=False, value=value)
    return ANY


def union(types: Sequence[Type]) -> Type:
    """What one of `types` computes (the branches of `a if c else b`, of `or` …)."""
    first = types[0]
    if all(t == first for t in types):
        return first
    kinds = frozenset().union(*(t.kinds for t in types))
    texts = [t for t in types if "str" in t.kinds]
    strings: tuple[str, ...] | None = None
    if texts and all(t.strings is not None for t in texts):
        strings = tuple(dict.fromkeys(s for t in texts for s in t.strings or ()))
    dates = {t.date for t in texts}
    return Type(
        kinds,
        nullable=any(t.nullable for t in types),
        strings=strings,
        date=dates.pop() if len(dates) == 1 else "",
    )


def shown(value: object, limit: int = 40) -> str:
    """A literal as messages show it: 'text', 3, true, null, shortened."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def describe(t: Type) -> str:
    """How a message names what an expression computes."""
    if t.what:
        return t.what
    if t.known:
        kinds = {bool: "bool", int: "number", float: "number", str: "string", tuple: "tuple"}
        return f"{kinds.get(type(t.value), 'list')} {shown(t.value)}"
    if not t.kinds:
        return "null"
    if t.kinds == KINDS:
        return "a value"
    rest = set(t.kinds)
    nouns = []
    if {"int", "float"} <= rest:
        nouns.append("a number")
        rest -= {"int", "float"}
    nouns += [_NOUNS[k] for k in sorted(rest, key=list(_NOUNS).index)]
    return " or ".join(nouns)


# --------------------------------------------------------------------------- relations


def text_problem(text_type: Type, literal: Type, ordering: bool = False) -> tuple[str, str]:
    """Why a string literal can never match a text of known values or an ISO date:
    (message, hint), or empty strings."""
    value = literal.value
    if not isinstance(value, str):
        return "", ""
    strings = text_type.strings
    if text_type.member_of and strings is not None and value not in strings and not ordering:
        hint = did_you_mean(value, strings) or f"one of: {', '.join(strings)}"
        return f"{shown(value)} is not {text_type.member_of}", hint
    if text_type.date and not _is_date_text(value, text_type.date, ordering):
        form = _DATE_FORMS[text_type.date]
        return f"{shown(value)} is not {form} to compare {describe(text_type)} with", ""
    return "", ""


def _is_date_text(text: str, date: str, ordering: bool) -> bool:
    """Whether a date field's value can equal `text` (a date field holds dates only), or be
    ordered against it (a date, or a date and time)."""
    try:
        if date == "date" and not ordering:
            dt.date.fromisoformat(text)
        else:
            dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def never_equal(a: Type, b: Type) -> bool:
    """Whether `a == b` is false for every value of each (null equals null: never refused)."""
    if not a.kinds or not b.kinds:
        return False
    if a.kinds & NUMERIC and b.kinds & NUMERIC:
        return False
    if "list" in a.kinds and "list" in b.kinds:
        return False
    if "str" in a.kinds and "str" in b.kinds:
        if a.strings is not None and b.strings is not None and not set(a.strings) & set(b.strings):
            return True
        return any(
            d.date and not _is_date_text(str(o.value), d.date, False)
            for d, o in ((a, b), (b, a))
            if o.known
        )
    return True


def orderable(a: Type, b: Type) -> bool:
    """Whether `a < b` can be worked out for some non-null values of each."""
    if not a.kinds or not b.kinds:
        return True
    return bool(
        (a.kinds & NUMERIC and b.kinds & NUMERIC)
        or ("str" in a.kinds and "str" in b.kinds)
        or ("list" in a.kinds and "list" in b.kinds)
    )


def _numbers(t: Type) -> set[str]:
    """The numeric kinds of `t`, a bool counting as a whole number."""
    return {"int" if k == "bool" else k for k in t.kinds & NUMERIC}


def arith_type(symbol: str, a: Type, b: Type) -> Type | None:
    """What `a <symbol> b` computes, or None if it fails for every value of each."""
    kinds: set[str] = set()
    an, bn = _numbers(a), _numbers(b)
    if an and bn:
        if symbol == "/":
            kinds.add("float")
        else:
            kinds.update("int" if x == y == "int" else "float" for x in an for y in bn)
    if symbol == "+":
        kinds.update(k for k in ("str", "list") if k in a.kinds and k in b.kinds)
    elif symbol == "*":
        for seq, count in ((a, b), (b, a)):
            if "int" in count.kinds:  # a sequence repeated a whole number of times
                kinds.update(k for k in ("str", "list") if k in seq.kinds)
    return Type(frozenset(kinds), nullable=False) if kinds else None


def sign_type(a: Type) -> Type | None:
    """What unary `-a` / `+a` computes, or None if it always fails."""
    numbers = _numbers(a)
    return Type(frozenset(numbers), nullable=False) if numbers else None


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True, slots=True)
class Signature:
    """What a function takes (the kinds each argument may have, the last repeating, and how a
    message says so) and what it gives back."""

    takes: tuple[frozenset[str], ...]
    needs: tuple[str, ...]
    returns: Callable[[Sequence[Type]], Type]


def _same_numbers(args: Sequence[Type]) -> Type:
    numbers = _numbers(args[0]) or {"int", "float"}
    return Type(frozenset(numbers), nullable=args[0].nullable)


def _rounded(args: Sequence[Type]) -> Type:
    if len(args) == 1 or args[1].kinds == frozenset():
        return Type(frozenset({"int"}), nullable=args[0].nullable)
    numbers = _numbers(args[0]) | ({"int"} if args[1].nullable else set())
    return Type(frozenset(numbers or {"int", "float"}), nullable=args[0].nullable)


def _text(convert: Callable[[str], str] | None) -> Callable[[Sequence[Type]], Type]:
    def returns(args: Sequence[Type]) -> Type:
        a = args[0]
        strings = None
        if a.kinds == {"str"} and a.strings is not None:
            strings = tuple(dict.fromkeys(convert(s) if convert else s for s in a.strings))
        return Type(frozenset({"str"}), nullable=a.nullable, strings=strings)

    return returns


def _extreme(args: Sequence[Type]) -> Type:
    if len(args) == 1:
        return ANY
    return Type(union(args).kinds, nullable=all(a.nullable for a in args))


_TEXT: Final = frozenset({"str"})
_SEQUENCE: Final = frozenset({"str", "list"})
_NUMBER_OR_TEXT: Final = NUMERIC | _TEXT

#: Every function an expression may call: what each takes and gives back. min, max and
#: contains take any argument; how theirs are checked is in engine.expression_check.
SIGNATURES: Final[Mapping[str, Signature]] = {
    "len": Signature(
        (_SEQUENCE,), ("a string or list",), lambda a: Type(frozenset({"int"}), False)
    ),
    "min": Signature((KINDS,), ("a value",), _extreme),
    "max": Signature((KINDS,), ("a value",), _extreme),
    "abs": Signature((NUMERIC,), ("a number",), _same_numbers),
    "int": Signature(
        (_NUMBER_OR_TEXT,),
        ("a number or string",),
        lambda a: Type(frozenset({"int"}), a[0].nullable),
    ),
    "float": Signature(
        (_NUMBER_OR_TEXT,),
        ("a number or string",),
        lambda a: Type(frozenset({"float"}), a[0].nullable),
    ),
    "str": Signature((KINDS,), ("a value",), _text(None)),
    "lower": Signature((_TEXT,), ("a string",), _text(str.lower)),
    "upper": Signature((_TEXT,), ("a string",), _text(str.upper)),
    "round": Signature(
        (NUMERIC, frozenset({"int"})), ("a number", "whole-number digits"), _rounded
    ),
    "contains": Signature((KINDS, KINDS), ("a string or list", "a value"), lambda a: BOOL),
}
assert tuple(SIGNATURES) == FUNCTIONS

#: What each function gives back, in words (definitions/README.md lists the same).
RESULTS: Final[Mapping[str, str]] = {
    "len": "int",
    "min": "like its arguments (null if all are)",
    "max": "like its arguments (null if all are)",
    "abs": "a number like its argument",
    "int": "int",
    "float": "number (decimal)",
    "str": "string",
    "lower": "string",
    "upper": "string",
    "round": "int, or like its first argument when given digits",
    "contains": "bool",
}
assert tuple(RESULTS) == FUNCTIONS


# --------------------------------------------------------------------------- fields


def fit_problem(t: Type, f: FieldDef) -> tuple[str, str]:
    """Why a value computed as `t` never fits field `f` (message, hint), or empty strings.
    null fits every field."""
    if not t.kinds:
        return "", ""
    if t.known:
        return _constant_fit(t.value, f)
    if not t.kinds & _FIELD_KINDS[f.type]:
        hint = ""
        if f.type == "int" and "float" in t.kinds:
            hint = "round(...) or // give a whole number"
        return f"{describe(t)} does not fit {f.type} field {f.name!r}", hint
    if f.type == "enum" and t.strings is not None and not set(t.strings) & set(f.values):
        return f"{describe(t)} holds no value of enum field {f.name!r}", ""
    return "", ""


def _constant_fit(value: object, f: FieldDef) -> tuple[str, str]:
    target = f"{f.type} field {f.name!r}"
    if f.type == "enum" and isinstance(value, str):
        if value in f.values:
            return "", ""
        hint = did_you_mean(value, f.values) or f"one of: {', '.join(f.values)}"
        return f"{shown(value)} is not a value of {target}", hint
    if f.type in _DATE_FORMS and isinstance(value, str):
        if _is_date_text(value, "date" if f.type == "date" else "datetime", False):
            return "", ""
        return f"{shown(value)} is not {_DATE_FORMS[f.type]} for {target}", ""
    fits = {
        "string": isinstance(value, str),
        "text": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list),
    }.get(f.type, False)
    if not fits:
        return f"{describe(constant_type(value))} does not fit {target}", _unquoted(value, f)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if f.min is not None and value < f.min:
            return f"{shown(value)} is below the minimum {f.min:g} of {target}", ""
        if f.max is not None and value > f.max:
            return f"{shown(value)} is above the maximum {f.max:g} of {target}", ""
    return "", ""


def _unquoted(value: object, f: FieldDef) -> str:
    """A hint when the quotes are the mistake: 'false' for a bool, '3' for a number."""
    if not isinstance(value, str):
        if isinstance(value, tuple) and f.type == "list":
            return "write a list in [ ]"
        return ""
    return unquoted_hint(value, frozenset(_FIELD_KINDS[f.type]))


def unquoted_hint(text: str, kinds: frozenset[str]) -> str:
    """'did you mean false?' when `text` is a literal of one of `kinds` written in quotes."""
    word = text.strip()
    if "bool" in kinds and word.lower() in ("true", "false"):
        return f"did you mean {word.lower()}?"
    pattern = _WHOLE if "float" not in kinds else _NUMBER
    if kinds & {"int", "float"} and pattern.fullmatch(word):
        return f"did you mean {word}?"
    return ""
