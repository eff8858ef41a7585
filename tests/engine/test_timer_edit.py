"""Changing one timer's period, reminder or roles: the rest of the YAML stays byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from engine.definition_diff import diff
from engine.errors import DefinitionError, UnknownTimerError
from engine.loader import load_definition, parse_definition
from engine.timer_edit import edit_timer, share_text
from tests.engine.test_definition_diff import BASE

TABLE = "        after: {by: severity, values: {red: 2 hours, yellow: 24 hours}, default: 72 hours}"
SHIPPED = sorted((Path(__file__).resolve().parents[2] / "definitions").glob("*.yaml"))


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_a_period_is_replaced_where_it_stands() -> None:
    text = edit_timer(
        BASE, "open", "follow_up", after="10 working days", remind_at=None, notify=None
    )
    assert text == BASE.replace("after: 15 working days", "after: 10 working days")
    assert "      # the statutory period\n" in text
    c = [c.en for c in diff(parse_definition(BASE), parse_definition(text)).changes]
    assert c == ["timer follow_up: duration 15 working days → 10 working days"]


def test_the_period_is_written_in_its_canonical_form() -> None:
    text = edit_timer(
        BASE, "open", "follow_up", after="10 Working-Days", remind_at=None, notify=None
    )
    assert "after: 10 working days\n" in text


def test_all_three_entries_at_once() -> None:
    text = edit_timer(
        BASE, "open", "follow_up", after="3 weeks", remind_at=0.5, notify=("mediator", "org_admin")
    )
    assert changed_lines(BASE, text) == [
        "-        after: 15 working days",
        "-        remind_at: 80%",
        "-        notify: [mediator]",
        "+        after: 3 weeks",
        "+        remind_at: 50%",
        "+        notify: [mediator, org_admin]",
    ]
    t = parse_definition(text).states["open"].timers[0]
    assert (str(t.after.duration), t.remind_at, t.notify) == (
        "3 weeks",
        0.5,
        ("mediator", "org_admin"),
    )


def test_a_missing_entry_is_added_under_the_timer() -> None:
    text = edit_timer(BASE, "open", "triage", after=None, remind_at=0.75, notify=None)
    assert changed_lines(BASE, text) == ["+        remind_at: 75%"]
    assert text.index("remind_at: 75%") > text.index("notify: [org_admin]")
    assert parse_definition(text).states["open"].timers[1].remind_at == 0.75


def test_a_duration_table_becomes_one_period() -> None:
    text = edit_timer(BASE, "open", "triage", after="1 day", remind_at=None, notify=None)
    assert changed_lines(BASE, text) == [
        "-" + TABLE,
        "+        after: 1 day",
    ]


def test_a_block_table_and_its_trailing_comment() -> None:
    block = BASE.replace(
        TABLE + "\n",
        "        after:\n          by: severity\n          values:\n            red: 2 hours\n"
        "          default: 72 hours  # local practice\n",
    )
    parse_definition(block)
    text = edit_timer(block, "open", "triage", after="1 day", remind_at=None, notify=None)
    assert changed_lines(block, text) == [
        "-        after:",
        "-          by: severity",
        "-          values:",
        "-            red: 2 hours",
        "-          default: 72 hours  # local practice",
        "+        after: 1 day  # local practice",
    ]


def test_a_timer_written_as_a_flow_mapping() -> None:
    flow = BASE.replace(
        "      - name: triage\n" + TABLE + "\n        notify: [org_admin]\n",
        "      - {name: triage, after: 2 hours, notify: [org_admin]}  # short\n",
    )
    text = edit_timer(flow, "open", "triage", after="4 hours", remind_at=0.8, notify=None)
    assert changed_lines(flow, text) == [
        "-      - {name: triage, after: 2 hours, notify: [org_admin]}  # short",
        "+      - {name: triage, after: 4 hours, notify: [org_admin], remind_at: 80%}  # short",
    ]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in SHIPPED])
def test_every_shipped_timer_can_be_edited_alone(path: Path) -> None:
    definition = load_definition(path)
    source = definition.source
    # A state's single timer is edited here; case-level and recurring ones in their file.
    for timer in (t for t in definition.all_timers() if not t.case_level and t.every is None):
        text = edit_timer(
            source, timer.state, timer.name, after="9 days", remind_at=0.6, notify=None
        )
        edited = parse_definition(text)
        changes = diff(definition, edited).changes
        assert {c.name for c in changes} == {timer.name}, changes
        assert edited.states[timer.state].timers == tuple(
            t if t.name != timer.name else edited.states[timer.state].timers[i]
            for i, t in enumerate(definition.states[timer.state].timers)
        )
        removed = [line for line in changed_lines(source, text) if line.startswith("-")]
        assert all(("after" in r or "remind_at" in r or r.startswith("-  ")) for r in removed)
        # The version stays as it is: publishing sets it.
        assert edited.version == definition.version


def test_a_bad_duration_points_at_the_timers_period() -> None:
    with pytest.raises(DefinitionError) as info:
        edit_timer(BASE, "open", "follow_up", after="ten days", remind_at=None, notify=None)
    [problem] = info.value.problems
    line = BASE.splitlines().index("        after: 15 working days") + 1
    assert (problem.line, problem.col) == (line, 16)
    assert problem.key == "states.open.timers[0].after"
    assert "bad duration 'ten days'" in problem.message


@pytest.mark.parametrize(
    ("kwargs", "key", "message"),
    [
        ({"remind_at": 1.5}, "remind_at", "use 1% to 99%"),
        ({"notify": ("org admin",)}, "notify", "bad role name"),
        ({"notify": ("nobody",)}, "notify", "nobody"),
        ({"notify": ()}, "", "needs an 'action' to fire or roles to 'notify'"),
    ],
    ids=["share", "role-name", "unknown-role", "no-one"],
)
def test_bad_values_are_problems_with_their_position(
    kwargs: dict[str, object], key: str, message: str
) -> None:
    args: dict[str, object] = {"after": None, "remind_at": None, "notify": None, **kwargs}
    with pytest.raises(DefinitionError) as info:
        edit_timer(BASE, "open", "triage", **args)  # type: ignore[arg-type]
    [problem] = [p for p in info.value.problems if message in str(p)]
    assert key in problem.key
    assert problem.line > 1


@pytest.mark.parametrize(
    ("state", "timer"), [("open", "nothing"), ("closed", "triage"), ("x", "y")]
)
def test_an_unknown_timer(state: str, timer: str) -> None:
    with pytest.raises(UnknownTimerError):
        edit_timer(BASE, state, timer, after="1 day", remind_at=None, notify=None)


def test_shares_as_the_yaml_writes_them() -> None:
    assert [share_text(x) for x in (0.8, 0.5, 0.125, 0.01)] == ["80%", "50%", "12.5%", "1%"]
