"""The worker: serves the sweeper flow as a Prefect deployment on an interval.

``fengqiao worker`` registers the deployment ``fengqiao-sweep/sweeper`` with an interval
schedule, starts one sweep at once (catching up on whatever fell due while nothing ran) and
runs the flow runs Prefect schedules, one at a time, each in a process of its own.

With ``PREFECT_API_URL`` set, that Prefect server schedules the runs. Without it the worker
starts a local Prefect server first (workflows.local_server), with its scheduler, its UI and
its database under ``PREFECT_HOME``; the temporary server Prefect would start by itself has
no scheduler, so interval deployments would never run on it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from types import FrameType
from typing import Any

from prefect import get_client
from prefect.runner import Runner
from prefect.settings import PREFECT_API_URL, temporary_settings

from workflows.flows import sweep
from workflows.local_server import LocalPrefectServer

log = logging.getLogger("fengqiao.worker")

RUNNER = "fengqiao-worker"
DEPLOYMENT = "sweeper"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(BaseException):
    """SIGINT or SIGTERM while the worker starts or stops, outside the runner's own handling.

    Raised in the main thread so that the ``with LocalPrefectServer`` around it stops that
    server: it runs in a session of its own, and no signal reaches it but the worker's. Left
    to the default disposition, SIGTERM ended the worker at once and left the server running.
    A BaseException, as KeyboardInterrupt is, so that no ``except Exception`` on the way
    swallows it."""


class _StopOnSignal:
    """The worker's handler for STOP_SIGNALS outside the runner: the first one raises
    StopRequested; once stopping, later ones are ignored so that they cannot cut short the
    stopping of the Prefect server (``fengqiao serve`` sends SIGTERM after a Ctrl-C that
    already reached the whole process group)."""

    def __init__(self) -> None:
        self.stopping = False

    def __call__(self, sig: int, _frame: FrameType | None) -> None:
        if self.stopping:
            log.info("already stopping: %s ignored", signal.Signals(sig).name)
            return
        self.stopping = True
        raise StopRequested(sig)


async def serve_sweeper(
    interval_s: float, parameters: dict[str, Any], *, run_once: bool = False
) -> None:
    """Register the sweeper deployment, ask for a sweep now, and run sweeps until stopped
    (SIGINT/SIGTERM) or, with `run_once`, until the runs due now have finished."""
    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    runner = Runner(name=RUNNER, limit=1, pause_on_shutdown=True)
    deployment_id = await runner.aadd_flow(
        sweep, name=DEPLOYMENT, interval=interval_s, parameters=parameters, paused=False
    )
    async with get_client() as client:
        await client.create_flow_run_from_deployment(deployment_id)
    started = asyncio.create_task(runner.start(run_once=run_once))
    await asyncio.sleep(0)  # Runner.start installs its own SIGTERM handler first thing

    stopping: list[asyncio.Task[None] | None] = []

    def stop() -> None:
        # Once only: the runner's `started` turns false as its stopping begins, and a second
        # signal (serve's SIGTERM after a Ctrl-C or a SIGTERM to the whole group) would then
        # cancel that stopping half-way.
        if stopping:
            log.info("already stopping the worker")
            return
        log.info("stopping the worker")
        if runner.started:
            stopping.append(asyncio.create_task(runner.astop()))
        else:
            stopping.append(None)
            started.cancel()

    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop)
    try:
        await started
    except asyncio.CancelledError:
        log.info("worker stopped before it started")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)  # this leaves the default disposition: not ours
            signal.signal(sig, before[sig] if before[sig] is not None else signal.SIG_DFL)


def run(interval_s: float, parameters: dict[str, Any], prefect_port: int) -> int:
    """The ``fengqiao worker`` command: serve the sweeper against PREFECT_API_URL, or against
    a local Prefect server started (and stopped, however the worker is stopped) here."""
    on_signal = _StopOnSignal()
    before = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        _run(interval_s, parameters, prefect_port, on_signal)
    except StopRequested:
        log.info("worker stopped while starting")
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return 0


def _run(
    interval_s: float, parameters: dict[str, Any], prefect_port: int, on_signal: _StopOnSignal
) -> None:
    api_url = PREFECT_API_URL.value()
    if api_url:
        log.info("sweeping every %.0f s, scheduled by Prefect at %s", interval_s, api_url)
        _sweep_until_stopped(interval_s, parameters, on_signal)
        return
    with LocalPrefectServer(prefect_port) as server:
        log.info(
            "sweeping every %.0f s, scheduled by a local Prefect server (UI: %s)",
            interval_s,
            server.address,
        )
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            _sweep_until_stopped(interval_s, parameters, on_signal)


def _sweep_until_stopped(
    interval_s: float, parameters: dict[str, Any], on_signal: _StopOnSignal
) -> None:
    try:
        asyncio.run(serve_sweeper(interval_s, parameters))
    finally:
        on_signal.stopping = True  # what follows is stopping: no signal may cut it short
