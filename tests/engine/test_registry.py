"""Tests for the registry of loaded workflow versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definition import Definition
from engine.errors import DefinitionError, UnknownWorkflowError
from engine.loader import parse_definition
from engine.registry import Registry, load_directory
from tests.engine.test_loader import SAMPLE

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def sample(version: int, title: str = "Sample") -> Definition:
    text = SAMPLE.replace("version: 1", f"version: {version}").replace(
        "en: Sample}", f"en: {title}}}"
    )
    return parse_definition(text, file=f"sample@v{version}")


def test_versions_and_latest() -> None:
    v1, v2, v3 = sample(1), sample(2), sample(3)
    registry = Registry([v3, v1, v2])
    assert registry.names() == ["sample"]
    assert registry.versions("sample") == [v1, v2, v3]
    assert registry.latest("sample") is v3
    assert registry.get("sample") is v3
    assert registry.get("sample", 1) is v1
    assert registry.all_latest() == [v3]
    assert ("sample", 2) in registry and ("sample", 4) not in registry


def test_adding_the_same_version_again_needs_the_same_content() -> None:
    registry = Registry([sample(1)])
    registry.add(sample(1))  # same content: no change
    assert len(registry.versions("sample")) == 1
    with pytest.raises(ValueError, match="already registered with other content"):
        registry.add(sample(1, title="Changed"))


def test_unknown_workflow_suggests_a_known_name() -> None:
    registry = Registry([sample(1)])
    with pytest.raises(
        UnknownWorkflowError, match=r"unknown workflow sampel \(did you mean 'sample'\?\)"
    ):
        registry.get("sampel")
    with pytest.raises(UnknownWorkflowError, match="unknown workflow sample v9"):
        registry.get("sample", 9)
    with pytest.raises(UnknownWorkflowError) as info:
        registry.latest("nothing_like_it")
    assert "did you mean" not in str(info.value)


def test_load_directory_loads_the_shipped_workflows() -> None:
    loaded = load_directory(DEFINITIONS)
    assert sorted(d.name for d in loaded) == sorted(p.stem for p in DEFINITIONS.glob("*.yaml"))
    registry = Registry(loaded)
    assert registry.get("mediation").initial == "intake"


def test_load_directory_reports_the_problems_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "broken_a.yaml").write_text(
        SAMPLE.replace("name: sample", "name: broken_a").replace("to: closed", "to: closd"),
        encoding="utf-8",
    )
    (tmp_path / "broken_b.yaml").write_text(
        SAMPLE.replace("name: sample", "name: broken_b").replace("[mediator]", "[mediater]"),
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("not a workflow", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_directory(tmp_path)
    by_file = {Path(p.file).name: p.message for p in info.value.problems}
    assert by_file == {
        "broken_a.yaml": "unknown state 'closd' in 'to'",
        "broken_b.yaml": "unknown role 'mediater'",
    }
