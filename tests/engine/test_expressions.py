"""Tests for guard / set expressions."""

from __future__ import annotations

import ast
from collections.abc import Mapping

import pytest

from engine.expressions import (
    FUNCTIONS,
    Expression,
    ExpressionError,
    compile_expression,
    truthy,
)

DATA: Mapping[str, object] = {
    "tier": 1,
    "risk_level": "medium",
    "category": "family",
    "domestic_violence": False,
    "amount": 2500.5,
    "parties": ["张三", "李四"],
    "title": "Neighbour Noise",
    "zero": 0,
    "empty": "",
    "nothing": None,
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("1", 1, id="int"),
        pytest.param("2.5", 2.5, id="float"),
        pytest.param("'x'", "x", id="str"),
        pytest.param('"家庭"', "家庭", id="str-chinese"),
        pytest.param("True", True, id="True"),
        pytest.param("true", True, id="true-alias"),
        pytest.param("false", False, id="false-alias"),
        pytest.param("null", None, id="null-alias"),
        pytest.param("None", None, id="None"),
        pytest.param("tier", 1, id="name"),
        pytest.param("missing", None, id="missing-name-is-none"),
        pytest.param("[1, tier, 'a']", [1, 1, "a"], id="list"),
        pytest.param("(1, 2)", (1, 2), id="tuple"),
        pytest.param("tier + 1", 2, id="add"),
        pytest.param("tier - 3", -2, id="sub"),
        pytest.param("tier * 4", 4, id="mul"),
        pytest.param("7 / 2", 3.5, id="truediv"),
        pytest.param("7 // 2", 3, id="floordiv"),
        pytest.param("7 % 3", 1, id="mod"),
        pytest.param("-tier", -1, id="neg"),
        pytest.param("+tier", 1, id="pos"),
        pytest.param("'a' + 'b'", "ab", id="str-concat"),
        pytest.param("'ab' * 2", "abab", id="str-repeat"),
        pytest.param("[1] + [2]", [1, 2], id="list-concat"),
        pytest.param("risk_level != 'high' and not domestic_violence", True, id="schema-guard"),
        pytest.param("risk_level == 'high' or tier", 1, id="or-returns-operand"),
        pytest.param("1 / zero if false else 3", 3, id="ifexp-false-branch-skipped"),
        pytest.param("nothing or 'default'", "default", id="or-default"),
        pytest.param("empty and 1", "", id="and-short-circuit"),
        pytest.param("not empty", True, id="not"),
        pytest.param("1 < tier + 1 <= 2", True, id="chained"),
        pytest.param("1 < tier < 5", False, id="chained-false"),
        pytest.param("category in ['family', 'labour']", True, id="in-list"),
        pytest.param("category not in ('family',)", False, id="not-in-tuple"),
        pytest.param("'Noise' in title", True, id="in-str"),
        pytest.param("'x' in nothing", False, id="in-none"),
        pytest.param("'x' not in nothing", True, id="not-in-none"),
        pytest.param("nothing < 1", False, id="none-lt"),
        pytest.param("1 >= nothing", False, id="none-ge"),
        pytest.param("missing > 0 or missing <= 0", False, id="none-both-ways"),
        pytest.param("nothing == null", True, id="none-eq"),
        pytest.param("missing != 1", True, id="none-ne"),
        pytest.param("'b' > 'a'", True, id="str-order"),
        pytest.param("'high' if tier > 0 else 'low'", "high", id="ifexp"),
        pytest.param("len(parties)", 2, id="len"),
        pytest.param("len(missing)", 0, id="len-none"),
        pytest.param("min(3, tier, 2)", 1, id="min-args"),
        pytest.param("max([3, 9, 2])", 9, id="max-list"),
        pytest.param("max(missing, 4)", 4, id="max-skips-none"),
        pytest.param("min(missing)", None, id="min-none"),
        pytest.param("abs(-3)", 3, id="abs"),
        pytest.param("int('42')", 42, id="int-str"),
        pytest.param("int(amount)", 2500, id="int-float"),
        pytest.param("float('1.5')", 1.5, id="float"),
        pytest.param("str(tier)", "1", id="str-fn"),
        pytest.param("lower(title)", "neighbour noise", id="lower"),
        pytest.param("upper(category)", "FAMILY", id="upper"),
        pytest.param("round(amount)", 2500, id="round"),
        pytest.param("round(2.345, 2)", 2.35, id="round-digits"),
        pytest.param("contains(parties, '李四')", True, id="contains-list"),
        pytest.param("contains(title, 'Cat')", False, id="contains-str"),
        pytest.param("contains(missing, 'x')", False, id="contains-none"),
        pytest.param("lower(missing)", None, id="fn-none-propagates"),
        pytest.param("tier + 1 if tier < 3 else tier", 2, id="escalate-tier"),
    ],
)
def test_evaluate(source: str, expected: object) -> None:
    assert compile_expression(source).evaluate(DATA) == expected


