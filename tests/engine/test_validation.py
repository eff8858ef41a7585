"""The compiled field checks say exactly what the loader's check_value says, only faster."""

from __future__ import annotations

import pytest

from engine.definition import FieldDef, Label
from engine.errors import InvalidDataError
from engine.loader import check_value
from engine.validation import DataCheck, FieldCheck, absent, missing, scope

L = Label("字段", "field")
VALUES: list[object] = [
    None,
    "",
    "a",
    "x",
    "2026-11-23",
    "2026-11-23T09:30:00",
    "2026-13-45",
    0,
    3,
    -2,
    7.5,
    True,
    False,
    [],
    ["a"],
    {"k": 1},
]


@pytest.mark.parametrize(
    "ftype", ["string", "text", "int", "number", "bool", "enum", "date", "datetime", "list"]
)
def test_a_compiled_check_words_errors_like_check_value(ftype: str) -> None:
    values = ("a", "b") if ftype == "enum" else ()
    check = FieldCheck(FieldDef("f", ftype, L, values=values))
    for value in VALUES:
        assert check.error(value) == check_value(ftype, values, value), value


def test_bounds_apply_to_numbers_of_the_right_type_only() -> None:
    check = FieldCheck(FieldDef("n", "int", L, min=1, max=5))
    assert check.error(0) == "must be at least 1"
    assert check.error(6) == "must be at most 5"
    assert check.error(3) == ""
    assert check.error(None) == ""
    assert check.error("3") == check_value("int", (), "3")


def test_every_problem_of_a_payload_is_reported_at_once() -> None:
    fields = {
        "category": FieldDef("category", "enum", L, values=("family", "labour")),
        "sessions": FieldDef("sessions", "int", L, min=0),
    }
    check = DataCheck(fields)
    check({"category": "family", "sessions": 2})
    with pytest.raises(InvalidDataError) as err:
        check({"categroy": "family", "sessions": -1, "category": "famly"})
    assert set(err.value.errors) == {"categroy", "sessions", "category"}
    assert "did you mean 'category'" in err.value.errors["categroy"]
    assert "did you mean 'family'" in err.value.errors["category"]
    assert err.value.errors["sessions"] == "must be at least 0"


def test_required_fields_count_empty_values_as_missing() -> None:
    assert [absent(v) for v in (None, "", [], 0, False, "x", ["x"])] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert missing(("a", "b", "c"), {"a": "x", "b": ""}) == ["b", "c"]


def test_the_scope_names_the_state_unless_a_field_does() -> None:
    assert scope("intake", {"a": 1}) == {"a": 1, "state": "intake"}
    assert scope("intake", {"state": "own"})["state"] == "own"
