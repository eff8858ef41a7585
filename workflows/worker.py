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
from typing import Any

from prefect import get_client
from prefect.runner import Runner
from prefect.settings import PREFECT_API_URL, temporary_settings

from workflows.flows import sweep
from workflows.local_server import LocalPrefectServer

log = logging.getLogger("fengqiao.worker")

RUNNER = "fengqiao-worker"
DEPLOYMENT = "sweeper"


async def serve_sweeper(
    interval_s: float, parameters: dict[str, Any], *, run_once: bool = False
) -> None:
    """Register the sweeper deployment, ask for a sweep now, and run sweeps until stopped
    (SIGINT/SIGTERM) or, with `run_once`, until the runs due now have finished."""
    runner = Runner(name=RUNNER, limit=1, pause_on_shutdown=True)
    deployment_id = await runner.aadd_flow(
        sweep, name=DEPLOYMENT, interval=interval_s, parameters=parameters, paused=False
    )
    async with get_client() as client:
        await client.create_flow_run_from_deployment(deployment_id)
    started = asyncio.create_task(runner.start(run_once=run_once))
    await asyncio.sleep(0)  # Runner.start installs its own SIGTERM handler first thing

    stopping: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("stopping the worker")
        if runner.started and not stopping:
            stopping.append(asyncio.create_task(runner.astop()))
        elif not runner.started:
            started.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await started
    except asyncio.CancelledError:
        log.info("worker stopped before it started")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run(interval_s: float, parameters: dict[str, Any], prefect_port: int) -> int:
    """The ``fengqiao worker`` command: serve the sweeper against PREFECT_API_URL, or against
    a local Prefect server started (and stopped) here."""
    api_url = PREFECT_API_URL.value()
    if api_url:
        log.info("sweeping every %.0f s, scheduled by Prefect at %s", interval_s, api_url)
        asyncio.run(serve_sweeper(interval_s, parameters))
        return 0
    with LocalPrefectServer(prefect_port) as server:
        log.info(
            "sweeping every %.0f s, scheduled by a local Prefect server (UI: %s)",
            interval_s,
            server.address,
        )
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            asyncio.run(serve_sweeper(interval_s, parameters))
    return 0
