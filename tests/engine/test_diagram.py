"""Tests for the Mermaid drawing of a workflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definition import Definition
from engine.definition_diff import diff
from engine.diagram import CLASS_DEFS, label_text, mermaid, points_text
from engine.loader import load_definition, parse_definition
from tests.engine.test_loader import SAMPLE

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "definitions").glob("*.yaml"))


@pytest.fixture(params=[pytest.param(p, id=p.stem) for p in SHIPPED])
def definition(request: pytest.FixtureRequest) -> Definition:
    path: Path = request.param
    return load_definition(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_state_and_transition_is_drawn(definition: Definition, lang: str) -> None:
    lines = mermaid(definition, lang).splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {definition.initial}" in lines
    for name, st in definition.states.items():
        assert f'    state "{label_text(st.label.get(lang))}" as {name}' in lines
        assert (f"    {name} --> [*]" in lines) is st.final
        for timer in st.timers:
            assert any(
                line.startswith(f"    note right of {name}: ") and f" {timer.name} " in line
                for line in lines
            ), timer.name
    arrows = [line for line in lines if " --> " in line and "[*]" not in line]
    expected = [
        f"    {s} --> {t.dest}: "
        + label_text(" ".join([t.label.get(lang), *map(points_text, t.points)]))
        for t in definition.transitions
        for s in t.sources
    ]
    assert arrows == expected


def test_the_points_an_action_awards_or_deducts_are_on_its_arrow() -> None:
    path = next(p for p in SHIPPED if p.stem == "quarterly_scoring")
    lines = mermaid(load_definition(path), "zh").splitlines()
    assert "    scoring --> scoring: 加分 🏅 +points item → case" in lines
    assert "    scoring --> scoring: 减分 🏅 -points item → case" in lines


def test_labels_cannot_break_the_mermaid_syntax() -> None:
    text = SAMPLE.replace("{zh: 已结案, en: Closed}", '{zh: 已结案, en: "The \\"end\\""}').replace(
        "{zh: 结案, en: Close}", '{zh: 结案, en: "Close: done"}'
    )
    d = parse_definition(text)
    lines = mermaid(d, "en").splitlines()
    assert '    state "The #34;end#34;" as closed' in lines
    assert "    open --> closed: Close#58; done" in lines


def test_timers_are_notes_with_their_period_and_effect() -> None:
    lines = mermaid(parse_definition(SAMPLE), "en").splitlines()
    assert "    note right of open: ⏱ deadline by severity → expire" in lines
    assert "    note right of open: ⏱ visit at visit_date → notify org_admin" in lines


def test_multi_line_labels_are_drawn_on_one_line() -> None:
    text = SAMPLE.replace(
        "{zh: 办理中, en: Open}", "\n      zh: 办理中\n      en: >-\n        Open\n\n        case"
    )
    lines = mermaid(parse_definition(text), "en").splitlines()
    assert '    state "Open case" as open' in lines


HOSTILE = '<img src=x onerror=alert(1)> %%{init: {"securityLevel": "loose"}}%% #lt; & "q"'


def test_labels_are_plain_text_not_markup_or_directives() -> None:
    """A label with an image tag (each view of the diagram would fetch its URL) or a Mermaid
    directive (which reconfigures or breaks the drawing) is drawn as the text typed."""
    text = SAMPLE.replace("{zh: 已结案, en: Closed}", "{zh: 已结案, en: '" + HOSTILE + "'}")
    text = text.replace("{zh: 结案, en: Close}", "{zh: 结案, en: '" + HOSTILE + "'}")
    drawn = mermaid(parse_definition(text), "en")
    assert "<img" not in drawn
    assert "%%" not in drawn
    assert "{" not in drawn and "}" not in drawn
    assert "#lt;" not in drawn  # the label's own entity is drawn as typed, not as <
    closed = next(line for line in drawn.splitlines() if line.endswith(" as closed"))
    assert closed.count('"') == 2  # the label cannot end its quotes early
    assert closed == f'    state "{label_text(HOSTILE)}" as closed'


def test_escaped_text_reads_back_as_the_label() -> None:
    """Mermaid's entity codes (#NNN;) turned back into characters give the label."""
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m[1])), label_text(HOSTILE))
    assert decoded == HOSTILE


# -- marked with the changes since another version ---------------------------------------------

