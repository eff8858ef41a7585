"""The sweeper as Prefect serves it: a deployment, a flow run, a process of its own."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.store import outbox
from fengqiao.cli import OPENER
from fengqiao.context import build
from fengqiao.settings import Settings
from tests.workflows.cases import grid_reported, mediation_in_follow_up
from workflows.worker import serve_sweeper

pytestmark = pytest.mark.slow  # the Prefect test harness, a flow run in a process


def test_the_served_sweeper_fires_a_due_visit_and_escalates_a_missed_grid_deadline(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = tmp_path / "notifications.jsonl"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'fq.db'}")
    monkeypatch.setenv("FENGQIAO_NOTIFY_SENDER", f"file:{sink}")
    # The flow run reads the real clock: the cases are made in the past.
    now = datetime.now(UTC)
    ctx = build(Settings(), ManualClock(now - timedelta(days=8)))
    cw = ctx.cw
    visit = mediation_in_follow_up(cw.service)  # the visit fell due a day ago
    assert isinstance(cw.clock, ManualClock)
    cw.clock.set(now - timedelta(hours=1))
    grid = grid_reported(cw.service, "red")  # 10 minutes to sign for, 50 minutes ago

    parameters = {"opener": OPENER, "notify_sender": f"file:{sink}", "batch": 50}
    asyncio.run(serve_sweeper(3600, parameters, run_once=True))

    visited = cw.service.get_case(visit.id)
    assert visited.data["visit_escalated"] is True
    [overdue] = [e for e in cw.service.history(visit.id) if e.action == "visit_overdue"]
    assert overdue.actor == "system" and overdue.lateness_s is not None
    assert overdue.lateness_s > 86000  # caught up a day late, and says so
    escalated = cw.service.get_case(grid.id)
    assert escalated.data["tier"] == 4 and escalated.data["escalation_reason"] == "deadline missed"
    # The notifications went out through tasks: only "case #n needs attention" and a link.
    with cw.store.transaction(write=False) as tx:
        assert outbox.counts(tx) == {
            "sent": 16
        }  # one notice per tier climbed and per unit that held it
    messages = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    assert {(m["kind"], m["to"]["role"], m["link"]) for m in messages} >= {
        ("reminder", "mediator", f"/cases/{visit.id}"),
        ("transition", "org_admin", f"/cases/{visit.id}"),
        ("transition", "org_admin", f"/cases/{grid.id}"),
    }
    assert all(
        m["text"].endswith(f"case #{m['link'].rsplit('/', 1)[1]} needs attention") for m in messages
    )
    assert not any(
        "漏水" in line or "垃圾" in line for line in sink.read_text(encoding="utf-8").splitlines()
    )
    ctx.close()
