"""Tests for the workflow loader: the invalid-definition corpus, hints, positions and hashing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import DefinitionError, Problem
from engine.expression_check import TypeChecker
from engine.loader import check_value, load_definition, parse_definition

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "definitions").glob("*.yaml"))
CORPUS_DIR = Path(__file__).resolve().parent / "invalid_definitions"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")

# Every load-time rule of the schema (SCHEMA.md / definitions/README.md), and the corpus files
# that break it. The last entries are checks beyond that list.
RULES: dict[str, tuple[str, ...]] = {
    "unknown key": ("unknown_top_key", "unknown_key_in_transition"),
    "missing required key": ("missing_required_key", "missing_transition_key"),
    "wrong type": ("wrong_type", "wrong_type_final", "states_not_mapping", "label_not_mapping"),
    "bad name": ("bad_name", "bad_state_name", "bad_field_name", "name_differs_from_file"),
    "label without zh or en": ("label_missing_en", "label_missing_zh"),
    "initial not a state": ("initial_unknown",),
    "unknown state in from/to": ("unknown_state_in_from", "unknown_state_in_to"),
    "unreachable state": ("unreachable_state",),
    "non-final state with no way out": ("dead_end_not_final",),
    "final state with timers": ("final_state_with_timers",),
    "duplicate action from the same source state": ("duplicate_action", "duplicate_state_in_from"),
    "duplicate timer name": ("duplicate_timer_name",),
    "recurring timer: its period, its end (until or count, until_state case-level only), an"
    " internal action, no reminder": ("recurring_misuse",),
    "case-level timer: no keep_through, not the response deadline, an action of the workflow": (
        "case_timer_misuse",
    ),
    "timer action not a transition from its state allowed for role system": (
        "timer_action_not_in_state",
        "timer_action_not_system",
    ),
    "unknown role": ("unknown_role", "unknown_role_in_notify"),
    "bad duration": ("bad_duration",),
    "bad / unparsable guard or set expression": (
        "bad_guard_syntax",
        "guard_disallowed_call",
        "guard_attribute",
        "bad_set_expression",
    ),
    "expression names an undeclared field": ("guard_undeclared_field", "set_undeclared_field"),
    "requires names an undeclared field": ("requires_undeclared_field",),
    "by: field not an enum or table keys not among its values": (
        "by_field_not_enum",
        "by_value_not_in_enum",
        "by_field_undeclared",
    ),
    "enum without values": ("enum_without_values",),
    "default of the wrong type": (
        "default_wrong_type",
        "default_enum_not_a_value",
        "default_out_of_range",
    ),
    "internal only on a self-loop": ("internal_not_self_loop",),
    "points effects": (
        "points_unknown_target",
        "points_amount_not_integer",
        "points_unknown_category",
        "points_unknown_key",
    ),
    "YAML itself": (
        "yaml_syntax_error",
        "duplicate_yaml_key",
        "empty_definition",
        "not_a_mapping",
        "bad_yaml_value",
    ),
    "timers": (
        "at_field_not_date",
        "timer_without_period",
        "timer_without_effect",
        "bad_remind_at",
    ),
    "fields": ("unknown_field_type", "values_on_non_enum", "value_labels_unknown_value"),
    "numbers": ("version_below_one", "min_above_max"),
    "roles and tiers": ("transition_without_roles", "duplicate_tier"),
    "accepts: declared fields, none owned by the engine": (
        "accepts_engine_owned",
        "opening_accepts_undeclared",
    ),
    "a reserved field of another type": ("reserved_field_wrong_type",),
    "numbers the stores cannot keep": (
        "bound_not_storable",
        "default_not_storable",
        "effect_always_overflows",
    ),
    "bounded work": ("yaml_anchor", "yaml_too_deep", "expression_too_long"),
    "tasks: a list field, system actions from the state, an internal overdue step": (
        "tasks_units_not_a_list",
        "tasks_overdue_not_internal",
        "tasks_done_not_system",
        "tasks_nobody_gives",
        "tasks_unknown_action",
        "tasks_overdue_moves_on",
        "final_state_with_tasks",
    ),
    "typing rules of guards and set values": (
        "guard_enum_not_a_value",
        "guard_compared_across_types",
        "set_value_does_not_fit",
        "arithmetic_on_non_numbers",
    ),
}

SAMPLE = """\
name: sample
version: 1
title: {zh: 示例, en: Sample}
initial: open
fields:
  note:
    type: string
    label: {zh: 备注, en: Note}
  severity:
    type: enum
    values: [red, yellow, blue]
    label: {zh: 紧急程度, en: Severity}
  visit_date:
    type: date
    default: 2026-12-01
    label: {zh: 回访日期, en: Visit date}