MARKED_BASE = SAMPLE.replace(
    "  closed:\n", "  waiting:\n    label: {zh: 等待, en: Waiting}\n    final: true\n  closed:\n"
).replace(
    "transitions:\n",
    "transitions:\n  - action: wait\n    label: {zh: 等待, en: Wait}\n    from: open\n"
    "    to: waiting\n",
)


def test_without_changes_nothing_is_marked() -> None:
    d = parse_definition(SAMPLE)
    assert mermaid(d, "en", diff(d, d).marks) == mermaid(d, "en") + "\n".join(CLASS_DEFS) + "\n"


def test_added_changed_and_removed_states_and_arrows_are_marked() -> None:
    old = parse_definition(MARKED_BASE)
    new = parse_definition(
        SAMPLE.replace("version: 1", "version: 2")
        .replace(
            "  closed:\n",
            "  review:\n    label: {zh: 复核, en: Review}\n    final: true\n  closed:\n",
        )
        .replace("{zh: 已结案, en: Closed}", '{zh: 已办结, en: "Done: all"}')
        .replace(
            "transitions:\n",
            "transitions:\n  - action: check\n    label: {zh: 复核, en: Check}\n    from: open\n"
            "    to: review\n",
        )
        .replace("requires: [note]", "requires: [note, severity]")
        .replace("remind_at: 80%", "remind_at: 50%")
    )
    lines = mermaid(new, "en", diff(old, new).marks).splitlines()
    assert '    state "Waiting (removed)" as waiting' in lines
    assert "    open --> review: ＋ Check" in lines
    assert "    open --> closed: ✎ Close" in lines
    assert "    open --> waiting: － Wait" in lines
    assert "    open --> open: Expire" in lines  # unchanged
    assert "    note right of open: ✎ ⏱ deadline by severity → expire" in lines
    assert "    note right of open: ⏱ visit at visit_date → notify org_admin" in lines
    assert '    state "Done#58; all" as closed' in lines  # escaping kept
    assert "    class review added" in lines
    assert "    class open,closed changed" in lines
    assert "    class waiting removed" in lines
    assert any(line.startswith("    classDef removed") and "dasharray" in line for line in lines)
    zh = mermaid(new, "zh", diff(old, new).marks).splitlines()
    assert '    state "等待（已删除）" as waiting' in zh
    assert "    open --> review: ＋ 复核" in zh


def test_a_ghosts_label_is_escaped() -> None:
    old = parse_definition(MARKED_BASE.replace("en: Waiting}", 'en: "<b>%%{x}%%"}'))
    new = parse_definition(SAMPLE)
    lines = mermaid(new, "en", diff(old, new).marks).splitlines()
    assert '    state "#60;b#62;#37;#37;#123;x#125;#37;#37; (removed)" as waiting' in lines


def test_a_new_workflow_is_all_added() -> None:
    d = parse_definition(SAMPLE)
    lines = mermaid(d, "en", diff(None, d).marks).splitlines()
    assert "    class open,closed added" in lines
    assert all(
        line.split(": ", 1)[1].startswith("＋")
        for line in lines
        if " --> " in line and "[*]" not in line
    )


def test_case_level_and_recurring_timers_are_notes_beside_the_initial_state() -> None:
    d = load_definition(
        Path(__file__).resolve().parents[2] / "definitions/project_supervision.yaml"
    )
    lines = mermaid(d, "en").splitlines()
    report = label_text(
        "⏱ case progress_report every half month from start_date until end_date"
        " until final_review → report_period_ends"
    )
    assert f"    note left of in_progress: {report}" in lines
    summary = [x for x in lines if "half_year_summary" in x]
    assert summary == [
        "    note left of in_progress: "
        + label_text(
            "⏱ case half_year_summary every 6 months from start_date until end_date"
            " until final_review → summary_due"
        )
    ]


def test_a_state_with_tasks_shows_them_in_a_note() -> None:
    meeting = load_definition(
        Path(__file__).resolve().parents[2] / "definitions/joint_meeting.yaml"
    )
    lines = mermaid(meeting, "zh").splitlines()
    [note] = [line for line in lines if line.startswith("    note left of follow_up: ")]
    assert "☑ supervisor, org_admin" in note and "10 working days" in note
    assert "decision_overdue" in note and "✓ → all_carried_out" in note
    assert not any(line.startswith("    note left of in_session") for line in lines)
