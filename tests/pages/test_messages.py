"""The engine's messages on pages: by id, in the reader's language, codes by their labels."""

from __future__ import annotations

from api.pages.messages import definition_names, engine_text, late_text, problem_text
from engine.errors import MissingFieldsError, Problem, RoleNotAllowedError
from engine.loader import load_definition
from tests.conftest import DEFINITIONS


def test_a_message_reads_in_chinese_with_its_parameters() -> None:
    text = "unknown state 'closd' in 'to'"
    assert engine_text("zh", text) == "'to' 中的环节 'closd' 未定义"
    assert engine_text("en", text) == text


def test_a_parameter_that_is_a_message_is_translated_in_turn() -> None:
    assert engine_text("zh", "expected a whole number, got a text") == "此处应为整数，实际为文本"


def test_a_text_that_is_no_message_is_shown_as_it_is() -> None:
    assert engine_text("zh", "井盖缺失") == "井盖缺失"
    assert engine_text("zh", "") == ""


def test_roles_actions_and_fields_are_named_by_their_labels() -> None:
    mediation = load_definition(DEFINITIONS / "mediation.yaml")
    names = definition_names(mediation, "zh")
    t = next(t for t in mediation.transitions if len(t.requires) >= 2)
    fields = [mediation.fields[f].label.zh for f in t.requires]
    refused = MissingFieldsError(t.action, list(t.requires))
    assert engine_text("zh", str(refused), names) == (
        f"操作 “{t.label.zh}” 需要填写：{'、'.join(fields)}"
    )
    role = RoleNotAllowedError("close", "grid_member", ["mediator", "org_admin"])
    assert (
        engine_text("zh", str(role)) == "角色 “网格员” 不能执行 'close'（允许：调解员、组织管理员）"
    )


def test_a_lateness_in_the_readers_words() -> None:
    assert late_text("zh", "2 d 3 h") == "2天3小时"
    assert late_text("en", "1 h 5 min") == "1 hr 5 min"
    assert late_text("zh", "soon") == "soon"


def test_an_escalation_note_reads_in_chinese() -> None:
    note = "deadline missed: respond (响应超时 / Response missed); fired 2 d 3 h late"
    assert engine_text("zh", note) == "逾期未办：响应超时（迟 2天3小时 触发）"
    assert engine_text("zh", "deadline missed: respond") == "逾期未办"


def test_a_problem_with_its_place_and_hint() -> None:
    p = Problem("f.yaml", 4, 3, "owner_roles", "unknown role 'boss'", "did you mean 'admin'?")
    assert (
        problem_text("zh", p)
        == "f.yaml:4:3：owner_roles：未知角色 'boss'（是否想写 “系统管理员”？）"
    )
    assert problem_text("en", p) == str(p)


def test_a_reserved_fields_meaning_and_types_read_in_chinese() -> None:
    text = (
        "'outcome' is a reserved field (how the case ended; feeds the rates):"
        " its type must be enum or string, not text"
    )
    assert engine_text("zh", text) == (
        "'outcome' 是保留字段（案件结果；计入办理指标）：类型必须是 枚举或字符串，而不是 长文本"
    )