states:
  open:
    label: {zh: 办理中, en: Open}
    roles: [mediator]
    timers:
      - name: deadline
        after: {by: severity, values: {red: 2 hours, yellow: 24 hours}, default: 72 hours}
        action: expire
        remind_at: 80%
      - name: visit
        at_field: visit_date
        notify: [org_admin]
  closed:
    label: {zh: 已结案, en: Closed}
    final: true
transitions:
  - action: close
    label: {zh: 结案, en: Close}
    from: open
    to: closed
    requires: [note]
    guard: "severity != 'red'"
  - action: expire
    label: {zh: 期限届满, en: Expire}
    from: open
    to: open
    roles: [system]
    set:
      note: "'expired'"
"""


def expectations(path: Path) -> list[tuple[int, int, str]]:
    """The `# expect: LINE:COL: text` lines that open a corpus file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = EXPECT.match(line)
        if m is None:
            break
        out.append((int(m[1]), int(m[2]), m[3]))
    return out


def problems_of(text: str, file: str = "sample.yaml") -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, file=file)
    return info.value.problems


def replaced(old: str, new: str) -> str:
    assert SAMPLE.count(old) == 1, old
    return SAMPLE.replace(old, new)


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in CORPUS])
def test_invalid_definition_reports_expected_problems(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} must open with '# expect: LINE:COL: text'"
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    problems = info.value.problems
    for p in problems:
        assert str(p).startswith(f"{path}:{p.line}:{p.col}: ")
    shown = "\n".join(str(p) for p in problems)
    for line, col, text in expected:
        assert any(p.line == line and p.col == col and text in str(p) for p in problems), (
            f"expected {line}:{col}: {text!r} among:\n{shown}"
        )


def test_corpus_covers_every_rule() -> None:
    listed = {stem for stems in RULES.values() for stem in stems}
    present = {p.stem for p in CORPUS}
    assert listed - present == set(), "rules without a corpus file"
    assert present - listed == set(), "corpus files not listed under a rule"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_shipped_definition_loads(path: Path) -> None:
    d = load_definition(path)
    assert d.name == path.stem
    assert d.initial in d.states
    assert d.transitions
    for t in d.transitions:
        assert set(t.sources) <= set(d.states) and t.dest in d.states
        assert t.roles


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_shipped_definition_is_well_typed(path: Path) -> None:
    d = load_definition(path)
    states = list(d.states)
    checker = TypeChecker(d.fields, states)
    guards = [t.guard for t in d.transitions if t.guard is not None]
    effects = [(d.fields[f], e) for t in d.transitions for f, e in t.sets]
    assert guards and effects
    assert [p for g in guards for p in checker.guard(g)] == []
    assert [p for f, e in effects for p in checker.effect(e, f)] == []


def test_shipped_definitions_exist() -> None:
    assert {p.stem for p in SHIPPED} >= {"mediation", "grid_escalation"}


def test_sample_loads_with_every_part() -> None:
    d = parse_definition(SAMPLE, file="sample.yaml")
    assert d.key == ("sample", 1)
    assert d.fields["visit_date"].default == "2026-12-01"  # dates kept as ISO text
    deadline, visit = d.states["open"].timers
    assert deadline.after.by == "severity" and set(deadline.after.table) == {"red", "yellow"}
    assert deadline.remind_at == pytest.approx(0.8)
    assert visit.at_field == "visit_date" and visit.notify == ("org_admin",)
    close = d.transition("open", "close")
    assert close is not None and close.roles == ("mediator",)
    assert close.guard is not None and close.guard.source == "severity != 'red'"
    expire = d.transition("open", "expire")
    assert expire is not None and expire.roles == ("system",) and expire.sets[0][0] == "note"
    assert d.owner_roles == (
        "grid_member",
        "mediator",
        "handler",
        "org_admin",
        "supervisor",
        "admin",
    )


def test_star_source_means_every_non_final_state() -> None:
    text = replaced("    from: open\n    to: closed\n", '    from: "*"\n    to: closed\n')
    close = parse_definition(text).transition("open", "close")
    assert close is not None and close.sources == ("open",)


