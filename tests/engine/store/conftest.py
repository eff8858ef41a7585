"""A Casework on the shipped definitions and the test units, for the store's tests that
move cases through the use cases."""

from __future__ import annotations

import pytest

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.definition import Definition
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, new_key_text
from engine.store.units import save_units
from engine.workcalendar import WorkCalendar
from tests.engine.casework.conftest import UNITS


@pytest.fixture
def cw(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> Casework:
    with store.transaction() as tx:
        save_units(tx, list(UNITS))
    registry = Registry(shipped)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    return Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))
