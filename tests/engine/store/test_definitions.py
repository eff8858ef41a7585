"""Published definitions: shipped files recorded once, a changed file under a published
version (or one colliding with a version published through the API) left out while the
others are recorded, and two processes starting together on a fresh database both succeed."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from engine.casework.publishing import with_version
from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import DefinitionError
from engine.loader import parse_definition
from engine.store.db import make_engine
from engine.store.definitions import check_shipped, published, save, sync_shipped
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


def test_a_changed_file_under_a_published_version_is_left_out_and_the_others_recorded(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    first, *others = shipped
    with store.transaction() as tx:
        assert sync_shipped(tx, [first], clock.now()) == []
    changed = replace(first, content_hash="0" * 64)
    with store.transaction() as tx:
        problems = sync_shipped(tx, [changed, *others], clock.now())
    assert [(p.file, p.key, p.hint) for p in problems] == [
        (first.path, "version", f"raise `version` to {first.version + 1}")
    ]
    assert f"{first.name} v{first.version} was published from this file" in problems[0].message
    with store.transaction(write=False) as tx:
        stored = {d.key: d.content_hash for d in published(tx)}
        assert check_shipped(tx, [changed, *others]) == problems  # the same, read-only
    assert stored == {d.key: d.content_hash for d in shipped}  # the published one kept


def test_a_file_colliding_with_a_version_published_through_the_api_is_left_out(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    with store.transaction() as tx:
        sync_shipped(tx, shipped, clock.now())
    mine = next(d for d in shipped if d.name == "mediation")
    up = mine.version + 1
    theirs = parse_definition(
        with_version(mine.source, up).replace("mediation}", "mediation (trial)}", 1)
    )
    edited = parse_definition(
        with_version(mine.source, up).replace("mediation}", "mediation (pilot)}", 1),
        file=mine.path,
    )
    with store.transaction() as tx:
        save(tx, theirs, "wang", clock.now())
        problems = sync_shipped(tx, [*shipped, edited], clock.now())
    assert len(problems) == 1
    assert problems[0].message.startswith(
        f"mediation v{up} was published by wang on 2026-11-23 (API or editor) with other"
        " content than this file"
    )
    assert problems[0].hint == f"raise `version` to {up + 1}"
    with store.transaction(write=False) as tx:
        kept = next(d for d in published(tx) if d.key == ("mediation", up))
    assert kept.content_hash == theirs.content_hash


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
                assert sync_shipped(tx, shipped, at) == []
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


def test_a_version_published_before_the_type_check_still_loads(
    store: SqlStore, shipped: list[Definition], clock: ManualClock
) -> None:
    """A published version holding a mistake the type check now catches keeps running the
    cases opened on it: stored versions are read as they were published, drafts are judged."""
    [mediation] = [d for d in shipped if d.name == "mediation"]
    mistaken = with_version(mediation.source, mediation.version + 1).replace(
        "outcome: \"'agreement'\"", "outcome: \"'agreed'\"", 1
    )
    assert mistaken.count("'agreed'") == 1
    try:
        parse_definition(mistaken, file="draft")
    except DefinitionError as exc:
        assert "'agreed'" in str(exc)
    else:
        raise AssertionError("the draft should be refused")
    older = parse_definition(mistaken, file="stored", check_types=False)
    with store.transaction() as tx:
        save(tx, older, "supervisor", clock.now())
    with store.transaction(write=False) as tx:
        stored = {d.key: d for d in published(tx)}
    assert stored[older.key].content_hash == older.content_hash