def test_parse_definition_does_not_check_the_file_name() -> None:
    assert parse_definition(SAMPLE, file="stored@v1").name == "sample"


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        pytest.param("to: closed", "to: closd", "did you mean 'closed'?", id="state"),
        pytest.param("initial: open", "initial: opn", "did you mean 'open'?", id="initial"),
        pytest.param("[mediator]", "[mediater]", "did you mean 'mediator'?", id="role"),
        pytest.param(
            "expire\n        remind", "expir\n        remind", "did you mean 'expire'?", id="action"
        ),
        pytest.param('    guard: "', '    gaurd: "', "did you mean 'guard'?", id="key"),
        pytest.param("initial: open\n", "initail: open\n", "did you mean 'initial'?", id="top-key"),
        pytest.param("[note]", "[nte]", "did you mean 'note'?", id="requires-field"),
        pytest.param(
            "severity != 'red'", "severty != 'red'", "did you mean 'severity'?", id="guard"
        ),
        pytest.param("by: severity", "by: severty", "did you mean 'severity'?", id="by-field"),
        pytest.param(
            "yellow: 24 hours", "yelow: 24 hours", "did you mean 'yellow'?", id="by-value"
        ),
        pytest.param(
            "at_field: visit_date", "at_field: visit_dat", "did you mean 'visit_date'?", id="at"
        ),
        pytest.param("      note: \"'", "      notes: \"'", "did you mean 'note'?", id="set-field"),
        pytest.param("type: string", "type: strin", "did you mean 'string'?", id="field-type"),
        pytest.param("red: 2 hours", "red: 2 horus", "did you mean '2 hours'?", id="duration"),
    ],
)
def test_did_you_mean(old: str, new: str, hint: str) -> None:
    problems = problems_of(replaced(old, new))
    assert any(hint in str(p) for p in problems), "\n".join(map(str, problems))


def test_no_hint_for_a_name_nothing_like_the_known_ones() -> None:
    (problem,) = problems_of(replaced("to: closed", "to: zzzzzz"))
    assert problem.message == "unknown state 'zzzzzz' in 'to'" and problem.hint == ""


SAMPLE_REFORMATTED = "# comments and layout change nothing\n" + SAMPLE.replace(
    "title: {zh: 示例, en: Sample}", "title:\n  zh: 示例  # Chinese\n  en: 'Sample'"
).replace("roles: [mediator]", "roles:\n      - mediator").replace(
    "    from: open\n    to: closed\n", '    to: closed\n    from: "open"\n\n'
)


def test_content_hash_ignores_comments_and_formatting() -> None:
    assert SAMPLE_REFORMATTED != SAMPLE
    a, b = parse_definition(SAMPLE), parse_definition(SAMPLE_REFORMATTED)
    assert a.content_hash == b.content_hash
    assert a.source != b.source


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("en: Sample}", "en: Example}", id="label"),
        pytest.param("remind_at: 80%", "remind_at: 90%", id="timer"),
        pytest.param("severity != 'red'", "severity != 'blue'", id="guard"),
        pytest.param("version: 1", "version: 2", id="version"),
    ],
)
def test_content_hash_changes_with_content(old: str, new: str) -> None:
    assert (
        parse_definition(SAMPLE).content_hash != parse_definition(replaced(old, new)).content_hash
    )


def test_every_problem_in_a_file_is_reported_sorted_by_line() -> None:
    text = (
        SAMPLE.replace("type: string", "type: strng")
        .replace("roles: [mediator]", "roles: [mediater]")
        .replace("to: closed", "to: closd")
        + "colour: red\n"  # found first (top-level keys), reported last
    )
    problems = problems_of(text)
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    messages = [p.message for p in problems]
    assert len(problems) == 4, "\n".join(map(str, problems))
    assert "unknown type 'strng'" in messages[0]
    assert messages[1:] == [
        "unknown role 'mediater'",
        "unknown state 'closd' in 'to'",
        "unknown key 'colour'",
    ]
    error = DefinitionError(problems)
    assert str(error).splitlines() == [str(p) for p in problems]


GUARD_LINE = "    guard: \"severity != 'red'\"\n"


@pytest.mark.parametrize(
    ("guard", "marker"),
    [
        pytest.param("    guard: note != '' and eval(note)\n", "eval", id="plain"),
        pytest.param("    guard: \"note != '调解' and eval(note)\"\n", "eval", id="double-chinese"),
        pytest.param(
            '    guard: "note != \\"x\\" and \\u0065val(note)"\n', "\\u0065", id="double-escapes"
        ),
        pytest.param("    guard: 'note != ''x'' and eval(note)'\n", "eval", id="single-escapes"),
        pytest.param("    guard: note != ''\n      and eval(note)\n", "eval", id="plain-2-lines"),
        pytest.param("    guard: >\n      note != '' and\n      eval(note)\n", "eval", id="folded"),
        pytest.param(
            "    guard: |\n      (note != '' and\n       eval(note))\n", "eval", id="literal"
        ),
        pytest.param("    guard: \"severity == 'red' or notes\"\n", "notes", id="undeclared"),
        pytest.param("    guard: 'note == 1 and'\n", "and|'", id="incomplete"),
        pytest.param('    guard: "note is None"\n', "note is", id="is-operator"),
    ],
)
def test_guard_error_points_at_the_offending_character(guard: str, marker: str) -> None:
    """`marker` is the text at the expected position; with a `|`, the position is after it."""
    text = replaced(GUARD_LINE, guard)
    before, bar, after = marker.partition("|")
    at = text.index(before + after) + (len(before) if bar else 0)
    line = text.count("\n", 0, at) + 1
    col = at - text.rfind("\n", 0, at)
    problems = problems_of(text)
    assert [(p.line, p.col) for p in problems] == [(line, col)], "\n".join(map(str, problems))
    assert problems[0].key == "transitions[0] (close).guard"


