"""`fengqiao serve` as a user runs it: the server, the worker, a local Prefect server; the
overdue cases fire on their own, and SIGTERM to its process group stops everything in order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from engine.store import outbox
from fengqiao.context import build
from fengqiao.settings import Settings
from tests.workflows.serving import Serve, port_is_free
from workflows.demo import open_overdue_cases

pytestmark = pytest.mark.slow  # a server, a worker and a Prefect server, as processes


def test_serve_fires_overdue_timers_on_its_own_and_stops_in_order(tmp_path: Path) -> None:
    """The worker gets SIGTERM twice: from the group, and from serve once the HTTP server
    stopped. The second one must neither cut the runner's shutdown short nor the Prefect
    server's; nothing is left running, and the Prefect port is free again."""
    url = f"sqlite:///{tmp_path / 'fq.db'}"
    ctx = build(Settings(database_url=url))
    cw = ctx.cw
    ids = open_overdue_cases(cw.store, cw.registry, cw.service.calendar, datetime.now(UTC))
    serve = Serve(tmp_path, {"FENGQIAO_NOTIFY_SENDER": f"file:{tmp_path / 'notifications.jsonl'}"})
    try:
        serve.read_until("Uvicorn running", " fired, ")
        assert httpx.get(f"http://127.0.0.1:{serve.port}/login").status_code == 200
        code, rest = serve.stop(signal_group=True)
        assert code == 0, serve.output()
        assert not serve.left_running(), serve.output()
        assert port_is_free(serve.prefect_port)
        assert "All deployments have been paused!" in rest, serve.output()
        assert "worker stopped before it started" not in rest, serve.output()
        assert "local Prefect server stopped" in rest  # the worker stopped, and its server
    finally:
        serve.close()
    visit, grid = cw.service.get_case(ids["visit"]), cw.service.get_case(ids["grid"])
    assert visit.data["visit_escalated"] is True
    assert grid.data["tier"] == 4  # each deadline missed meanwhile counts from its own due time
    with cw.store.transaction(write=False) as tx:
        assert outbox.counts(tx).get("pending", 0) == 0
    ctx.close()
