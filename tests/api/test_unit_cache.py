"""The API's unit-tree cache: a reload that finds the same units keeps the tree and its
version (so what each user sees is not computed again); a change or an invalidation makes a
new version."""

from __future__ import annotations

from api.caches import ScopeCache
from api.units import UnitCache
from engine.store.repository import SqlStore
from engine.store.units import save_units
from engine.store.users import UserRecord
from engine.units import UnitRecord

UNITS = [
    UnitRecord("d1", "东城区", "East", "district"),
    UnitRecord("g1", "第1网格", "Grid 1", "grid", "d1"),
]


def test_an_unchanged_tree_keeps_its_version_and_the_scopes(store: SqlStore) -> None:
    with store.transaction() as tx:
        save_units(tx, UNITS)
    cache = UnitCache(store, reload_after_s=0.0)  # every call reloads
    first = cache.tree()
    again = cache.tree()
    assert again is first and again.version == first.version
    scopes = ScopeCache(cache)
    rec = UserRecord(
        id=1,
        username="m",
        password_hash="",
        display_name="m",
        role="mediator",
        unit="d1",
        grid_units=(),
        lang="zh",
        active=True,
    )
    vis = scopes.for_record(rec)
    assert scopes.for_record(rec) is vis  # not computed again after a reload

    with store.transaction() as tx:
        save_units(tx, [UnitRecord("g2", "第2网格", "Grid 2", "grid", "d1")])
    changed = cache.tree()
    assert changed.version == first.version + 1 and "g2" in changed.units
    assert scopes.for_record(rec) is not vis

    cache.invalidate()
    assert cache.tree().version == changed.version + 1
