"""Forms from field declarations: which fields an action asks, how typed text is read."""

from __future__ import annotations

from typing import Any

import pytest

from api.pages.forms import action_fields, convert, parse, widget
from engine.definition import Definition, FieldDef, Label

TZ = "Asia/Shanghai"


@pytest.fixture
def mediation(shipped: list[Definition]) -> Definition:
    return next(d for d in shipped if d.name == "mediation")


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        pytest.param(
            "intake",
            "register",
            [
                ("category", True),
                ("source", True),
                ("description", True),
                ("notice_given", True),
                ("refused", False),
            ],
            id="requires-then-guard",
        ),
        pytest.param(
            "follow_up",
            "record_visit",
            [("performance", True), ("satisfaction", True), ("lingering_risk", True)],
            id="follow-up-visit",
        ),
        pytest.param("agreement", "decline_confirmation", [], id="nothing-to-ask"),
        # The visit's answers are recorded by record_visit; closing reads them, never
        # takes them again.
        pytest.param("visit_done", "close_case", [], id="guard-reads-what-it-does-not-accept"),
    ],
)
def test_action_fields(
    mediation: Definition, state: str, action: str, expected: list[tuple[str, bool]]
) -> None:
    transition = mediation.transition(state, action)
    assert transition is not None
    assert action_fields(mediation, transition) == expected


def _field(ftype: str, **kw: Any) -> FieldDef:
    return FieldDef("f", ftype, Label("字段", "Field"), **kw)


@pytest.mark.parametrize(
    ("fdef", "text", "value", "error"),
    [
        pytest.param(_field("bool"), "true", True, "", id="bool-true"),
        pytest.param(_field("bool"), "false", False, "", id="bool-false"),
        pytest.param(_field("bool"), "maybe", None, "请选择列表中的一项", id="bool-bad"),
        pytest.param(_field("enum", values=("a", "b")), "b", "b", "", id="enum"),
        pytest.param(
            _field("enum", values=("a", "b")), "c", None, "请选择列表中的一项", id="enum-bad"
        ),
        pytest.param(_field("int", min=1, max=5), "5", 5, "", id="int"),
        pytest.param(_field("int", min=1, max=5), "6", None, "不能大于 5", id="int-max"),
        pytest.param(_field("int", min=1, max=5), "0", None, "不能小于 1", id="int-min"),
        pytest.param(_field("int"), "2.5", None, "请输入整数", id="int-bad"),
        pytest.param(_field("number"), "2.5", 2.5, "", id="number"),
        pytest.param(_field("date"), "2026-12-31", "2026-12-31", "", id="date"),
        pytest.param(_field("date"), "31/12/2026", None, "请输入日期（年-月-日）", id="date-bad"),
        pytest.param(
            _field("datetime"),
            "2026-12-01T09:30",
            "2026-12-01T09:30:00+08:00",
            "",
            id="datetime-local-zone",
        ),
        pytest.param(_field("list"), "a\n\n b \n", ["a", "b"], "", id="list"),
        pytest.param(_field("text"), "几句话", "几句话", "", id="text"),
    ],
)
def test_convert(fdef: FieldDef, text: str, value: object, error: str) -> None:
    assert convert(fdef, text, "zh", TZ) == (value, error)


def test_parse_skips_empty_optional_fields_and_flags_missing_required(
    mediation: Definition,
) -> None:
    names = [("category", True), ("refused", False), ("description", True)]
    data, errors = parse(mediation, names, {"category": "family", "refused": ""}, "en", TZ)
    assert data == {"category": "family"}
    assert errors == {"description": "This is required"}


@pytest.mark.parametrize(
    ("fdef", "kind"),
    [
        pytest.param(_field("enum", values=("a",)), "select", id="enum"),
        pytest.param(_field("bool"), "bool", id="bool"),
        pytest.param(_field("int", min=0), "number", id="int"),
        pytest.param(_field("date"), "date", id="date"),
        pytest.param(_field("datetime"), "datetime-local", id="datetime"),
        pytest.param(_field("text"), "textarea", id="text"),
        pytest.param(_field("string"), "text", id="string"),
        pytest.param(_field("list"), "list", id="list"),
    ],
)
def test_widget_kinds(fdef: FieldDef, kind: str) -> None:
    w = widget(fdef, True, "zh")
    assert (w.kind, w.input_name, w.label) == (kind, "f_f", "字段")


def test_widget_shows_stored_values_as_inputs_expect_them() -> None:
    assert widget(_field("bool"), False, "zh", True).value == "true"
    assert widget(_field("list"), False, "zh", ["a", "b"]).value == "a\nb"
    dt = widget(_field("datetime"), False, "zh", "2026-12-01T09:30:00+08:00")
    assert dt.value == "2026-12-01T09:30"
    number = widget(_field("int", min=1, max=5), False, "zh")
    assert (number.min, number.max, number.step) == ("1", "5", "1")
