"""Wiring: settings → database, published workflows, the engine service, the use cases.

Two steps, so that each process does the expensive one once per start:

- `prepare` (once per start of an installation's process: ``serve``, ``worker``, the ASGI
  factory, the commands that change the database): create the SQLite folder, migrate the
  schema, publish the shipped definitions the database lacks, check the party key;
- `open_casework` (cheap: connect): what every sweep of the worker opens, and what `prepare`d
  processes run on. Published versions are read from the database, and a version another
  process publishes later is loaded on first use (engine.registry).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.casework.context import Casework
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
    """What the commands run on: the settings and the opened use-case layer."""

    settings: Settings
    cw: Casework

    def close(self) -> None:
        self.cw.close()


def prepare(settings: Settings, clock: Clock | None = None) -> None:
    """Make the database ready for this version of the code: once per start."""
    clock = clock or SystemClock()
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
        store = SqlStore(engine)
        shipped = load_directory(settings.definitions_dir)
        with store.transaction() as tx:
            stored_definitions.sync_shipped(tx, shipped, clock.now())
        with store.transaction(write=False) as tx:
            check_key(tx, sealer_of(settings))
    finally:
        engine.dispose()


def open_casework(settings: Settings, clock: Clock | None = None) -> Casework:
    """Connect to a prepared database: no migration, no YAML files read."""
    clock = clock or SystemClock()
    store = SqlStore(make_engine(settings.database_url))
    with store.transaction(write=False) as tx:
        published = stored_definitions.published(tx)
    registry = Registry(published, source=stored_definitions.StoredDefinitions(store))
    service = WorkflowService(store, registry, clock, WorkCalendar(tz=settings.timezone))
    return Casework(
        store,
        registry,
        service,
        clock,
        sealer_of(settings),
        settings.timezone,
        settings.sweep_interval_s,
    )


def build(settings: Settings, clock: Clock | None = None) -> Context:
    """`prepare`, then `open_casework`: what a command that starts on its own does."""
    prepare(settings, clock)
    return Context(settings, open_casework(settings, clock))


def open_from_env() -> Casework:
    """The use-case layer from FENGQIAO_* settings, on a prepared database: what each of the
    worker's sweeps opens (named in the sweeper deployment's parameters)."""
    return open_casework(Settings())


def sealer_of(settings: Settings) -> Sealer:
    """The sealer of parties' personal data: FENGQIAO_PARTY_KEY, or the key file's key."""
    return Sealer.from_text(settings.party_key or key_from_file(settings.party_key_file))
