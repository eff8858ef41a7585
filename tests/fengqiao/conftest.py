"""An installation of its own for the tests of the composition root."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fengqiao.settings import Settings
from tests.conftest import DEFINITIONS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """An installation of its own: a copy of the shipped files, a SQLite file, a key."""
    shutil.copytree(DEFINITIONS, tmp_path / "definitions")
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fq.db'}",
        definitions_dir=tmp_path / "definitions",
        party_key_file=tmp_path / "party.key",
        uploads_dir=tmp_path / "uploads",
    )


def edit(settings: Settings, name: str, old: str, new: str) -> Path:
    """Change one text in a shipped file, as a developer would."""
    path = settings.definitions_dir / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, t in enumerate(lines, 1) if t.startswith(start))
