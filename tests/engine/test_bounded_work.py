"""Reading a definition is bounded before the work starts: a hostile text is refused with a
located problem, never a RecursionError or gigabytes of memory. (How fast: a few milliseconds
each, measured by hand; tests here check what is refused, not the clock.)"""

from __future__ import annotations

import pytest

from engine.errors import DefinitionError, Problem
from engine.expressions import MAX_DEPTH as EXPRESSION_DEPTH
from engine.expressions import MAX_LENGTH, ExpressionError, compile_expression
from engine.loader import MAX_SOURCE, parse_definition
from engine.yaml_reader import MAX_DEPTH, MAX_NODES, MAX_PROBLEMS

HEADER = """\
name: bomb
version: 1
title: {zh: 测试, en: Test}
initial: open
states:
  open: {label: {zh: 开, en: Open}, final: true}
transitions: []
"""


def refused(text: str) -> list[Problem]:
    with pytest.raises(DefinitionError) as err:
        parse_definition(text, file="bomb.yaml")
    return err.value.problems


def alias_bomb() -> str:
    """A billion-laughs default for a list field: about a kilobyte, 10**9 items expanded."""
    lines = ['  l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        refs = ", ".join([f"*l{i - 1}"] * 10)
        lines.append(f"  l{i}: &l{i} [{refs}]")
    return (
        HEADER
        + "anchors:\n"
        + "\n".join(lines)
        + "\nfields:\n  photos:\n    type: list\n    label: {zh: 照片, en: Photos}\n"
        + "    default: *l8\n"
    )


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    text = alias_bomb()
    assert len(text.encode()) < 1100  # about the size of the reported one (1,029 bytes)
    problems = refused(text)
    assert [(p.line, p.col) for p in problems] == [(9, 7)]
    assert "anchors and aliases" in problems[0].message


@pytest.mark.parametrize(
    "nested",
    [
        pytest.param("x: " + "[" * 5000 + "]" * 5000, id="flow-lists"),
        pytest.param("x: " + "{a: " * 3000 + "1" + "}" * 3000, id="flow-mappings"),
        pytest.param("- " * 5000 + "x", id="block-lists"),
        pytest.param("\n".join("  " * i + f"k{i}:" for i in range(140)), id="block-mappings"),
    ],
)
def test_deep_nesting_is_a_located_problem_not_a_recursion_error(nested: str) -> None:
    assert len(nested) >= 10_000
    problems = refused(nested)
    assert len(problems) == 1
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in problems[0].message
    assert problems[0].line >= 1 and problems[0].col >= 1


def test_too_many_entries_are_refused() -> None:
    text = HEADER + "owner_roles: [" + ", ".join(["mediator"] * MAX_NODES) + "]\n"
    problems = refused(text)
    assert problems[0].message == f"too many entries (more than {MAX_NODES:,})"


def test_a_large_source_is_refused_unread() -> None:
    text = HEADER + "# " + "x" * MAX_SOURCE + "\n"
    problems = refused(text)
    assert problems[0].message.startswith("definition too large")
    assert (problems[0].line, problems[0].col) == (1, 1)


def test_thousands_of_unknown_keys_stop_after_a_hundred_problems() -> None:
    text = HEADER + "".join(f"k{i}: 1\n" for i in range(4000))
    problems = refused(text)
    assert len(problems) == MAX_PROBLEMS + 1
    assert any("fix these and check again" in p.message for p in problems)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("-" * 900 + "x", id="unary"),
        pytest.param("not " * 200 + "x", id="not"),
        pytest.param("abs(" * 150 + "x" + ")" * 150, id="calls"),
        pytest.param("x" + " + x" * 240, id="chain"),
        pytest.param("[" * 150 + "]" * 150, id="lists"),
    ],
)
def test_a_deep_expression_is_a_located_expression_error(source: str) -> None:
    with pytest.raises(ExpressionError) as err:
        compile_expression(source)
    assert f"too deeply nested (more than {EXPRESSION_DEPTH})" in err.value.message


def test_a_long_expression_is_refused_before_parsing() -> None:
    with pytest.raises(ExpressionError) as err:
        compile_expression("x or " * 100_000 + "x")
    assert err.value.message.startswith("expression is too long")
    assert err.value.col == MAX_LENGTH


def test_a_deep_guard_is_a_load_problem_at_its_line() -> None:
    text = HEADER.replace("transitions: []", "") + (
        "fields:\n  x: {type: int, label: {zh: x, en: x}}\n"
        "transitions:\n"
        "  - action: go\n"
        "    label: {zh: 走, en: Go}\n"
        "    from: open\n"
        "    to: open\n"
        "    roles: [mediator]\n"
        f'    guard: "{"-" * 500}x > 0"\n'
    )
    problems = refused(text)
    guard = [p for p in problems if p.key.endswith(".guard")]
    assert len(guard) == 1 and guard[0].line == 16
    assert "too deeply nested" in guard[0].message
