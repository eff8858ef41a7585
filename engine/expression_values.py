"""What expressions compute with at run time: the kinds of values, operators, functions.

Kept apart from the compiler (:mod:`engine.expressions`), which checks source text and builds
closures over these operations.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

#: Callable names, in the order they are listed in messages.
FUNCTIONS: Final = (
    "len",
    "min",
    "max",
    "abs",
    "int",
    "float",
    "str",
    "lower",
    "upper",
    "round",
    "contains",
)
_MAX_SEQUENCE: Final = 100_000


class ExpressionError(ValueError):
    """A rejected expression (at compile time) or a failed evaluation (at run time)."""

    def __init__(self, message: str, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.col = col


def truthy(value: object) -> bool:
    """Truth value used by ``and``/``or``/``not``/``if`` and by guards (Python's rules)."""
    if value is None:
        return False
    try:
        return bool(value)
    except Exception:  # an odd object in case data: present means true
        return True


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def is_number(value: object) -> bool:
    return isinstance(value, int | float)


def is_sequence(value: object) -> bool:
    return isinstance(value, str | list | tuple)


def arith(symbol: str, left: object, right: object) -> object:
    if symbol == "+":
        if is_number(left) and is_number(right):
            return left + right  # type: ignore[operator]
        if isinstance(left, str) and isinstance(right, str):
            _bounded(len(left) + len(right), "+")
            return left + right
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            _bounded(len(left) + len(right), "+")
            return [*left, *right]
    elif symbol == "*":
        if is_number(left) and is_number(right):
            return left * right  # type: ignore[operator]
        seq, count = (left, right) if is_sequence(left) else (right, left)
        if is_sequence(seq) and isinstance(count, int) and not isinstance(count, bool):
            assert isinstance(seq, str | list | tuple)
            _bounded(len(seq) * count, "*")
            return seq * count
    elif is_number(left) and is_number(right):
        try:
            return _NUMERIC[symbol](left, right)
        except ZeroDivisionError:
            raise ExpressionError(f"division by zero in '{symbol}'") from None
        except OverflowError:
            raise ExpressionError(f"number too large in '{symbol}'") from None
    raise ExpressionError(f"cannot apply '{symbol}' to {kind(left)} and {kind(right)}")


def _bounded(length: int, symbol: str) -> None:
    if length > _MAX_SEQUENCE:
        raise ExpressionError(f"'{symbol}' would build a value longer than {_MAX_SEQUENCE}")


_NUMERIC: Final[Mapping[str, Callable[[object, object], object]]] = {
    "-": operator.sub,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}
_ORDERING: Final[Mapping[str, Callable[[Any, Any], object]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def contains(container: object, item: object) -> bool:
    if container is None:
        return False
    if isinstance(container, str):
        if not isinstance(item, str):
            raise ExpressionError(f"cannot look for {kind(item)} in a string")
        return item in container
    if isinstance(container, list | tuple | set | frozenset | dict):
        try:
            return item in container
        except TypeError:  # unhashable item in a set/dict
            return False
    raise ExpressionError(f"'in' needs a string or list on the right, not {kind(container)}")


def compare(symbol: str, left: object, right: object) -> bool:
    if symbol == "==":
        return left == right
    if symbol == "!=":
        return left != right
    if symbol == "in":
        return contains(right, left)
    if symbol == "not in":
        return not contains(right, left)
    if left is None or right is None:
        return False
    comparable = (
        (is_number(left) and is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, list | tuple) and isinstance(right, list | tuple))
        or type(left) is type(right)
    )
    if comparable:
        try:
            return bool(_ORDERING[symbol](left, right))
        except TypeError:
            pass
    raise ExpressionError(f"cannot compare {kind(left)} and {kind(right)} with '{symbol}'")


def _fn_len(value: object) -> object:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | dict | set | frozenset):
        return len(value)
    raise ExpressionError(f"len() needs a string or list, not {kind(value)}")


def _extreme(name: str, pick: Callable[[Sequence[object]], object]) -> Callable[..., object]:
    def fn(*args: object) -> object:
        values: Sequence[object] = args
        if len(args) == 1:
            only = args[0]
            if only is None:
                return None
            if not isinstance(only, list | tuple):
                raise ExpressionError(f"{name}() of one argument needs a list, not {kind(only)}")
            values = only
        present = [v for v in values if v is not None]
        if not present:
            return None
        try:
            return pick(present)
        except TypeError:
            kinds = ", ".join(sorted({kind(v) for v in present}))
            raise ExpressionError(f"{name}() cannot compare {kinds}") from None

    return fn


def _fn_abs(value: object) -> object:
    if value is None:
        return None
    if is_number(value):
        return abs(value)  # type: ignore[arg-type]
    raise ExpressionError(f"abs() needs a number, not {kind(value)}")


def _fn_int(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, int | float | str):
        try:
            return int(value)
        except (ValueError, OverflowError):
            raise ExpressionError(f"int() cannot convert {value!r}") from None
    raise ExpressionError(f"int() needs a number or string, not {kind(value)}")


def _fn_float(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except (ValueError, OverflowError):
            raise ExpressionError(f"float() cannot convert {value!r}") from None
    raise ExpressionError(f"float() needs a number or string, not {kind(value)}")


def _fn_str(value: object) -> object:
    if value is None:
        return None
    try:
        return str(value)
    except ValueError:
        raise ExpressionError("str() cannot convert this value") from None


def _text_fn(name: str, convert: Callable[[str], str]) -> Callable[..., object]:
    def fn(value: object) -> object:
        if value is None:
            return None
        if isinstance(value, str):
            return convert(value)
        raise ExpressionError(f"{name}() needs a string, not {kind(value)}")

    return fn


def _fn_round(value: object, digits: object = None) -> object:
    if value is None:
        return None
    if not is_number(value):
        raise ExpressionError(f"round() needs a number, not {kind(value)}")
    if digits is None:
        try:
            return round(value)  # type: ignore[call-overload]
        except (ValueError, OverflowError):
            raise ExpressionError(f"round() cannot round {value!r}") from None
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise ExpressionError(f"round() needs whole-number digits, not {kind(digits)}")
    return round(value, digits)  # type: ignore[call-overload]


def _fn_contains(haystack: object, needle: object) -> object:
    return contains(haystack, needle)


IMPLEMENTATIONS: Final[Mapping[str, tuple[Callable[..., object], int, int | None]]] = {
    # name: (function, min args, max args or None)
    "len": (_fn_len, 1, 1),
    "min": (_extreme("min", min), 1, None),  # type: ignore[arg-type]
    "max": (_extreme("max", max), 1, None),  # type: ignore[arg-type]
    "abs": (_fn_abs, 1, 1),
    "int": (_fn_int, 1, 1),
    "float": (_fn_float, 1, 1),
    "str": (_fn_str, 1, 1),
    "lower": (_text_fn("lower", str.lower), 1, 1),
    "upper": (_text_fn("upper", str.upper), 1, 1),
    "round": (_fn_round, 1, 2),
    "contains": (_fn_contains, 2, 2),
}
assert tuple(IMPLEMENTATIONS) == FUNCTIONS
