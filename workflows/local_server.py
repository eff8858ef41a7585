"""A local Prefect server for the worker when no PREFECT_API_URL is given.

It is ``prefect server start`` in a process of its own session (so a Ctrl-C in the terminal
reaches the worker first, which pauses its schedule on the server before stopping it), with
its database, logs and UI under PREFECT_HOME. Analytics are off.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx
from prefect.settings import PREFECT_HOME

log = logging.getLogger("fengqiao.worker")

HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


class PrefectServerError(RuntimeError):
    """Raised when the local Prefect server does not come up."""


class LocalPrefectServer:
    def __init__(self, port: int) -> None:
        self.port = port if _free(port) else _any_free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(PREFECT_HOME.value()) / "server.log"

    @property
    def address(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.address}/api"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_HOME": str(self.log_path.parent),
        }
        env.pop("PREFECT_API_URL", None)
        command = [sys.executable, "-m", "prefect", "server", "start"]
        command += ["--host", HOST, "--port", str(self.port), "--analytics-off"]
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        log.info(
            "starting a local Prefect server (pid %d) on %s (log: %s)",
            self.process.pid,
            self.address,
            self.log_path,
        )
        try:
            self._wait_healthy()
        except BaseException:  # a signal or a timeout: ``with`` calls no __exit__ for us
            self.stop()
            raise

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise PrefectServerError(
                        f"the Prefect server exited with {self.process.returncode};"
                        f" see {self.log_path}"
                    )
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
        raise PrefectServerError(f"the Prefect server did not start in {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.info("local Prefect server stopped")

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _free(port: int) -> bool:
    """Whether the server could listen on `port`. With SO_REUSEADDR, as its Uvicorn binds:
    the connections of a server stopped a moment ago linger in TIME_WAIT for a minute, and
    without it a restart would move the server (and its UI) to another port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _any_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])