@pytest.mark.parametrize(
    ("source", "names"),
    [
        pytest.param("true and null", set(), id="aliases-excluded"),
        pytest.param("len(parties) > tier", {"parties", "tier"}, id="functions-excluded"),
        pytest.param("a if b else c", {"a", "b", "c"}, id="ifexp"),
        pytest.param("x + x", {"x"}, id="deduplicated"),
        pytest.param("'tier'", set(), id="string-is-not-a-name"),
    ],
)
def test_names(source: str, names: set[str]) -> None:
    assert compile_expression(source).names == frozenset(names)


def test_expression_attributes() -> None:
    expr = compile_expression("tier + 1")
    assert isinstance(expr, Expression)
    assert expr.source == "tier + 1"
    assert expr == compile_expression("tier + 1")
    assert hash(expr) == hash(compile_expression("tier + 1"))
    assert "tier + 1" in repr(expr)


def test_evaluate_reads_any_mapping_and_does_not_mutate() -> None:
    data = {"tier": 2}
    assert compile_expression("tier * 2").evaluate(data) == 4
    assert data == {"tier": 2}


def test_leading_whitespace_is_accepted() -> None:
    assert compile_expression("  tier").evaluate(DATA) == 1


@pytest.mark.parametrize(
    ("source", "message", "col"),
    [
        pytest.param("x.y", "attribute access is not allowed", 0, id="attribute"),
        pytest.param("tier > 0 and x.__class__", "attribute access", 13, id="attribute-inner"),
        pytest.param("'a'.upper()", "attribute access is not allowed", 0, id="method-call"),
        pytest.param("parties[0]", "subscripts", 0, id="subscript"),
        pytest.param("title[1:2]", "subscripts", 0, id="slice"),
        pytest.param("lambda: 1", "lambda is not allowed", 0, id="lambda"),
        pytest.param("(lambda: 1)()", "lambda is not allowed", 1, id="lambda-call"),
        pytest.param("[x for x in parties]", "comprehensions", 0, id="list-comprehension"),
        pytest.param("{x for x in parties}", "comprehensions", 0, id="set-comprehension"),
        pytest.param("{x: 1 for x in parties}", "comprehensions", 0, id="dict-comprehension"),
        pytest.param("len(x for x in parties)", "generator expressions", 3, id="generator"),
        pytest.param("open('/etc/passwd')", "function 'open' is not allowed", 0, id="open"),
        pytest.param("__import__('os')", "function '__import__' is not allowed", 0, id="import"),
        pytest.param("tier + eval('1')", "function 'eval' is not allowed", 7, id="eval"),
        pytest.param("(1)(2)", "only these functions can be called", 1, id="call-literal"),
        pytest.param("f'{tier}'", "f-strings are not allowed", 0, id="f-string"),
        pytest.param("(y := 1)", "assignment expressions", 1, id="walrus"),
        pytest.param("{'a': 1}", "dict literals are not allowed", 0, id="dict"),
        pytest.param("{1, 2}", "set literals are not allowed", 0, id="set"),
        pytest.param("[*parties]", "starred", 1, id="starred"),
        pytest.param("len(*parties)", "starred", 4, id="starred-arg"),
        pytest.param("(yield)", "yield is not allowed", 1, id="yield"),
        pytest.param("2 ** 10", "operator '**' is not allowed", 0, id="pow"),
        pytest.param("tier & 1", "operator '&' is not allowed", 0, id="bitand"),
        pytest.param("tier | 1", "operator '|' is not allowed", 0, id="bitor"),
        pytest.param("tier ^ 1", "operator '^' is not allowed", 0, id="bitxor"),
        pytest.param("tier << 1", "operator '<<' is not allowed", 0, id="lshift"),
        pytest.param("tier @ tier", "operator '@' is not allowed", 0, id="matmul"),
        pytest.param("~tier", "operator '~' is not allowed", 0, id="invert"),
        pytest.param("tier is None", "operator 'is' is not allowed; use ==", 0, id="is"),
        pytest.param(
            "tier is not None", "operator 'is not' is not allowed; use !=", 0, id="is-not"
        ),
        pytest.param("b'x'", "bytes literals are not allowed", 0, id="bytes"),
        pytest.param("1j", "complex numbers are not allowed", 0, id="complex"),
        pytest.param("...", "'...' is not allowed", 0, id="ellipsis"),
        pytest.param("len", "function 'len' must be called", 0, id="bare-function"),
        pytest.param("round(x, ndigits=2)", "keyword arguments are not allowed", 17, id="kwarg"),
        pytest.param("len()", "len() takes 1 argument, got 0", 0, id="too-few-args"),
        pytest.param("len(a, b)", "len() takes 1 argument, got 2", 0, id="too-many-args"),
        pytest.param("contains(a)", "contains() takes 2 arguments, got 1", 0, id="contains-arity"),
        pytest.param("round(1, 2, 3)", "round() takes 1 to 2 arguments", 0, id="round-arity"),
        pytest.param("max()", "max() takes at least 1 argument, got 0", 0, id="max-arity"),
        pytest.param("'家庭' == x.y", "attribute access is not allowed", 8, id="col-in-chars"),
        pytest.param("  x.y", "attribute access is not allowed", 2, id="col-after-indent"),
    ],
)
def test_rejected(source: str, message: str, col: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert message in info.value.message
    assert info.value.col == col


def test_unknown_function_lists_allowed_ones() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("open('f')")
    assert info.value.message == (
        "function 'open' is not allowed; allowed: " + ", ".join(FUNCTIONS)
    )
    assert "len, min, max" in info.value.message


@pytest.mark.parametrize(
    ("source", "col"),
    [
        pytest.param("a b", 2, id="two-names"),
        pytest.param("1 +* 2", 3, id="double-operator"),
        pytest.param("'家庭' == == x", 8, id="chinese-before-error"),
        pytest.param("tier = 1", 5, id="assignment"),
        pytest.param("a)", 1, id="unmatched-paren"),
        pytest.param("(a", 0, id="unclosed-paren"),
        pytest.param("'abc", 0, id="unterminated-string"),
        pytest.param("tier +", 6, id="incomplete-at-end"),
        pytest.param("x if y", 0, id="incomplete-ifexp"),
    ],
)
def test_syntax_error_col(source: str, col: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert info.value.message.startswith("syntax error")
    assert info.value.col == col


def test_syntax_error_col_matches_python_parser() -> None:
    source = "risk_level == 'high' and and"
    with pytest.raises(SyntaxError) as parsed:
        ast.parse(source, mode="eval")
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert parsed.value.offset is not None
    assert info.value.col == parsed.value.offset - 1


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("a\x00", id="nul"),
        pytest.param("-" * 200 + "1", id="too-deep"),
        pytest.param("1" + " + 1" * 150, id="too-long-chain"),
    ],
)
def test_degenerate_sources_rejected(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_not_a_string_rejected() -> None:
    with pytest.raises(ExpressionError):
        compile_expression(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("'a' + 1", "cannot apply '+' to string and number", id="str-plus-int"),
        pytest.param("missing + 1", "cannot apply '+' to null and number", id="none-plus-int"),
        pytest.param("tier / 0", "division by zero", id="div-zero"),
        pytest.param("tier // 0", "division by zero", id="floordiv-zero"),
        pytest.param("tier % 0", "division by zero", id="mod-zero"),
        pytest.param("'%s' % tier", "cannot apply '%'", id="str-format"),
        pytest.param("title - 'x'", "cannot apply '-'", id="str-minus"),
        pytest.param("-title", "cannot apply unary '-' to string", id="neg-str"),
        pytest.param("'a' < 1", "cannot compare string and number", id="order-mixed"),
        pytest.param("1 in tier", "'in' needs a string or list", id="in-int"),
        pytest.param("1 in title", "cannot look for number in a string", id="int-in-str"),
        pytest.param("len(tier)", "len() needs a string or list", id="len-int"),
        pytest.param("int('abc')", "int() cannot convert", id="int-bad"),
        pytest.param("float('x')", "float() cannot convert", id="float-bad"),
        pytest.param("int(amount * 1e308)", "int() cannot convert", id="int-inf"),
        pytest.param("abs(title)", "abs() needs a number", id="abs-str"),
        pytest.param("lower(tier)", "lower() needs a string", id="lower-int"),
        pytest.param("round(title)", "round() needs a number", id="round-str"),
        pytest.param("round(1.5, 'x')", "round() needs whole-number digits", id="round-digits"),
        pytest.param("min(1, 'a')", "min() cannot compare", id="min-mixed"),
        pytest.param("max(tier)", "max() of one argument needs a list", id="max-scalar"),
        pytest.param("'x' * 1000000", "longer than", id="huge-repeat"),
        pytest.param("title * 10000 + title * 10000", "longer than", id="huge-concat"),
    ],
)
def test_runtime_errors(source: str, message: str) -> None:
    expr = compile_expression(source)
    with pytest.raises(ExpressionError) as info:
        expr.evaluate(DATA)
    assert message in info.value.message


