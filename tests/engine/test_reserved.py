"""The reserved field names: declared once (engine.reserved), type-checked by the loader,
listed in definitions/README.md, and those the engine owns never accepted from input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definition import FIELD_TYPES
from engine.errors import DefinitionError
from engine.loader import parse_definition
from engine.reserved import ENGINE_OWNED, RESERVED

README = (Path(__file__).resolve().parents[2] / "definitions" / "README.md").read_text("utf-8")
ROW = re.compile(r"^\| `(\w+)` \| ([\w, ]+) \| (.+) \|$", re.MULTILINE)

TEMPLATE = """\
name: reserved
version: 1
title: {{zh: 保留, en: Reserved}}
initial: open
fields:
  {name}:
    type: {ftype}
    label: {{zh: 字段, en: Field}}{extra}
states:
  open: {{label: {{zh: 开, en: Open}}, final: true}}
transitions: []
"""


def declaring(name: str, ftype: str) -> str:
    extra = "\n    values: [a, b]" if ftype == "enum" else ""
    return TEMPLATE.format(name=name, ftype=ftype, extra=extra)


def readme_table() -> dict[str, tuple[tuple[str, ...], str]]:
    start = README.index("<!-- reserved-fields:")
    end = README.index("<!-- /reserved-fields -->")
    return {
        m[1]: (tuple(t.strip() for t in m[2].split(",")), m[3].strip())
        for m in ROW.finditer(README[start:end])
    }


def test_the_readme_lists_every_reserved_name_with_its_types_and_meaning() -> None:
    assert readme_table() == {r.name: (r.types, r.meaning) for r in RESERVED.values()}


def test_the_readme_names_every_engine_owned_field_under_accepts() -> None:
    section = README[README.index("## What a step takes") : README.index("## Reserved field")]
    for name in ENGINE_OWNED:
        assert f"`{name}`" in section


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_the_loader_type_checks_every_reserved_name(name: str) -> None:
    reserved = RESERVED[name]
    for ftype in reserved.types:
        assert parse_definition(declaring(name, ftype)).fields[name].type == ftype
    for ftype in (t for t in FIELD_TYPES if t not in reserved.types):
        with pytest.raises(DefinitionError) as err:
            parse_definition(declaring(name, ftype))
        [problem] = err.value.problems
        assert (problem.line, problem.col, problem.key) == (7, 11, f"fields.{name}.type")
        assert problem.message.startswith(f"{name!r} is a reserved field")


def test_engine_owned_names_are_reserved() -> None:
    assert set(ENGINE_OWNED) <= set(RESERVED)
