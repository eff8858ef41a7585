"""Wiring: the database is prepared once per start; opening only connects; a version one
process publishes is usable at once by every other process (PostgreSQL, two processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

import fengqiao.context as context
from engine.casework import publishing
from engine.casework.identity import User
from engine.clock import ManualClock, SystemClock
from engine.model import Actor
from engine.visibility import Visibility
from fengqiao.settings import Settings
from tests.conftest import fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = User(1, "li", "李", "supervisor", None, [], scope=Visibility(everything=True))

PUBLISH_IN_ANOTHER_PROCESS = """
import json, sys
from engine.casework import publishing
from engine.casework.identity import User
from engine.visibility import Visibility
from fengqiao.context import open_casework
from fengqiao.settings import Settings

cw = open_casework(Settings(database_url=sys.argv[1]))
source = cw.registry.latest("mediation").source
changed = source.replace("en: People's mediation}", "en: People's mediation (v2)}", 1)
user = User(2, "wang", "王", "supervisor", None, [], scope=Visibility(everything=True))
latest = cw.registry.latest("mediation").version
done = publishing.publish(cw, user, changed, reason="v2", based_on=latest)
print(json.dumps({"version": done.definition.version, "created": done.created}))
cw.close()
"""


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    for url in fresh_pg_database():
        yield Settings(database_url=url, party_key_file=tmp_path / "party.key")


def test_a_version_published_by_another_process_is_usable_at_once(pg_settings: Settings) -> None:
    clock = ManualClock(SystemClock().now())
    context.prepare(pg_settings, clock)
    cw = context.open_casework(pg_settings, clock)
    try:
        was = cw.registry.latest("mediation").version
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", PUBLISH_IN_ANOTHER_PROCESS, pg_settings.database_url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        done = json.loads(out.stdout.strip().splitlines()[-1])
        assert done == {"version": was + 1, "created": True}
        # This process never saw that version being published: asked for it, it loads it.
        assert cw.registry.get("mediation", was + 1).version == was + 1
        opened = cw.service.open_case(
            "mediation",
            Actor("li", "mediator"),
            {"category": "family", "source": "walk_in", "description": "d", "notice_given": True},
            org_unit="union",
        )
        assert opened.case.workflow_version == was + 1
        assert [d.version for d in publishing.latest_definitions(cw) if d.name == "mediation"] == [
            was + 1
        ]
    finally:
        cw.close()


def test_opening_neither_migrates_nor_reads_the_definition_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'fq.db'}", party_key_file=tmp_path / "party.key"
    )
    context.prepare(settings)

    def refuse(*_: object, **__: object) -> NoReturn:
        raise AssertionError("done once per start, by prepare, not on every open")

    monkeypatch.setattr(context, "upgrade", refuse)
    monkeypatch.setattr(context, "read_shipped", refuse)
    cw = context.open_casework(settings)
    try:
        assert cw.registry.latest("grid_escalation").path.startswith("grid_escalation@v")
    finally:
        cw.close()


def test_prepare_publishes_the_shipped_workflows_once(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'fq.db'}", party_key_file=tmp_path / "party.key"
    )
    context.prepare(settings)
    context.prepare(settings)  # a second start finds everything in place
    cw = context.open_casework(settings)
    try:
        assert {d.name for d in publishing.latest_definitions(cw)} >= {
            "mediation",
            "grid_escalation",
        }
        assert all(len(cw.registry.versions(n)) == 1 for n in cw.registry.names())
    finally:
        cw.close()
