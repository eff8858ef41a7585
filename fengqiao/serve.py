"""``fengqiao serve``: the HTTP server in this process, the worker (``fengqiao worker``) in a
child process; Ctrl-C or SIGTERM stops both, the worker last so a sweep in flight finishes
or rolls back. If the worker dies, the server stops too: deadlines would silently stop."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from types import FrameType

import uvicorn

from fengqiao.context import Context

log = logging.getLogger("fengqiao.serve")

WORKER_STOP_TIMEOUT_S = 30.0


def start_worker(ctx: Context) -> subprocess.Popen[bytes]:
    """``fengqiao worker`` on the same database (passed in the environment, not on the
    command line where `ps` would show a password)."""
    env = {**os.environ, "FENGQIAO_DATABASE_URL": ctx.settings.database_url}
    return subprocess.Popen([sys.executable, "-m", "fengqiao.cli", "worker"], env=env)


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=WORKER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.warning("the worker did not stop in %.0f s: killing it", WORKER_STOP_TIMEOUT_S)
            worker.kill()
            worker.wait()
    return worker.returncode


def serve(ctx: Context) -> int:
    """Serve the API and pages with the worker beside them until stopped."""
    from api.app import create_app  # the web stack only for this command

    settings = ctx.settings
    app = create_app(ctx.cw, uploads_dir=settings.uploads_dir)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port))
    stop_requested: list[int] = []

    def remember(sig: int, _frame: FrameType | None) -> None:
        # Uvicorn re-raises the signal that stopped it once it is done; taken here, it ends
        # nothing abruptly and the worker is stopped in order below. Before Uvicorn took over
        # its signals, it is what tells the server to stop.
        stop_requested.append(sig)
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, remember)
    worker = start_worker(ctx)
    worker_died: list[int] = []

    def watch() -> None:
        code = worker.wait()
        if not server.should_exit and not stop_requested:
            log.error("the worker exited with %s: stopping the server", code)
            worker_died.append(code)
            server.should_exit = True

    threading.Thread(target=watch, name="worker-watch", daemon=True).start()
    try:
        server.run()
    finally:
        stop_worker(worker)
        ctx.close()
    return 1 if worker_died or not server.started else 0
