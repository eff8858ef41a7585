"""`fengqiao serve` as a user runs it: the server, the worker, a local Prefect server; the
overdue cases fire on their own, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from engine.store import outbox
from fengqiao.context import build
from fengqiao.settings import Settings
from workflows.demo import open_overdue_cases

pytestmark = pytest.mark.slow  # a server, a worker and a Prefect server, as processes

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 150  # the whole run, start to stop; the process is killed past it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_fires_overdue_timers_on_its_own_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fq.db'}"
    ctx = build(Settings(database_url=url))
    cw = ctx.cw
    ids = open_overdue_cases(cw.store, cw.registry, cw.service.calendar, datetime.now(UTC))
    port = free_port()
    env = {
        **os.environ,
        "FENGQIAO_DATABASE_URL": url,
        "FENGQIAO_PORT": str(port),
        "FENGQIAO_PREFECT_PORT": str(free_port()),
        "FENGQIAO_NOTIFY_SENDER": f"file:{tmp_path / 'notifications.jsonl'}",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PREFECT_API_URL", None)
    with subprocess.Popen(
        [sys.executable, "-m", "fengqiao.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as serve:
        watchdog = threading.Timer(LIMIT_S, serve.kill)
        watchdog.start()
        assert serve.stdout is not None
        seen: list[str] = []
        for line in serve.stdout:  # blocks until the first sweep reports
            seen.append(line)
            if "timers: 4 claimed, 2 fired, 2 reminders" in line:
                break
        assert any("Uvicorn running" in x for x in seen), "".join(seen)
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
        serve.send_signal(signal.SIGTERM)
        rest = serve.stdout.read()
        code = serve.wait()
        watchdog.cancel()
    assert code == 0, rest
    assert "local Prefect server stopped" in rest  # the worker stopped, and its server
    visit, grid = cw.service.get_case(ids["visit"]), cw.service.get_case(ids["grid"])
    assert visit.data["visit_escalated"] is True
    assert grid.data["tier"] == 2
    with cw.store.transaction(write=False) as tx:
        assert outbox.counts(tx).get("pending", 0) == 0
    ctx.close()