def test_set_expression_error_points_inside_the_value() -> None:
    text = replaced("      note: \"'expired'\"\n", "      note: \"'expired' + lower\"\n")
    (problem,) = problems_of(text)
    at = text.index("lower")
    assert (problem.line, problem.col) == (
        text.count("\n", 0, at) + 1,
        at - text.rfind("\n", 0, at),
    )
    assert "lower" in problem.message


def test_yaml_character_error_is_located() -> None:
    text = SAMPLE.replace("Sample}", "Sam\x07ple}")
    (problem,) = problems_of(text)
    at = text.index("\x07")
    assert (problem.line, problem.col) == (3, at - text.rfind("\n", 0, at))
    assert "YAML" in problem.message


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{path}:1:1: cannot read file")


@pytest.mark.parametrize(
    ("ftype", "value", "ok"),
    [
        pytest.param("date", "2026-12-01", True, id="date"),
        pytest.param("date", "2026-12-01T09:00", False, id="date-not-datetime"),
        pytest.param("datetime", "2026-12-01T09:00:00+08:00", True, id="datetime"),
        pytest.param("datetime", "soon", False, id="datetime-bad"),
        pytest.param("int", True, False, id="int-not-bool"),
        pytest.param("number", 2.5, True, id="number"),
        pytest.param("enum", "red", True, id="enum"),
        pytest.param("enum", "green", False, id="enum-bad"),
        pytest.param("list", ["a"], True, id="list"),
        pytest.param("string", None, True, id="none-always-fits"),
    ],
)
def test_check_value(ftype: str, value: object, ok: bool) -> None:
    assert (check_value(ftype, ("red", "yellow"), value) == "") is ok


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "    to: open\n",
            "    to: opn\n",
            "unknown state 'opn' in 'to'",
            id="timer-action-target",
        ),
        pytest.param("type: string", "type: strng", "unknown type 'strng'", id="field-used-later"),
        pytest.param(
            "type: enum", "type: enm", "unknown type 'enm'", id="field-of-unknown-type-in-a-guard"
        ),
        pytest.param(
            "      note: \"'expired'\"\n",
            '      note: "severity + notes"\n',
            "expression names undeclared field 'notes'",
            id="undeclared-name-holds-any-value",
        ),
        pytest.param("[mediator]", "[mediater]", "unknown role 'mediater'", id="default-roles"),
        pytest.param(
            "to: closed", "to: closd", "unknown state 'closd' in 'to'", id="no-unreachable-state"
        ),
    ],
)
def test_one_mistake_is_one_problem(old: str, new: str, message: str) -> None:
    (problem,) = problems_of(replaced(old, new))
    assert problem.message.startswith(message)


def test_unreadable_states_are_not_reported_at_each_use() -> None:
    start = SAMPLE.index("states:\n")
    end = SAMPLE.index("transitions:\n")
    (problem,) = problems_of(SAMPLE[:start] + "states: [open, closed]\n" + SAMPLE[end:])
    assert problem.key == "states" and problem.message == "expected a mapping, got a list"


def test_from_field_and_keep_through_are_read_and_checked() -> None:
    text = replaced(
        "        action: expire\n        remind_at: 80%\n",
        "        action: expire\n        remind_at: 80%\n"
        "        from_field: visit_date\n        keep_through: [closed]\n",
    )
    [deadline, _] = parse_definition(text).states["open"].timers
    assert (deadline.from_field, deadline.keep_through) == ("visit_date", ("closed",))
    problems = [
        str(p)
        for p in problems_of(
            text.replace("from_field: visit_date", "from_field: note").replace(
                "keep_through: [closed]", "keep_through: [clsed, open]"
            )
        )
    ]
    assert any("from_field 'note' is a string field" in p for p in problems), problems
    assert any("unknown state 'clsed'" in p and "did you mean 'closed'" in p for p in problems)
    assert any("its own state 'open'" in p for p in problems), problems
