"""SIGTERM stops `fengqiao serve` and everything it started: the worker, and the local Prefect
server the worker started, which runs in a session of its own and so is reached by no signal
but the worker's. The Prefect server takes many seconds to come up, and a stop in that window
used to leave it running on its port; so did a second SIGTERM while the worker was stopping."""

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

from workflows.local_server import HOST, LocalPrefectServer

ROOT = Path(__file__).resolve().parents[2]
LIMIT_S = 120  # the whole run, start to stop; the process is killed past it
STARTING = re.compile(r"starting a local Prefect server \(pid (\d+)\) on ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` now (as servers do, past TIME_WAIT sockets)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


class Serve:
    """`fengqiao serve` on a fresh SQLite file with free ports, in a session of its own (as
    a terminal or a service manager starts it); its output read line by line."""

    def __init__(self, tmp_path: Path) -> None:
        self.prefect_port = free_port()
        env = {
            **os.environ,
            "FENGQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'fq.db'}",
            "FENGQIAO_PORT": str(free_port()),
            "FENGQIAO_PREFECT_PORT": str(self.prefect_port),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fengqiao.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.watchdog = threading.Timer(LIMIT_S, self.process.kill)
        self.watchdog.start()
        self.seen: list[str] = []
        self.prefect_pid = 0
        self.tree: set[int] = set()

    def read_until(self, *texts: str) -> None:
        """Read the output until every one of `texts` appeared (blocks; the watchdog bounds
        it); note the Prefect server's pid and every process of the tree meanwhile."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.seen.append(line)
            if found := STARTING.search(line):
                self.prefect_pid = int(found[1])
            if self._seen_all(texts):
                break
        assert self._seen_all(texts) and self.prefect_pid, self.output()
        self.tree |= descendants(self.process.pid) | {self.prefect_pid}

    def _seen_all(self, texts: tuple[str, ...]) -> bool:
        return all(any(t in line for line in self.seen) for t in texts)

    def stop(self, signal_group: bool) -> tuple[int, str]:
        """SIGTERM to serve alone or to its whole process group; its exit code and the rest
        of its output."""
        if signal_group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        assert self.process.stdout is not None
        rest = self.process.stdout.read()
        self.seen.append(rest)
        return self.process.wait(), rest

    def output(self) -> str:
        return "".join(self.seen)

    def left_running(self) -> list[int]:
        return [pid for pid in self.tree | {self.process.pid} if running(pid)]

    def close(self) -> None:
        self.watchdog.cancel()
        for pid in self.left_running():  # what a failure left behind: leak no process
            os.kill(pid, signal.SIGKILL)
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.mark.slow
def test_sigterm_while_the_prefect_server_starts_stops_it_too(tmp_path: Path) -> None:
    serve = Serve(tmp_path)
    try:
        serve.read_until("Uvicorn running", "starting a local Prefect server")
        assert running(serve.prefect_pid)
        code, rest = serve.stop(signal_group=False)
        assert code == 0, serve.output()
        assert not serve.left_running(), serve.output()
        assert port_is_free(serve.prefect_port)
        assert "local Prefect server stopped" in rest
    finally:
        serve.close()


@pytest.mark.slow
def test_sigterm_to_the_process_group_stops_the_worker_in_order(tmp_path: Path) -> None:
    """The worker gets SIGTERM twice: from the group, and from serve once the HTTP server
    stopped. The second one must neither cut the runner's shutdown short nor the Prefect
    server's."""
    serve = Serve(tmp_path)
    try:
        serve.read_until("Uvicorn running", "timers: ")  # the first sweep reported
        code, rest = serve.stop(signal_group=True)
        assert code == 0, serve.output()
        assert not serve.left_running(), serve.output()
        assert port_is_free(serve.prefect_port)
        assert "All deployments have been paused!" in rest, serve.output()
        assert "worker stopped before it started" not in rest, serve.output()
        assert "local Prefect server stopped" in rest
    finally:
        serve.close()


def test_a_restart_gets_the_port_of_the_server_stopped_a_moment_ago() -> None:
    """The stopped server's connections linger in TIME_WAIT on its port for a minute."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Uvicorn's
        listener.bind((HOST, 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        with socket.create_connection((HOST, port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server closes first: its end waits in TIME_WAIT
            assert client.recv(1) == b""
    assert LocalPrefectServer(port).port == port
