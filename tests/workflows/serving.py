"""`fengqiao serve` started as a terminal or a service manager starts it, for the tests that
run it: free ports, a session of its own, its output read line by line, its process tree
watched so that a failure leaks no process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

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

    def __init__(self, tmp_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.prefect_port = free_port()
        self.port = free_port()
        env = {
            **os.environ,
            "FENGQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'fq.db'}",
            "FENGQIAO_PORT": str(self.port),
            "FENGQIAO_PREFECT_PORT": str(self.prefect_port),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        env.pop("PREFECT_API_URL", None)
        # A real installation's first start: its administrator first (serve refuses without).
        subprocess.run(
            [sys.executable, "-m", "fengqiao.cli", "init", "--password-stdin"],
            cwd=ROOT,
            env=env,
            input="serve-test-password\n",
            capture_output=True,
            text=True,
            check=True,
        )
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