def test_runtime_error_is_not_type_error() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("parties + tier").evaluate(DATA)
    assert not isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError)


def test_odd_objects_in_data_raise_expression_error() -> None:
    data = {"a": object(), "b": {"k": 1}}
    with pytest.raises(ExpressionError):
        compile_expression("a < a").evaluate(data)
    with pytest.raises(ExpressionError):
        compile_expression("b < b").evaluate(data)
    with pytest.raises(ExpressionError):
        compile_expression("a + 1").evaluate(data)
    assert compile_expression("'k' in b").evaluate(data) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, False, id="none"),
        pytest.param(0, False, id="zero"),
        pytest.param(0.0, False, id="zero-float"),
        pytest.param("", False, id="empty-str"),
        pytest.param([], False, id="empty-list"),
        pytest.param(False, False, id="false"),
        pytest.param(1, True, id="one"),
        pytest.param("no", True, id="str"),
        pytest.param([0], True, id="list"),
        pytest.param(True, True, id="true"),
    ],
)
def test_truthy(value: object, expected: bool) -> None:
    assert truthy(value) is expected


def test_truthy_odd_object() -> None:
    class Weird:
        def __bool__(self) -> bool:
            raise RuntimeError("no")

    assert truthy(Weird()) is True


def test_compiled_once_evaluated_many() -> None:
    expr = compile_expression("risk_level != 'high' and tier < 3")
    results = {bool(expr.evaluate({"risk_level": level, "tier": 1})) for level in ("high", "low")}
    assert results == {True, False}
