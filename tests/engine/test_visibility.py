"""The visibility policy has one copy: `sees` on a case in memory, and the SQL filter the
store derives from it for lists. Here the two agree, case by case, for every kind of holder
(owner, hand-off fields, hand-overs, grid tiers) and every role, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.model import Case
from engine.reserved import CO_HANDLERS, HANDLING_UNIT, LEAD_UNIT, ORGANISATION, TIER
from engine.store import queries
from engine.store.repository import SqlStore
from engine.units import UnitRecord, UnitTree
from engine.visibility import Visibility, case_tier, holders, sees, visibility_for

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
UNITS = (
    UnitRecord("city", "市", "City", "city"),
    UnitRecord("d1", "区一", "District 1", "district", "city"),
    UnitRecord("d2", "区二", "District 2", "district", "city"),
    UnitRecord("s1", "街一", "Street 1", "street", "d1"),
    UnitRecord("cm1", "社区一", "Community 1", "community", "s1"),
    UnitRecord("g1", "网格一", "Grid 1", "grid", "cm1"),
    UnitRecord("g2", "网格二", "Grid 2", "grid", "cm1"),
    UnitRecord("union", "工会", "Union", "organisation", "d1"),
    UnitRecord("women", "妇联", "Women", "organisation", "d2"),
)
TREE = UnitTree.build(UNITS)
PEOPLE: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("mediator", "union", ()),
    ("mediator", "women", ()),
    ("org_admin", "d1", ()),
    ("handler", "cm1", ()),
    ("handler", "s1", ()),
    ("grid_member", None, ("g1",)),
    ("supervisor", "d1", ()),
    ("supervisor", "d2", ()),
    ("admin", None, ()),
    ("admin", "d2", ()),
    ("handler", None, ()),
)
DATA: tuple[dict[str, Any], ...] = (
    {},
    {ORGANISATION: "women"},
    {HANDLING_UNIT: "s1"},
    {LEAD_UNIT: "cm1", CO_HANDLERS: ["union", "d2"]},
    {CO_HANDLERS: ["women"]},
    {TIER: 0},
    {TIER: 1},
    {TIER: 2},
    {TIER: 3},
    {TIER: 4},
)


def _case(org: str | None, grid: str | None, data: dict[str, Any]) -> Case:
    return Case(
        id=0,
        workflow="w",
        workflow_version=1,
        state="s",
        data=data,
        version=1,
        opened_at=NOW,
        updated_at=NOW,
        state_entered_at=NOW,
        last_seq=1,
        entered_seq=1,
        org_unit=org,
        grid_unit=grid,
    )


def _seed(store: SqlStore) -> tuple[list[Case], dict[int, list[str]]]:
    cases: list[Case] = []
    handed: dict[int, list[str]] = {}
    with store.transaction() as tx:
        combos = itertools.product((None, "union", "women"), (None, "g1", "g2"), DATA)
        for i, (org, grid, data) in enumerate(combos):
            case = _case(org, grid, dict(data))
            case.id = tx.insert_case(case)
            cases.append(case)
            if i % 7 == 3:
                queries.hand_over(tx, case.id, "women" if i % 2 else "cm1", "joint meeting", NOW)
                handed[case.id] = ["women" if i % 2 else "cm1"]
    return cases, handed


def _listed(store: SqlStore, vis: Visibility) -> set[int]:
    with store.transaction(write=False) as tx:
        page = queries.list_cases(tx, vis, queries.CaseFilter(), NOW, limit=10_000)
    return {item.case.id for item in page.items}


@pytest.mark.parametrize(
    "person",
    [pytest.param(p, id=f"{p[0]}@{p[1] or '-'}{'+' + p[2][0] if p[2] else ''}") for p in PEOPLE],
)
def test_the_sql_filter_agrees_with_the_policy(
    store: SqlStore, person: tuple[str, str | None, tuple[str, ...]]
) -> None:
    cases, handed = _seed(store)
    vis = visibility_for(TREE, *person)
    expected = {c.id for c in cases if sees(vis, c, handed.get(c.id, ()))}
    assert _listed(store, vis) == expected


def test_the_seeded_cases_cover_every_way_of_holding_a_case(store: SqlStore) -> None:
    cases, handed = _seed(store)
    assert handed
    assert any(holders(c) - {c.org_unit} for c in cases)
    assert {case_tier(c.data) for c in cases if c.grid_unit} == {0, 1, 2, 3, 4}


def test_everything_and_nothing() -> None:
    case = _case("union", None, {})
    assert sees(Visibility(everything=True), case)
    assert not sees(Visibility(), case)
    assert visibility_for(TREE, "admin", None, ()).everything
    assert visibility_for(TREE, "handler", None, ()).nothing


def test_a_grid_case_climbs_into_view_tier_by_tier() -> None:
    street = visibility_for(TREE, "handler", "s1", ())
    seen = [sees(street, _case(None, "g1", {TIER: t})) for t in range(5)]
    assert seen == [False, False, True, True, True]


def _by_every_grid(
    tree: UnitTree, role: str, unit: str | None, grid_units: tuple[str, ...]
) -> Visibility:
    """The policy as first written: every grid of the tree, its ancestors walked up."""
    grids = [g for g in grid_units if g]
    if role == "admin" and unit is None:
        return Visibility(everything=True)
    roots = ([unit] if unit else []) + grids
    units: set[str] = set()
    if role in ("org_admin", "supervisor", "admin"):
        for r in roots:
            units |= tree.subtree(r)
    else:
        units = set(roots)
    by_tier: list[set[str]] = [set() for _ in range(4)]
    for g in tree.grids():
        if g in units:
            continue
        for k, ancestor in enumerate(tree.ancestors(g)[:4], start=1):
            if ancestor in units:
                by_tier[k - 1].add(g)
    return Visibility(False, frozenset(units), tuple(frozenset(s) for s in by_tier))


def test_walking_down_from_the_units_finds_what_walking_up_from_every_grid_did() -> None:
    import random

    from bench.trees import big_tree

    rng = random.Random(7)
    trees = [UnitTree.build(big_tree(800, "c"))]
    kinds = ("city", "district", "street", "community", "grid", "organisation")
    for _ in range(30):  # random forests, cycles and units their own parent included
        codes = [f"u{i}" for i in range(40)]
        trees.append(
            UnitTree.build(
                UnitRecord(c, c, c, rng.choice(kinds), rng.choice([None, *codes])) for c in codes
            )
        )
    roles = ("mediator", "handler", "grid_member", "org_admin", "supervisor", "admin")
    for tree in trees:
        codes = sorted(tree.units)
        for _ in range(60):
            role = rng.choice(roles)
            unit = rng.choice([None, *codes])
            grids = tuple(rng.sample(codes, rng.randint(0, 2)))
            assert visibility_for(tree, role, unit, grids) == _by_every_grid(
                tree, role, unit, grids
            ), (role, unit, grids)
