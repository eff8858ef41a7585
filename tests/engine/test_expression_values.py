"""The run-time side of expressions: value kinds, operators and functions, without parsing."""

from __future__ import annotations

import pytest

from engine.expression_values import (
    FUNCTIONS,
    IMPLEMENTATIONS,
    ExpressionError,
    arith,
    compare,
    contains,
    kind,
    truthy,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "bool"),
        (3, "number"),
        (2.5, "number"),
        ("a", "string"),
        ([1], "list"),
    ],
)
def test_kinds_are_named_as_the_schema_names_them(value: object, expected: str) -> None:
    assert kind(value) == expected


def test_arithmetic_keeps_to_its_kinds() -> None:
    assert arith("+", 1, 2) == 3
    assert arith("+", "调", "解") == "调解"
    assert arith("+", [1], (2,)) == [1, 2]
    assert arith("*", "ab", 2) == "abab"
    with pytest.raises(ExpressionError, match="cannot apply '\\+' to number and string"):
        arith("+", 1, "a")
    with pytest.raises(ExpressionError, match="division by zero"):
        arith("/", 1, 0)
    with pytest.raises(ExpressionError, match="longer than"):
        arith("*", "x", 10**9)


def test_comparisons_refuse_to_order_different_kinds() -> None:
    assert compare("<", 1, 2.5)
    assert compare("==", "a", "a")
    assert not compare("==", 1, "1")
    with pytest.raises(ExpressionError):
        compare("<", 1, "2")


def test_containment_and_truth() -> None:
    assert contains([1, 2], 2) and contains("家庭纠纷", "家庭")
    assert not truthy(None) and not truthy("") and truthy("0")


def test_every_listed_function_has_an_implementation() -> None:
    assert tuple(IMPLEMENTATIONS) == FUNCTIONS
    length, least, most = IMPLEMENTATIONS["len"]
    assert (length("abc"), least, most) == (3, 1, 1)
    round_fn = IMPLEMENTATIONS["round"][0]
    assert round_fn(3.14159, 2) == 3.14
