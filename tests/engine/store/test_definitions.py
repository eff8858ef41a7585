"""Published definitions: shipped files recorded once, a changed file under an old version
refused, and two processes starting together on a fresh database both succeed."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

import pytest

from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import DefinitionError
from engine.store.db import make_engine
from engine.store.definitions import published, sync_shipped
from engine.store.migrate import upgrade
from engine.store.repository import SqlStore


def test_shipped_definitions_are_recorded_once(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    for _ in range(2):
        with store.transaction() as tx:
            sync_shipped(tx, shipped, clock.now())
    with store.transaction(write=False) as tx:
        stored = published(tx)
    assert sorted(d.key for d in stored) == sorted(d.key for d in shipped)
    by_key = {d.key: d for d in stored}
    assert all(by_key[d.key].content_hash == d.content_hash for d in shipped)


def test_a_changed_file_under_a_published_version_is_refused(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    with store.transaction() as tx:
        sync_shipped(tx, shipped, clock.now())
    changed = replace(shipped[0], content_hash="0" * 64)
    with pytest.raises(DefinitionError) as err, store.transaction() as tx:
        sync_shipped(tx, [changed], clock.now())
    assert "changed since it was published" in str(err.value)
    assert f"{changed.name} v{changed.version}" in str(err.value)


def test_processes_starting_together_both_publish_without_error(
    db_url: str, shipped: list[Definition]
) -> None:
    """`fengqiao serve` and its worker start at the same moment on a new database."""
    engines = [make_engine(db_url) for _ in range(4)]
    upgrade(engines[0])
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []
    at = datetime.fromisoformat("2026-11-23T09:00:00+08:00")

    def start(store: SqlStore) -> None:
        barrier.wait()
        try:
            with store.transaction() as tx:
                sync_shipped(tx, shipped, at)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    # Each store keeps its connections until its engine is disposed: kept alive till then.
    stores = [SqlStore(e) for e in engines]
    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with stores[0].transaction(write=False) as tx:
            assert len(published(tx)) == len(shipped)
    finally:
        for e in engines:
            e.dispose()
