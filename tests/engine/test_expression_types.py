"""Tests for the static type check of guards and `set:` values (engine.expression_types,
engine.expression_check), and that its rules agree with what the run time does on valid data."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest

from engine.definition import FieldDef, Label
from engine.expression_check import MAX_PROBLEMS, TypeChecker, TypeProblem
from engine.expression_types import (
    ANY,
    RESULTS,
    SIGNATURES,
    Type,
    constant_type,
    describe,
    field_type,
    union,
)
from engine.expression_values import FUNCTIONS, IMPLEMENTATIONS, ExpressionError, kind
from engine.expressions import compile_expression
from engine.validation import FieldCheck

LABEL = Label("字段", "Field")
FIELDS: Mapping[str, FieldDef] = {
    f.name: f
    for f in (
        FieldDef("performance", "enum", LABEL, values=("performed", "partly", "not_performed")),
        FieldDef("outcome", "enum", LABEL, values=("agreement", "failed")),
        FieldDef("lingering_risk", "bool", LABEL),
        FieldDef("sessions", "int", LABEL, min=0, max=10),
        FieldDef("claim_amount", "number", LABEL),
        FieldDef("description", "text", LABEL),
        FieldDef("note", "string", LABEL),
        FieldDef("visit_date", "date", LABEL),
        FieldDef("handling_due", "datetime", LABEL),
        FieldDef("photos", "list", LABEL),
    )
}
STATES = ("open", "mediation", "closed")
CHECKER = TypeChecker(FIELDS, STATES)

#: Valid values of each field (what the loader and the firing checks let into case data).
SAMPLES: Mapping[str, tuple[object, ...]] = {
    "performance": ("performed", "partly", "not_performed"),
    "outcome": ("agreement", "failed"),
    "lingering_risk": (True, False),
    "sessions": (0, 1, 3, 10),
    "claim_amount": (0, 2.5, 100, -1.5),
    "description": ("", "abc", "3", "false", "performed", "2026-12-01"),
    "note": ("", "x", "10"),
    "visit_date": ("2026-12-01", "2025-01-31", "20261201"),
    "handling_due": ("2026-12-01T09:00:00+08:00", "2026-12-01", "2025-06-30T17:30", "20261201"),
    "photos": ([], ["a.jpg"], ["a.jpg", "b.jpg"]),
    "state": STATES,
}


def guard_problems(source: str) -> list[TypeProblem]:
    return CHECKER.guard(compile_expression(source))


def effect_problems(target: str, source: str) -> list[TypeProblem]:
    return CHECKER.effect(compile_expression(source), FIELDS[target])


def outcomes(source: str) -> set[str]:
    """What `source` gives (as repr) over every combination of non-null valid values of the
    fields it names, where it does not fail."""
    expr = compile_expression(source)
    names = sorted(expr.names)
    given: set[str] = set()
    for values in itertools.product(*(SAMPLES.get(n, (1, "x")) for n in names)):
        try:
            result = expr.evaluate(dict(zip(names, values, strict=True)))
        except ExpressionError:
            continue
        given.add(repr(result))
    return given


# --------------------------------------------------------------------------- guards

REFUSED_GUARDS = [
    # (source, text at the reported position, message, hint)
    pytest.param(
        "performance == 'performd'",
        "'performd'",
        "'performd' is not a value of enum field 'performance'",
        "did you mean 'performed'?",
        id="enum-literal",
    ),
    pytest.param(
        "'performd' != performance",
        "'performd'",
        "'performd' is not a value of enum field 'performance'",
        "did you mean 'performed'?",
        id="enum-literal-on-the-left",
    ),
    pytest.param(
        "performance in ['performed', 'partialy']",
        "'partialy'",
        "'partialy' is not a value of enum field 'performance'",
        "did you mean 'partly'?",
        id="enum-in-list",
    ),
    pytest.param(
        "performance not in ('performed', 'xyz')",
        "'xyz'",
        "'xyz' is not a value of enum field 'performance'",
        "one of: performed, partly, not_performed",
        id="enum-not-in-tuple-no-close-match",
    ),
    pytest.param(
        "state == 'mediaton'",
        "'mediaton'",
        "'mediaton' is not a state",
        "did you mean 'mediation'?",
        id="state",
    ),
    pytest.param(
        "performance == outcome",
        "outcome",
        "enum field 'performance' never equals enum field 'outcome': '==' is always false",
        "",
        id="enums-without-common-value",
    ),
    pytest.param(
        "lingering_risk == 'false'",
        "'false'",
        "bool field 'lingering_risk' never equals string 'false': '==' is always false",
        "did you mean false?",
        id="bool-vs-text",
    ),
    pytest.param(
        "sessions != '3'",
        "'3'",
        "int field 'sessions' never equals string '3': '!=' is always true",
        "did you mean 3?",
        id="number-vs-text",
    ),
    pytest.param(
        "claim_amount in ['1.5', 2]",
        "'1.5'",
        "number field 'claim_amount' never equals string '1.5': this item never matches",
        "did you mean 1.5?",
        id="number-in-list-of-text",
    ),
    pytest.param(
        "visit_date == 'tomorrow'",
        "'tomorrow'",
        "'tomorrow' is not a date (YYYY-MM-DD) to compare date field 'visit_date' with",
        "",
        id="date-vs-non-date",
    ),
    pytest.param(
        "visit_date == '2026-12-01T09:00'",
        "'2026",
        "'2026-12-01T09:00' is not a date (YYYY-MM-DD) to compare date field 'visit_date' with",
        "",
        id="date-never-equals-a-datetime",
    ),
    pytest.param(
        "visit_date < 'next week'",
        "'next",
        "'next week' is not a date (YYYY-MM-DD) to compare date field 'visit_date' with",
        "",
        id="date-ordered-against-non-date",
    ),
    pytest.param(
        "handling_due >= 'soon'",
        "'soon'",
        "'soon' is not a date or datetime (ISO 8601, e.g. 2026-12-01T09:00:00+08:00)"
        " to compare datetime field 'handling_due' with",
        "",
        id="datetime-vs-non-date",
    ),
    pytest.param(
        "visit_date == 20261201",
        "20261201",
        "date field 'visit_date' never equals number 20261201: '==' is always false",
        "",
        id="date-vs-number",
    ),
    pytest.param(
        "photos == 'a.jpg'",
        "'a.jpg'",
        "list field 'photos' never equals string 'a.jpg': '==' is always false",
        "",
        id="list-vs-text",
    ),
    pytest.param(
        "performance < 3",
        "3",
        "cannot compare enum field 'performance' and number 3 with '<'",
        "",
        id="enum-ordered-against-number",
    ),
    pytest.param(
        "1 <= sessions <= 'five'",
        "'five'",
        "cannot compare int field 'sessions' and string 'five' with '<='",
        "",
        id="chained-ordering",
    ),
    pytest.param(
        "description > sessions",
        "sessions",
        "cannot compare text field 'description' and int field 'sessions' with '>'",
        "",
        id="fields-ordered-across-types",
    ),
    pytest.param(
        "sessions > null",
        "null",
        "'>' with null is always false",
        "",
        id="ordered-against-null",
    ),
    pytest.param(
        "'a' + 1 == 'a1'",
        "+",
        "cannot apply '+' to string 'a' and number 1",
        "",
        id="text-plus-number",
    ),
    pytest.param(
        "description - 2",
        "-",
        "cannot apply '-' to text field 'description' and number 2",
        "",
        id="text-minus-number",
    ),
    pytest.param(
        "photos * 1.5",
        "*",
        "cannot apply '*' to list field 'photos' and number 1.5",
        "",
        id="list-times-decimal",
    ),
    pytest.param(
        "sessions + null",
        "+",
        "cannot apply '+' to int field 'sessions' and null",
        "",
        id="arithmetic-on-null",
    ),
    pytest.param(
        "-description",
        "-",
        "cannot apply unary '-' to text field 'description'",
        "",
        id="unary-minus-on-text",
    ),
    pytest.param(
        "claim_amount // 0",
        "//",
        "division by zero in '//'",
        "",
        id="division-by-zero",
    ),
    pytest.param(
        "(sessions + 'x') > 'y'",
        "+",
        "cannot apply '+' to int field 'sessions' and string 'x'",
        "",
        id="one-mistake-one-problem",
    ),
    pytest.param(
        "3 in description",
        "3",
        "cannot look for number 3 in text field 'description'",
        "",
        id="number-in-text",
    ),
    pytest.param(
        "'x' in sessions",
        "sessions",
        "'in' needs a string or list on the right, not int field 'sessions'",
        "",
        id="in-a-number",
    ),
    pytest.param(
        "'x' in null",
        "null",
        "'in' null is always false",
        "",
        id="in-null",
    ),
    pytest.param(
        "len(sessions) > 0",
        "sessions",
        "len() needs a string or list, not int field 'sessions'",
        "",
        id="len-of-number",
    ),
    pytest.param(
        "lower(lingering_risk) == 'true'",
        "lingering_risk",
        "lower() needs a string, not bool field 'lingering_risk'",
        "",
        id="lower-of-bool",
    ),
    pytest.param(
        "abs(note) > 1",
        "note",
        "abs() needs a number, not string field 'note'",
        "",
        id="abs-of-text",
    ),
    pytest.param(
        "round(claim_amount, true) > 1",
        "true",
        "round() needs whole-number digits, not bool true",
        "",
        id="round-digits",
    ),
    pytest.param(
        "int(photos) > 1",
        "photos",
        "int() needs a number or string, not list field 'photos'",
        "",
        id="int-of-list",
    ),
    pytest.param(
        "int('many') > 1",
        "int(",
        "int() cannot convert 'many'",
        "",
        id="int-of-constant-text",
    ),
    pytest.param(
        "int(performance) > 1",
        "int(",
        "int() fails on every value of enum field 'performance'",
        "",
        id="int-of-enum",
    ),
    pytest.param(
        "max(sessions, note) > 1",
        "note",
        "max() cannot compare int field 'sessions' and string field 'note'",
        "",
        id="max-across-types",
    ),
    pytest.param(
        "min(sessions) > 1",
        "sessions",
        "min() of one argument needs a list, not int field 'sessions'",
        "",
        id="min-of-one-number",
    ),
    pytest.param(
        "min([1, 'a']) == 1",
        "'a'",
        "min() cannot compare number 1 and string 'a'",
        "",
        id="min-of-mixed-list",
    ),
    pytest.param(
        "contains(sessions, 1)",
        "sessions",
        "'in' needs a string or list on the right, not int field 'sessions'",
        "",
        id="contains-in-number",
    ),
    pytest.param(
        "contains(['performed', 'done'], performance)",
        "'done'",
        "'done' is not a value of enum field 'performance'",
        "one of: performed, partly, not_performed",
        id="contains-enum-list",
    ),
]


@pytest.mark.parametrize(("source", "marker", "message", "hint"), REFUSED_GUARDS)
def test_guard_mistake_is_reported_where_it_is(
    source: str, marker: str, message: str, hint: str
) -> None:
    assert guard_problems(source) == [TypeProblem(source.index(marker), message, hint)]


#: The part of a refused guard that is always wrong, where it is not the whole guard: an item
#: of a list never matches.
REFUSED_PART = {
    "performance in ['performed', 'partialy']": "performance == 'partialy'",
    "performance not in ('performed', 'xyz')": "performance == 'xyz'",
    "claim_amount in ['1.5', 2]": "claim_amount == '1.5'",
    "contains(['performed', 'done'], performance)": "performance == 'done'",
    "min([1, 'a']) == 1": "min([1, 'a'])",
}


@pytest.mark.parametrize(("source", "marker", "message", "hint"), REFUSED_GUARDS)
def test_a_refused_guard_always_fails_or_gives_one_answer(
    source: str, marker: str, message: str, hint: str
) -> None:
    """On every combination of valid values, a refused guard fails, or always gives the same
    answer (== always false, != always true…)."""
    given = outcomes(REFUSED_PART.get(source, source))
    assert len(given) <= 1, given


ACCEPTED_GUARDS = [
    pytest.param("performance == 'performed'", id="enum-value"),
    pytest.param("performance in ['performed', 'partly', None]", id="enum-in-list-with-null"),
    pytest.param("performance == null", id="enum-null"),
    pytest.param("performance in 'performed partly'", id="enum-substring"),
    pytest.param("performance < 'q'", id="enum-ordered-as-text"),
    pytest.param("performance == description", id="enum-vs-text-field"),
    pytest.param("outcome == lower(description)", id="enum-vs-computed-text"),
    pytest.param("state != 'closed' and state in ['open', 'mediation']", id="state"),
    pytest.param("lingering_risk == false", id="bool"),
    pytest.param("lingering_risk == 1", id="bool-equals-one-as-at-run-time"),
    pytest.param("lingering_risk + 1 > 1", id="bool-counts-as-number-as-at-run-time"),
    pytest.param("sessions == 3.0 and claim_amount < sessions", id="numbers"),
    pytest.param("1 <= sessions <= 5", id="chained"),
    pytest.param("visit_date < '2026-12-01'", id="date-vs-iso-date"),
    pytest.param("visit_date < '2026-12-01T09:00'", id="date-ordered-against-datetime"),
    pytest.param("handling_due > '2026-12-01'", id="datetime-vs-date"),
    pytest.param("handling_due == '2026-12-01T09:00:00+08:00'", id="datetime-vs-datetime"),
    pytest.param("visit_date <= handling_due", id="date-vs-datetime-field"),
    pytest.param("visit_date == note", id="date-vs-text-field"),
    pytest.param("description * 2 != ''", id="text-repeated-as-at-run-time"),
    pytest.param("'a.jpg' in photos and len(photos) > 0", id="list"),
    pytest.param("photos + ['b.jpg'] != []", id="list-concat"),
    pytest.param("description + note != ''", id="text-concat"),
    pytest.param("'abc' in description and contains(description, 'x')", id="substring"),
    pytest.param("undeclared == 'x' and undeclared + 1 > 0", id="undeclared-is-any"),
    pytest.param("(sessions if lingering_risk else 'none') == 'none'", id="union"),
    pytest.param("int(note) > 1 and float(description) < 2.5", id="conversions"),
    pytest.param("round(claim_amount, 2) > abs(sessions - 5)", id="numeric-functions"),
    pytest.param("max(sessions, claim_amount, lingering_risk) > 0", id="max-of-numbers"),
    pytest.param("min(photos) == 'a'", id="min-of-list"),
    pytest.param("str(sessions) == '3' and upper(note) == 'X'", id="text-functions"),
    pytest.param("claim_amount / 2 > 1 and sessions % 2 == 0", id="division"),
    pytest.param("not description", id="not"),
]


@pytest.mark.parametrize("source", ACCEPTED_GUARDS)
def test_guard_that_works_is_accepted(source: str) -> None:
    assert guard_problems(source) == []
    given = outcomes(source)
    assert given, "an accepted guard works for some valid data"


# --------------------------------------------------------------------------- set: values

REFUSED_EFFECTS = [
    # (target, source, text at the reported position, message, hint)
    pytest.param(
        "outcome",
        "'agreed'",
        "'agreed'",
        "'agreed' is not a value of enum field 'outcome'",
        "did you mean 'agreement'?",
        id="enum-literal",
    ),
    pytest.param(
        "outcome",
        "true",
        "true",
        "bool true does not fit enum field 'outcome'",
        "",
        id="bool-into-enum",
    ),
    pytest.param(
        "outcome",
        "performance",
        "performance",
        "enum field 'performance' holds no value of enum field 'outcome'",
        "",
        id="enum-without-common-value",
    ),
    pytest.param(
        "outcome",
        "upper('failed')",
        "upper",
        "'FAILED' is not a value of enum field 'outcome'",
        "one of: agreement, failed",
        id="computed-constant",
    ),
    pytest.param(
        "sessions",
        "'three'",
        "'three'",
        "string 'three' does not fit int field 'sessions'",
        "",
        id="text-into-int",
    ),
    pytest.param(
        "sessions",
        "'3'",
        "'3'",
        "string '3' does not fit int field 'sessions'",
        "did you mean 3?",
        id="quoted-number-into-int",
    ),
    pytest.param(
        "sessions",
        "sessions / 2",
        "sessions",
        "a decimal number does not fit int field 'sessions'",
        "round(...) or // give a whole number",
        id="decimal-into-int",
    ),
    pytest.param(
        "sessions",
        "11",
        "11",
        "11 is above the maximum 10 of int field 'sessions'",
        "",
        id="above-max",
    ),
    pytest.param(
        "sessions",
        "-1",
        "-1",
        "-1 is below the minimum 0 of int field 'sessions'",
        "",
        id="below-min",
    ),
    pytest.param(
        "claim_amount",
        "lingering_risk",
        "lingering_risk",
        "bool field 'lingering_risk' does not fit number field 'claim_amount'",
        "",
        id="bool-into-number",
    ),
    pytest.param(
        "lingering_risk",
        "'false'",
        "'false'",
        "string 'false' does not fit bool field 'lingering_risk'",
        "did you mean false?",
        id="quoted-bool",
    ),
    pytest.param(
        "lingering_risk",
        "sessions",
        "sessions",
        "int field 'sessions' does not fit bool field 'lingering_risk'",
        "",
        id="int-into-bool",
    ),
    pytest.param(
        "note",
        "sessions + 1",
        "sessions",
        "a whole number does not fit string field 'note'",
        "",
        id="number-into-text",
    ),
    pytest.param(
        "note",
        "sessions > 1",
        "sessions",
        "a bool does not fit string field 'note'",
        "",
        id="comparison-into-text",
    ),
    pytest.param(
        "visit_date",
        "'soon'",
        "'soon'",
        "'soon' is not a date (YYYY-MM-DD) for date field 'visit_date'",
        "",
        id="non-date-into-date",
    ),
    pytest.param(
        "handling_due",
        "'2026-13-01'",
        "'2026",
        "'2026-13-01' is not a date or datetime (ISO 8601, e.g. 2026-12-01T09:00:00+08:00)"
        " for datetime field 'handling_due'",
        "",
        id="bad-date-into-datetime",
    ),
    pytest.param(
        "visit_date",
        "sessions",
        "sessions",
        "int field 'sessions' does not fit date field 'visit_date'",
        "",
        id="number-into-date",
    ),
    pytest.param(
        "photos",
        "('a.jpg',)",
        "(",
        "tuple ('a.jpg',) does not fit list field 'photos'",
        "write a list in [ ]",
        id="tuple-into-list",
    ),
    pytest.param(
        "photos",
        "description",
        "description",
        "text field 'description' does not fit list field 'photos'",
        "",
        id="text-into-list",
    ),
    pytest.param(
        "sessions",
        "'a' + 1",
        "+",
        "cannot apply '+' to string 'a' and number 1",
        "",
        id="bad-arithmetic-is-one-problem",
    ),
]


@pytest.mark.parametrize(("target", "source", "marker", "message", "hint"), REFUSED_EFFECTS)
def test_set_value_that_does_not_fit_is_reported(
    target: str, source: str, marker: str, message: str, hint: str
) -> None:
    assert effect_problems(target, source) == [TypeProblem(source.index(marker), message, hint)]


@pytest.mark.parametrize(("target", "source", "marker", "message", "hint"), REFUSED_EFFECTS)
def test_a_refused_set_value_never_fits(
    target: str, source: str, marker: str, message: str, hint: str
) -> None:
    """On every combination of valid values, a refused value fails or does not fit."""
    check = FieldCheck(FIELDS[target])
    expr = compile_expression(source)
    names = sorted(expr.names)
    for values in itertools.product(*(SAMPLES[n] for n in names)):
        try:
            value = expr.evaluate(dict(zip(names, values, strict=True)))
        except ExpressionError:
            continue
        assert value is None or check.error(value), (values, value)


@pytest.mark.parametrize(
    ("target", "source", "branches"),
    [
        pytest.param(
            "outcome",
            "'agreement' if performance == 'performed' else 'faild'",
            [("'faild'", "'faild' is not a value of enum field 'outcome'")],
            id="else-branch",
        ),
        pytest.param(
            "sessions",
            "'none' if lingering_risk else ('x' if sessions else 2)",
            [
                ("'none'", "string 'none' does not fit int field 'sessions'"),
                ("'x'", "string 'x' does not fit int field 'sessions'"),
            ],
            id="nested-branches",
        ),
        pytest.param(
            "note",
            "note or 5",
            [("5", "number 5 does not fit string field 'note'")],
            id="or-operands",
        ),
        pytest.param(
            "note",
            "sessions or 'none'",
            [("sessions", "int field 'sessions' does not fit string field 'note'")],
            id="or-first-operand",
        ),
        pytest.param(
            "sessions",
            "lingering_risk and 'x'",
            [("'x'", "string 'x' does not fit int field 'sessions'")],
            id="and-last-operand",
        ),
        pytest.param(
            "note", "'a' if false else 5", [("5", "number 5 does not fit string field 'note'")]
        ),
    ],
)
def test_each_value_a_set_can_give_must_fit(
    target: str, source: str, branches: list[tuple[str, str]]
) -> None:
    problems = effect_problems(target, source)
    assert [(p.offset, p.message) for p in problems] == [
        (source.index(marker), message) for marker, message in branches
    ]


@pytest.mark.parametrize(
    ("target", "source"),
    [
        pytest.param("outcome", "'agreement'", id="enum-value"),
        pytest.param("outcome", "None", id="null-clears-enum"),
        pytest.param("sessions", "null", id="null-clears-int"),
        pytest.param("lingering_risk", "None", id="null-clears-bool"),
        pytest.param("photos", "None", id="null-clears-list"),
        pytest.param("outcome", "'agreement' if sessions else None", id="branch-null"),
        pytest.param("outcome", "lower(description)", id="unknown-text-into-enum"),
        pytest.param("outcome", "description or 'failed'", id="or-with-value"),
        pytest.param("sessions", "sessions + 1", id="counter"),
        pytest.param("sessions", "max(sessions, 1)", id="max"),
        pytest.param("sessions", "sessions // 2 + len(photos)", id="whole-division"),
        pytest.param("sessions", "round(claim_amount)", id="round"),
        pytest.param("sessions", "claim_amount", id="number-may-be-whole"),
        pytest.param("sessions", "0 or 3", id="false-constant-never-given"),
        pytest.param("claim_amount", "sessions * 1.5", id="int-into-number"),
        pytest.param("claim_amount", "lingering_risk + 0", id="bool-arithmetic-is-a-number"),
        pytest.param("lingering_risk", "sessions > 0 and not lingering_risk", id="bool"),
        pytest.param("lingering_risk", "sessions and true", id="and-last-fits"),
        pytest.param("note", "str(sessions) + note", id="text"),
        pytest.param("note", "state", id="state-into-text"),
        pytest.param("note", "visit_date", id="date-into-text"),
        pytest.param("visit_date", "'2026-12-01'", id="iso-date"),
        pytest.param("visit_date", "note", id="text-may-be-a-date"),
        pytest.param("handling_due", "'2026-12-01'", id="date-into-datetime"),
        pytest.param("handling_due", "visit_date", id="date-field-into-datetime"),
        pytest.param("photos", "photos + ['b.jpg']", id="list"),
        pytest.param("description", "description * 2", id="text-repeated"),
    ],
)
def test_set_value_that_can_fit_is_accepted(target: str, source: str) -> None:
    assert effect_problems(target, source) == []


# --------------------------------------------------------------------------- the types


def test_every_function_declares_what_it_takes_and_gives() -> None:
    assert tuple(SIGNATURES) == FUNCTIONS == tuple(RESULTS)


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in ("min", "max", "contains")])
@pytest.mark.parametrize("field", list(FIELDS))
def test_declared_signature_agrees_with_the_run_time(name: str, field: str) -> None:
    """A function refused a field fails on every valid value of it; one that takes it works
    on some, and gives a value of the declared result type."""
    impl, least, _ = IMPLEMENTATIONS[name]
    sig = SIGNATURES[name]
    arg = field_type(FIELDS[field])
    extra = [2] * (least - 1)  # contains() aside, a second argument is a number (round)
    takes = guard_problems(f"{name}({', '.join([field, *map(str, extra)])})") == []
    declared = sig.returns([arg, *map(constant_type, extra)])
    worked = 0
    for value in SAMPLES[field]:
        try:
            result = impl(value, *extra)
        except ExpressionError:
            continue
        worked += 1
        assert static_kind(result) in declared.kinds, (value, result)
    assert bool(worked) is takes


def static_kind(value: object) -> str:
    """The kind a value has in engine.expression_types."""
    if isinstance(value, list | tuple):
        return "list"
    return {"number": type(value).__name__, "string": "str"}.get(kind(value), kind(value))


def test_describe() -> None:
    assert describe(field_type(FIELDS["outcome"])) == "enum field 'outcome'"
    assert describe(constant_type("x")) == "string 'x'"
    assert describe(constant_type(None)) == "null"
    assert describe(constant_type(True)) == "bool true"
    assert describe(constant_type("x" * 100)).endswith("…")
    assert describe(Type(frozenset({"int", "float", "str"}))) == "a number or a string"
    assert describe(ANY) == "a value"


def test_union_keeps_the_known_strings() -> None:
    both = union([constant_type("a"), constant_type("b"), constant_type(None)])
    assert both.strings == ("a", "b") and both.nullable and not both.known
    assert union([constant_type("a"), field_type(FIELDS["note"])]).strings is None


def test_a_field_named_state_is_a_field() -> None:
    fields = {"state": FieldDef("state", "int", LABEL)}
    checker = TypeChecker(fields, STATES)
    (problem,) = checker.guard(compile_expression("state == 'open'"))
    assert problem.message.startswith("int field 'state' never equals")


def test_state_holds_any_value_when_the_states_could_not_be_read() -> None:
    assert TypeChecker(FIELDS, None).guard(compile_expression("state == 'x'")) == []


def test_a_declared_field_with_problems_holds_any_value() -> None:
    checker = TypeChecker({}, STATES, declared=["state"])
    assert checker.guard(compile_expression("state == 1")) == []


def test_an_expression_built_without_its_tree_is_parsed_again() -> None:
    expr = compile_expression("  performance == 'performd'")
    expr.tree = None
    (problem,) = CHECKER.guard(expr)
    assert problem.offset == 17


def test_position_counts_characters_not_bytes() -> None:
    source = "'调解' == description and performance == '已履行'"
    (problem,) = guard_problems(source)
    assert problem.offset == source.index("'已履行'")


def test_one_expression_reports_at_most_max_problems() -> None:
    source = "performance in [" + ", ".join(["'x'"] * 50) + "]"
    problems = guard_problems(source)
    assert len(problems) == MAX_PROBLEMS
    assert problems[0] == TypeProblem(
        source.index("'x'"),
        "'x' is not a value of enum field 'performance'",
        "one of: performed, partly, not_performed",
    )
