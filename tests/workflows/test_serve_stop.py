"""SIGTERM to `fengqiao serve` while its worker is still starting the local Prefect server:
the worker must stop that server, which runs in a session of its own and so is reached by no
signal but the worker's. It takes the Prefect server many seconds to come up, and a stop in
that window used to leave it running on its port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 120  # the whole run, start to stop; the process is killed past it
STARTING = re.compile(r"starting a local Prefect server \(pid (\d+)\) on ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (children, their children, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


@pytest.mark.slow
def test_sigterm_while_the_prefect_server_starts_stops_it_too(tmp_path: Path) -> None:
    port, prefect_port = free_port(), free_port()
    env = {
        **os.environ,
        "FENGQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'fq.db'}",
        "FENGQIAO_PORT": str(port),
        "FENGQIAO_PREFECT_PORT": str(prefect_port),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PREFECT_API_URL", None)
    tree: set[int] = set()
    try:
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
            prefect_pid = 0
            for line in serve.stdout:  # blocks until both servers are on their way
                seen.append(line)
                if found := STARTING.search(line):
                    prefect_pid = int(found[1])
                if prefect_pid and any("Uvicorn running" in x for x in seen):
                    break
            assert prefect_pid, "".join(seen)
            tree = descendants(serve.pid) | {prefect_pid}
            assert running(prefect_pid)
            serve.send_signal(signal.SIGTERM)
            rest = serve.stdout.read()
            code = serve.wait()
            watchdog.cancel()
        assert code == 0, "".join(seen) + rest
        assert not [pid for pid in tree if running(pid)], "".join(seen) + rest
        assert port_is_free(prefect_port)
        assert "local Prefect server stopped" in rest
    finally:
        for pid in tree:  # whatever a failure left behind, so that it leaks no process
            if running(pid):
                os.kill(pid, signal.SIGKILL)
