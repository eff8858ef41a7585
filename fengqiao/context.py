"""Wire settings, database, definitions and the service together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from engine.clock import Clock, SystemClock
from engine.registry import Registry, load_directory
from engine.service import WorkflowService
from engine.store import definitions as stored_definitions
from engine.store.db import make_engine, normalise_url
from engine.store.migrate import upgrade
from engine.store.parties import check_key
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, key_from_file
from engine.workcalendar import WorkCalendar
from fengqiao.settings import Settings


@dataclass
class Context:
    settings: Settings
    engine: Engine
    store: SqlStore
    registry: Registry
    service: WorkflowService
    clock: Clock
    sealer: Sealer

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, clock: Clock | None = None) -> Context:
    """Open (and migrate) the database, publish shipped definitions it lacks, load all."""
    clock = clock or SystemClock()
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    store = SqlStore(engine)
    stored_definitions.sync_shipped(store, load_directory(settings.definitions_dir), clock.now())
    registry = Registry(stored_definitions.published(store))
    service = WorkflowService(store, registry, clock, WorkCalendar(tz=settings.timezone))
    sealer = sealer_of(settings)
    check_key(store, sealer)
    return Context(settings, engine, store, registry, service, clock, sealer)


def sealer_of(settings: Settings) -> Sealer:
    """The sealer of parties' personal data: FENGQIAO_PARTY_KEY, or the key file's key."""
    return Sealer.from_text(settings.party_key or key_from_file(settings.party_key_file))
