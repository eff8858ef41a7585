"""Tests for the Mermaid drawing of a workflow."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definition import Definition
from engine.diagram import mermaid
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
        assert f'    state "{st.label.get(lang)}" as {name}' in lines
        assert (f"    {name} --> [*]" in lines) is st.final
        for timer in st.timers:
            assert any(
                line.startswith(f"    note right of {name}: ") and f" {timer.name} " in line
                for line in lines
            ), timer.name
    arrows = [line for line in lines if " --> " in line and "[*]" not in line]
    expected = [
        f"    {s} --> {t.dest}: {t.label.get(lang)}"
        for t in definition.transitions
        for s in t.sources
    ]
    assert arrows == expected


def test_labels_cannot_break_the_mermaid_syntax() -> None:
    text = SAMPLE.replace("{zh: 已结案, en: Closed}", '{zh: 已结案, en: "The \\"end\\""}').replace(
        "{zh: 结案, en: Close}", '{zh: 结案, en: "Close: done"}'
    )
    d = parse_definition(text)
    lines = mermaid(d, "en").splitlines()
    assert "    state \"The 'end'\" as closed" in lines
    assert "    open --> closed: Close  done" in lines


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
