"""Several sweeper processes at once, and one killed in the middle of a batch."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import definitions as stored
from engine.store.bulk import clone_case
from engine.store.repository import SqlStore, timers
from engine.workcalendar import WorkCalendar
from tests.workflows.cases import grid_reported
from workflows.sweeping import drain

pytestmark = pytest.mark.slow  # sweeper processes

ROOT = Path(__file__).resolve().parents[2]
# The `clock` fixture's Monday morning (09:00) plus 35 minutes: every yellow sign-for
# deadline (09:30) and its reminder are due, the next tier's (10:00) not yet.
NOW = "2026-11-23T09:35:00+08:00"


def due_cases(service: WorkflowService, store: SqlStore, n: int) -> list[int]:
    """`n` grid cases, each with a due sign-for deadline and a due reminder."""
    template = grid_reported(service, "yellow")
    return [template.id, *clone_case(store, template.id, n - 1)]


def versions(store: SqlStore, ids: list[int]) -> set[int]:
    with store.transaction(write=False) as tx:
        return {c.version for c in tx.get_cases(ids).values()}


def pending_due(store: SqlStore) -> int:
    with store.transaction(write=False) as tx:
        return len(tx.claim_due_timers(datetime.fromisoformat(NOW), 100_000))


def test_four_sweeper_processes_on_postgresql_fire_every_timer_once(
    pg_url: str, shipped: list[Definition], clock: ManualClock
) -> None:
    from engine.store.db import make_engine
    from engine.store.migrate import upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    store = SqlStore(engine)
    # Deployed as `fengqiao db upgrade` first: the sweepers find the workflows published.
    with store.transaction() as tx:
        stored.sync_shipped(tx, shipped, clock.now())
    service = WorkflowService(store, Registry(shipped), clock, WorkCalendar())
    ids = due_cases(service, store, 5_000)  # 10,000 due timers
    assert versions(store, ids) == {2}
    command = [sys.executable, "-m", "fengqiao.cli", "--db", pg_url, "timers", "run-due"]
    command += ["--now", NOW, "--batch", "250"]
    with ExitStack() as stack:
        sweepers = [
            stack.enter_context(
                subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
            )
            for _ in range(4)
        ]
        outputs = [s.communicate(timeout=300)[0] for s in sweepers]
    assert [s.returncode for s in sweepers] == [0, 0, 0, 0]
    reports = [json.loads(out) for out in outputs]
    # Every timer claimed by exactly one sweeper, every one fired.
    assert sum(r["claimed"] for r in reports) == 10_000
    assert sum(r["fired"] for r in reports) == 5_000
    assert sum(r["reminded"] for r in reports) == 5_000
    assert sum(r["claimed"] > 0 for r in reports) >= 2  # the work was shared
    assert pending_due(store) == 0
    # No case changed twice: one escalation each.
    assert versions(store, ids) == {3}
    engine.dispose()


def test_a_sweeper_killed_mid_batch_loses_nothing(
    db_url: str, store: SqlStore, service: WorkflowService
) -> None:
    ids = due_cases(service, store, 250)  # 500 due timers
    with subprocess.Popen(
        [sys.executable, "-m", "tests.workflows.held_sweeper", db_url, NOW, "200"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as held:
        assert held.stdout is not None
        line = held.stdout.readline().split()
        assert line[0] == "held" and len(line) == 201  # 200 timers fired, not yet committed
        held.kill()  # SIGKILL: no clean-up of any kind
    held_ids = [int(i) for i in line[1:]]
    if not store.sqlite:
        # PostgreSQL rolls the dead session back when it sees the connection gone; taking
        # the same rows without SKIP LOCKED waits for exactly that.
        with store.transaction() as tx:
            tx.conn.execute(select(timers.c.id).where(timers.c.id.in_(held_ids)).with_for_update())

    sweeper = WorkflowService(
        store, service.registry, ManualClock(datetime.fromisoformat(NOW)), WorkCalendar()
    )
    report = drain(lambda: sweeper.fire_due_timers(limit=200))
    assert (report.claimed, report.fired, report.reminded) == (500, 250, 250)
    with store.transaction(write=False) as tx:
        statuses = {
            t.status
            for case_id in ids
            for t in tx.timers(case_id, pending_only=False)
            if t.id in held_ids
        }
    assert statuses == {"fired"}
    assert versions(store, ids) == {3}
