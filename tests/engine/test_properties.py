"""Properties over arbitrary input: the loader raises only DefinitionError, the expression
language only ExpressionError, whatever text or data they are given."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.definition import Definition
from engine.errors import DefinitionError
from engine.expressions import FUNCTIONS, ExpressionError, compile_expression
from engine.loader import parse_definition

ROOT = Path(__file__).resolve().parents[2]
GRID = (ROOT / "definitions" / "grid_escalation.yaml").read_text(encoding="utf-8")
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- the loader ------------------------------------------------------------------------------

YAML_BITS = st.sampled_from(
    [
        "\n",
        "  ",
        "- ",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "&a ",
        "*a",
        "!!python/object ",
        "!!binary ",
        "!!float ",
        "? ",
        "|\n",
        ">-\n",
        "'",
        '"',
        "#",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "<<: ",
        "name",
        "version",
        "fields",
        "states",
        "transitions",
        "accepts",
        "opening",
        "type: int",
        "min: 1e999",
        "default: .nan",
        "99999999999999999999999",
        "2026-13-45",
        "guard: ",
        '"x + 1e308 * 10"',
        "\t",
        "\x00",
        "\ud800",
        "é",
    ]
)
YAMLISH = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=60).map("".join),
)


@st.composite
def mutated_definition(draw: st.DrawFn) -> str:
    """A shipped definition with a few characters replaced, inserted or cut."""
    text = GRID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        piece = draw(st.one_of(YAML_BITS, st.text(max_size=5)))
        text = text[:at] + piece + text[at + cut :]
    return text


@PROPERTY
@given(st.one_of(YAMLISH, mutated_definition()))
def test_the_loader_raises_only_definition_errors(text: str) -> None:
    try:
        definition = parse_definition(text, file="fuzz.yaml")
    except DefinitionError as exc:
        assert exc.problems
        assert all(p.line >= 1 and p.col >= 1 for p in exc.problems)
    else:
        assert isinstance(definition, Definition)


# -- the expression language -----------------------------------------------------------------

NAMES = ["a", "b", "n", "s", "items", "state"]
TOKENS = st.sampled_from(
    [
        *NAMES,
        *(f"{f}(" for f in FUNCTIONS),
        "(",
        ")",
        "[",
        "]",
        ", ",
        " + ",
        " - ",
        " * ",
        " / ",
        " // ",
        " % ",
        " ** ",
        " and ",
        " or ",
        "not ",
        " if ",
        " else ",
        " == ",
        " < ",
        " >= ",
        " in ",
        " not in ",
        " is ",
        "-",
        "1",
        "0",
        "2.5",
        "1e308",
        "1e999",
        "9223372036854775807",
        "'x'",
        '"家"',
        "True",
        "None",
        "null",
        ".",
        "lambda: ",
        "__import__",
        "\\",
        "\n",
        "'\\d'",
    ]
)
SOURCES = st.one_of(st.text(max_size=80), st.lists(TOKENS, max_size=25).map("".join))


@PROPERTY
@given(SOURCES)
def test_compiling_raises_only_expression_errors(source: str) -> None:
    try:
        expression = compile_expression(source)
    except ExpressionError as exc:
        assert exc.message
        assert 0 <= exc.col <= len(source)  # located inside the source
    else:
        assert expression.source == source


def _grammar() -> st.SearchStrategy[str]:
    leaves = st.one_of(
        st.sampled_from(NAMES),
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.sampled_from(["'x'", "''", "None", "True", "false", "[]", "[1, 'a']"]),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(
            inner,
            st.sampled_from(["+", "-", "*", "/", "//", "%", "==", "<", ">=", "in", "and", "or"]),
            inner,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        call = st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        )
        other = st.one_of(
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"-{e}"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        )
        return st.one_of(binary, call, other)

    return st.recursive(leaves, extend, max_leaves=12)


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**80), 2**80),
        st.just(10**4299),
        st.floats(),  # NaN and the infinities too: what a corrupt row could hold
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@PROPERTY
@given(_grammar(), st.dictionaries(st.sampled_from(NAMES), JSON_VALUES))
def test_evaluating_raises_only_expression_errors(source: str, scope: dict[str, object]) -> None:
    try:
        expression = compile_expression(source)
    except ExpressionError:
        return
    try:
        value = expression.evaluate(scope)
    except ExpressionError as exc:
        assert exc.message
        return
    if isinstance(value, float) and not math.isfinite(value):
        # Only data that already held it, or an operation on it, yields a non-finite
        # number; the firing's field check refuses storing it (test_hostile_data).
        assert scope
