"""Wiring: settings → database, published workflows, the engine service, the use cases.

Two steps, so that each process does the expensive one once per start:

- `prepare` (once per start of an installation's process: ``serve``, ``worker``, the ASGI
  factory, the commands that change the database): create the SQLite folder, migrate the
  schema, publish the shipped definitions the database lacks, check the party key. A shipped
  file that does not load or clashes with a published version is left out, logged, and
  answered (kept on the Casework for the health check and the definitions page);
- `open_casework` (cheap: connect): what every sweep of the worker opens, and what `prepare`d
  processes run on. Published versions are read from the database, and a version another
  process publishes later is loaded on first use (engine.registry).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from engine.casework.context import Casework
from engine.clock import Clock, SystemClock
from engine.errors import Problem
from engine.registry import Registry
from engine.service import WorkflowService
from engine.shipped import read_shipped
from engine.store import definitions as stored_definitions
from engine.store.db import make_engine, normalise_url, sqlite_file
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


log = logging.getLogger("fengqiao.definitions")


def prepare(settings: Settings, clock: Clock | None = None) -> list[Problem]:
    """Make the database ready for this version of the code: once per start. Answers the
    problems of the shipped definition files left out (and logs them): every other file,
    and every published version, is used all the same."""
    clock = clock or SystemClock()
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
        store = SqlStore(engine)
        shipped = read_shipped(settings.definitions_dir)
        with store.transaction() as tx:
            problems = shipped.problems + stored_definitions.sync_shipped(
                tx, shipped.definitions, clock.now()
            )
        with store.transaction(write=False) as tx:
            check_key(tx, sealer_of(settings))
    finally:
        engine.dispose()
    report(problems)
    return problems


def report(problems: Sequence[Problem]) -> None:
    """Log each problem of the shipped files (file:line:col: what is wrong (what to do)), then
    what it means for the running system."""
    if not problems:
        return
    for p in problems:
        log.warning("%s", p)
    files = sorted({p.file for p in problems})
    log.warning(
        "%d shipped definition file(s) left out (%s); every other workflow and every published"
        " version keep running. Fix the file(s), check them with `fengqiao validate`, then"
        " start again.",
        len(files),
        ", ".join(files),
    )


def open_casework(
    settings: Settings, clock: Clock | None = None, definition_problems: Sequence[Problem] = ()
) -> Casework:
    """Connect to a prepared database: no migration, no YAML files read. The problems
    `prepare` answered are kept on the Casework (the health check and the definitions page
    show them)."""
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
        tuple(definition_problems),
        public_grid=settings.public_grid or None,
    )


def build(settings: Settings, clock: Clock | None = None) -> Context:
    """`prepare`, then `open_casework`: what a command that starts on its own does."""
    problems = prepare(settings, clock)
    return Context(settings, open_casework(settings, clock, problems))


def existing_store(settings: Settings) -> SqlStore | None:
    """The configured database if it exists and was migrated, else None: neither created
    nor migrated (`fengqiao validate` compares with it when there is one)."""
    url = normalise_url(settings.database_url)
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is None or not path.is_file():
            return None
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            if stored_definitions.has_definitions(conn):
                return SqlStore(engine)
    except OperationalError:
        pass  # no such database, or not reachable: the files are checked alone
    engine.dispose()
    return None


def open_from_env() -> Casework:
    """The use-case layer from FENGQIAO_* settings, on a prepared database: what each of the
    worker's sweeps opens (named in the sweeper deployment's parameters)."""
    return open_casework(Settings())


def sealer_of(settings: Settings) -> Sealer:
    """The sealer of parties' personal data: FENGQIAO_PARTY_KEY, or the key file's key."""
    return Sealer.from_text(settings.party_key or key_from_file(settings.party_key_file))
