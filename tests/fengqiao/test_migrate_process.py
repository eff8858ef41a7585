"""`fengqiao migrate apply` killed with SIGKILL half-way and run again: every case the
preview accepted is moved exactly once, with its history, version, state, timers and audit
entry; the refused ones are left as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from engine.casework import migration, publishing
from engine.clock import ManualClock
from engine.store.bulk import clone_case
from engine.store.sealing import new_key_text
from fengqiao.context import Context, build
from fengqiao.settings import Settings
from tests.conftest import ROOT
from tests.engine.casework.conftest import person
from tests.engine.casework.migration_cases import mixed_cases
from tests.migration_versions import NEW, OLD, breaking_source

pytestmark = pytest.mark.slow

COPIES = 1500  # of each movable case: enough for the apply to be caught half-way
REFUSED_COPIES = 50
SUP = person("supervisor")
CLI = (sys.executable, "-m", "fengqiao.cli")
WHO = ("--actor", "zhou.min", "--role", "supervisor")


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Context, str]]:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    monkeypatch.setenv("FENGQIAO_PARTY_KEY", new_key_text())
    clock = ManualClock(datetime.now(UTC) - timedelta(days=25))
    ctx = build(Settings(database_url=url), clock)
    mixed = mixed_cases(ctx.cw, clock)
    for case_id in mixed.movable:
        clone_case(ctx.cw.store, case_id, COPIES)
    for case_id in mixed.refused:
        clone_case(ctx.cw.store, case_id, REFUSED_COPIES)
    source = breaking_source(ctx.cw.registry.get("mediation", OLD).source, NEW)
    publishing.publish(ctx.cw, person("admin"), source, reason="新版本改名受理登记", based_on=OLD)
    yield ctx, url
    ctx.close()


def _apply(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, "--db", url, "migrate", "apply", "1", "--yes", "--batch", "20", *WHO],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _moved(db: Engine) -> int:
    with db.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM migration_cases WHERE status = 'moved'")
            ).scalar_one()
        )


def test_a_killed_apply_resumes_and_moves_every_case_once(
    seeded: tuple[Context, str],
) -> None:
    ctx, url = seeded
    run = migration.plan(
        ctx.cw,
        SUP,
        migration.PlanRequest("mediation", OLD, NEW, f"v{NEW}", state_map={"intake": "reception"}),
    )
    run = migration.preview(ctx.cw, SUP, run.id)
    movable = 3 * (COPIES + 1)
    assert (run.movable, run.refused) == (movable, 3 * (REFUSED_COPIES + 1))
    db = create_engine(url)
    try:
        first = _apply(url)
        assert first.stderr is not None
        # The command reports each committed batch: read until 200 cases moved, then kill it.
        for line in first.stderr:
            if line.startswith("moved: ") and int(line.split()[1]) >= 200:
                break
        else:
            raise AssertionError(f"the apply ended before moving 200 cases: {first.communicate()}")
        first.send_signal(signal.SIGKILL)
        first.communicate()
        assert first.returncode == -signal.SIGKILL
        interrupted = _moved(db)
        assert 0 < interrupted < movable, "the apply was not caught half-way"
        second = _apply(url)
        out, err = second.communicate(timeout=600)
        assert second.returncode == 0, err
        assert '"status": "applied"' in out
        with db.connect() as conn:

            def q(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in conn.execute(text(sql))]

            assert q("SELECT status, moved, refused, failed FROM migration_runs WHERE id = 1") == [
                ("applied", movable, run.refused, 0)
            ]
            # Every accepted case on the new version, in the mapped state, with one migrate
            # event keyed by the run and the case, and one audit entry.
            assert q(
                "SELECT c.workflow_version, count(*) FROM cases c JOIN migration_cases m"
                " ON m.case_id = c.id GROUP BY m.status, c.workflow_version ORDER BY 1"
            ) == [(OLD, run.refused), (NEW, movable)]
            assert q("SELECT count(*) FROM cases WHERE state = 'intake'") == [(0,)]
            migrated = q(
                "SELECT e.case_id, count(*), min(e.idem_key), min(e.seq), min(c.entered_seq),"
                " min(e.actor) FROM events e JOIN cases c ON c.id = e.case_id"
                " WHERE e.action = 'migrate' GROUP BY e.case_id"
            )
            assert len(migrated) == movable
            for case_id, n, key, seq, entered, actor in migrated:
                assert (n, key, seq, entered, actor) == (
                    1,
                    f"migrate:1:{case_id}",
                    entered,
                    entered,
                    "zhou.min",
                )
            audited = q(
                "SELECT case_id, count(*) FROM audit_log WHERE action = 'case_migrated'"
                " GROUP BY case_id HAVING count(*) = 1"
            )
            assert len(audited) == movable
            assert q("SELECT count(*) FROM audit_log WHERE action = 'case_migrated'") == [
                (movable,)
            ]
            # Timers: each moved case's pending ones armed at its move, the agreements'
            # confirmation window 15 days from when they reached agreement.
            assert q(
                "SELECT count(*) FROM timers t JOIN cases c ON c.id = t.case_id"
                " WHERE t.status = 'pending' AND t.armed_seq <> c.entered_seq"
                f" AND c.workflow_version = {NEW}"
            ) == [(0,)]
        for case_id, *_ in migrated[:: max(1, movable // 50)]:
            case = ctx.cw.service.get_case(case_id)
            if case.state != "agreement":
                continue
            (window,) = [t for t in ctx.cw.service.pending_timers(case_id) if t.kind == "deadline"]
            assert window.fire_at == case.state_entered_at + timedelta(days=15)
        refused = [p for p in migration.preview_cases(ctx.cw, SUP, 1, movable=False, limit=1000)]
        assert {p.status for p in refused} == {"refused"}
        for p in refused[:10]:
            assert ctx.cw.service.get_case(p.case_id).workflow_version == OLD
    finally:
        db.dispose()
