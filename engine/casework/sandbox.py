"""A throw-away engine for dry runs of a draft definition: a fresh in-memory database, the
draft alone in its registry, its own manual clock. Nothing outlives the `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.db import memory_engine
from engine.store.repository import SqlStore
from engine.workcalendar import WorkCalendar


@contextmanager
def sandbox(
    definition: Definition, start: datetime, calendar: WorkCalendar
) -> Iterator[tuple[WorkflowService, ManualClock]]:
    """A service over an empty in-memory database that knows only `definition`, and the
    clock it runs on (starting at `start`)."""
    db = memory_engine()
    try:
        clock = ManualClock(start)
        yield WorkflowService(SqlStore(db), Registry([definition]), clock, calendar), clock
    finally:
        db.dispose()
