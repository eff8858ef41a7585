"""What every use case runs on: the store, the published workflows, the engine service, the
clock and the sealer of parties' data. Built once per process by the composition root
(fengqiao.context.open_casework) and handed to the adapters."""

from __future__ import annotations

from dataclasses import dataclass

from engine.clock import Clock
from engine.errors import Problem
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer


@dataclass
class Casework:
    store: SqlStore
    registry: Registry
    service: WorkflowService
    clock: Clock
    sealer: Sealer
    timezone: str = "Asia/Shanghai"
    sweep_interval_s: float = 15.0  # how often the worker sweeps (the health check's yardstick)
    # The shipped definition files left out when this process started (fengqiao.context
    # prepare): shown by the health check and the definitions page, never read again.
    definition_problems: tuple[Problem, ...] = ()
    # The grid unit the public intake form reports to (engine.casework.public_intake); None:
    # the installation offers no public form.
    public_grid: str | None = None

    def close(self) -> None:
        """Close the database connections."""
        self.store.engine.dispose()
