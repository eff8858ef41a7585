"""The rate facts kept by every change of a case equal the facts rebuilt from scratch, after
any sequence of firings, sweeps of due timers, exclusions, hand-overs, merges and migrations;
`add_urges` counts urges; the rates summed from the facts equal the rates worked out from the
histories on the spot. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.casework.context import Casework
from engine.casework.exclusions import exclude_case, include_case
from engine.casework.grid_reports import GridReport, report
from engine.casework.handover import hand_over
from engine.casework.migration import migrate_case
from engine.casework.publishing import with_version
from engine.clock import ManualClock
from engine.definition import Definition
from engine.errors import FengqiaoError
from engine.loader import parse_definition
from engine.model import DEADLINE, REMINDER, Actor
from engine.registry import Registry
from engine.service import WorkflowService
from engine.store import rate_facts, repository
from engine.store import rates as rate_store
from engine.store.definitions import sync_shipped
from engine.store.migrate import alembic_config, upgrade
from engine.store.rate_facts import add_urges, book_of, rebuild
from engine.store.rates import RateFilter
from engine.store.repository import SqlStore
from engine.store.sealing import Sealer, new_key_text
from engine.store.units import save_units
from engine.workcalendar import WorkCalendar
from tests.engine.casework.conftest import UNITS, person
from tests.engine.casework.test_rates import (
    AGREE,
    ASSESS,
    GRID,
    HANDLER,
    LABOUR,
    MEDIATOR,
    ORG_ADMIN,
    REGISTER,
)

SUPERVISOR = person("supervisor")
# What each kind of case does next, step by step (a step its state no longer allows is
# skipped: a deadline may have moved the case on).
SCRIPTS: dict[str, list[tuple[str, Actor, dict[str, Any]]]] = {
    "grid": [
        ("sign_for", HANDLER, {"handling_unit": "cm1"}),
        ("resolve", HANDLER, {"resolution": "已清运"}),
        ("verify_ok", GRID, {"rating": 4}),
    ],
    "mediation": [
        ("register", MEDIATOR, REGISTER),
        ("start_mediation", MEDIATOR, ASSESS),
        ("reach_agreement", MEDIATOR, AGREE),
        ("decline_confirmation", MEDIATOR, {}),
        (
            "record_visit",
            MEDIATOR,
            {"performance": "performed", "satisfaction": 5, "lingering_risk": False},
        ),
        ("close_case", MEDIATOR, {}),
    ],
    "labor_dispute": [
        ("accept", MEDIATOR, LABOUR),
        (
            "reach_agreement",
            MEDIATOR,
            {"agreement_terms": "月底前付清", "performance_deadline": "2026-12-30"},
        ),
        ("sign_agreement", MEDIATOR, {"agreement_signed": True}),
        ("confirm_performed", MEDIATOR, {"performance": "performed", "satisfaction": 3}),
    ],
}
KINDS = tuple(SCRIPTS)
OPS = ("open", "step", "step", "step", "later", "exclude", "include", "hand_over", "merge")


@pytest.fixture
def cw(store: SqlStore, shipped: list[Definition], clock: ManualClock) -> Casework:
    with store.transaction() as tx:
        save_units(tx, list(UNITS))
    registry = Registry(shipped)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    return Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))


class Cases:
    """Cases moved by a sequence of operations."""

    def __init__(self, cw: Casework, clock: ManualClock) -> None:
        self.cw = cw
        self.clock = clock
        self.cases: list[tuple[int, str]] = []  # id, kind
        self.next_step: dict[int, int] = {}
        self.grid_member = person("grid_member")

    def open(self, kind: str) -> None:
        if kind == "grid":
            r = GridReport("g1", "sanitation", "yellow", "3号楼", "垃圾堆放")
            case_id = report(self.cw, self.grid_member, r).case.id
        else:
            case_id = self.cw.service.open_case(kind, MEDIATOR, {}, org_unit="union").case.id
        self.cases.append((case_id, kind))
        self.next_step[case_id] = 0

    def run(self, op: str, pick: int, minutes: int) -> None:
        if op == "open" or not self.cases:
            self.open(KINDS[pick % len(KINDS)])
            return
        case_id, kind = self.cases[pick % len(self.cases)]
        try:
            if op == "step":
                script = SCRIPTS[kind]
                i = self.next_step[case_id]
                if i < len(script):
                    self.next_step[case_id] = i + 1
                    action, actor, data = script[i]
                    self.cw.service.fire(case_id, action, actor, data)
            elif op == "later":
                self.clock.advance(timedelta(minutes=minutes))
                self.cw.service.fire_due_timers()
            elif op == "exclude":
                exclude_case(self.cw, SUPERVISOR, case_id, "重复诉求")
            elif op == "include":
                include_case(self.cw, SUPERVISOR, case_id)
            elif op == "hand_over":
                hand_over(self.cw, SUPERVISOR, case_id, "women", "联合调处")
            elif op == "merge" and kind == "grid":
                first = self.cases[0][0]
                self.cw.service.fire(case_id, "merge", ORG_ADMIN, {"merged_into": str(first)})
        except FengqiaoError:
            pass  # not allowed in the state the case is in now: nothing changed


def book(cw: Casework) -> dict[tuple[str, int], rate_facts.FactRules]:
    return book_of(d for name in cw.registry.names() for d in cw.registry.versions(name))


def assert_facts_rebuild_alike(cw: Casework) -> None:
    """The kept facts equal the facts rebuilt from scratch (the rebuild rolled back)."""
    with cw.store.engine.connect() as conn:
        kept = rate_facts.facts(conn)
        rebuild(conn, book(cw), batch=7)
        rebuilt = rate_facts.facts(conn)
        conn.rollback()
    assert kept == rebuilt


step = st.tuples(
    st.sampled_from(OPS), st.integers(0, 50), st.sampled_from([1, 20, 45, 60 * 25, 60 * 24 * 31])
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(step, min_size=1, max_size=25))
def test_kept_facts_equal_facts_rebuilt_from_scratch(
    cw: Casework, clock: ManualClock, ops: list[tuple[str, int, int]]
) -> None:
    cases = Cases(cw, clock)  # each example adds to the cases of the ones before
    for op, pick, minutes in ops:
        cases.run(op, pick, minutes)
    assert_facts_rebuild_alike(cw)


def test_every_kind_of_change_keeps_the_facts(cw: Casework, clock: ManualClock) -> None:
    """Each change a rate can see, one after the other, with the facts checked after each."""
    cases = Cases(cw, clock)
    for kind in KINDS:
        cases.open(kind)
    grid, mediation, labour = (c for c, _ in cases.cases)
    checks = [
        ("step", 0, 0),  # signed for in time
        ("later", 0, 60 * 24 * 2),  # the labour case's acceptance deadline fires
        ("step", 2, 0),  # accepted late
        ("exclude", 1, 0),
        ("include", 1, 0),
        ("hand_over", 1, 0),
        ("step", 1, 0),
        ("step", 1, 0),
        ("later", 0, 60 * 24 * 31),  # the mediation period expires
        ("merge", 0, 0),
    ]
    for op, pick, minutes in checks:
        cases.run(op, pick, minutes)
        assert_facts_rebuild_alike(cw)
    with cw.store.engine.connect() as conn:
        kept = rate_facts.facts(conn)
    names = ("excluded", "awaiting", "in_time", "shared")
    columns = [rate_facts.FACT_COLUMNS.index(n) for n in names]
    assert {c: tuple(kept[c][i] for i in columns) for c in (grid, mediation, labour)} == {
        grid: (1, 0, 0, 0),  # merged: left out
        mediation: (0, 1, 1, 1),  # handed over to the women's federation: shared
        labour: (0, 1, 0, 0),  # accepted after its deadline fired
    }


def test_moving_a_case_to_another_version_keeps_its_facts(cw: Casework) -> None:
    case = cw.service.open_case("mediation", MEDIATOR, {}, org_unit="union").case
    latest = cw.registry.latest("mediation")
    new = latest.version + 1
    cw.registry.add(parse_definition(with_version(latest.source, new), file="mediation@next"))
    migrate_case(cw, SUPERVISOR, case.id, new)
    assert_facts_rebuild_alike(cw)


def test_add_urges_counts_each_urge(cw: Casework, clock: ManualClock) -> None:
    cases = Cases(cw, clock)
    cases.open("mediation")
    cases.open("mediation")
    first, second = (c for c, _ in cases.cases)
    with cw.store.transaction() as tx:
        add_urges(tx, [first, first, second])
    with cw.store.transaction() as tx:
        add_urges(tx, [first])
    cases.run("step", 0, 0)  # a later firing keeps the urges
    with cw.store.engine.connect() as conn:
        kept = rate_facts.facts(conn)
    assert (kept[first][-1], kept[second][-1]) == (3, 1)
    with cw.store.transaction(write=False) as tx:
        (count,) = rate_store.rate_counts(tx, SUPERVISOR.scope, RateFilter())
    assert count.urged == 2 and count.cases == 2


@pytest.mark.parametrize("who", ["supervisor", "org_admin", "grid_member", "handler"])
def test_rates_from_the_facts_equal_the_rates_from_the_histories(
    cw: Casework, clock: ManualClock, who: str
) -> None:
    cases = Cases(cw, clock)
    plan = [("open", k, 0) for k in range(6)] + [
        ("step", 0, 0),
        ("step", 1, 0),
        ("hand_over", 2, 0),
        ("later", 0, 45),
        ("step", 3, 0),
        ("exclude", 4, 0),
        ("step", 5, 0),
        ("later", 0, 60 * 24 * 31),
    ]
    for op, pick, minutes in plan:
        cases.run(op, pick, minutes)
    scope = person(who).scope
    for key in rate_store.GROUP_KEYS:
        with cw.store.transaction(write=False) as tx:
            kept = rate_store.rate_counts(tx, scope, RateFilter(), key)
            live = rate_store.live_rate_counts(tx, scope, RateFilter(), book(cw), key)
        assert sorted(kept, key=repr) == sorted(live, key=repr), key


def test_the_migration_back_fills_the_facts_the_firings_kept(
    cw: Casework, clock: ManualClock, shipped: list[Definition]
) -> None:
    with cw.store.transaction() as tx:
        sync_shipped(tx, shipped, clock.now())  # the back-fill reads the published rules
    cases = Cases(cw, clock)
    plan = [("open", k, 0) for k in range(6)] + [
        ("step", 0, 0),
        ("later", 0, 45),
        ("step", 1, 0),
        ("exclude", 2, 0),
        ("hand_over", 3, 0),
        ("merge", 3, 0),
        ("later", 0, 60 * 24 * 31),
    ]
    for op, pick, minutes in plan:
        cases.run(op, pick, minutes)
    engine = cw.store.engine
    with engine.connect() as conn:
        kept = rate_facts.facts(conn)
    assert len(kept) == 6
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:  # back to the schema before migration 0011
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    upgrade(engine)
    with engine.connect() as conn:
        assert rate_facts.facts(conn) == kept


def test_a_reminder_does_not_rewrite_the_facts(
    cw: Casework, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = Cases(cw, clock)
    cases.open("grid")
    ((case_id, _),) = cases.cases
    with cw.store.transaction(write=False) as tx:
        pending = tx.timers(case_id)
    reminder = min(t.fire_at for t in pending if t.kind == REMINDER)
    deadline = min(t.fire_at for t in pending if t.kind == DEADLINE)
    assert reminder < deadline
    rewritten: list[dict[int, Any]] = []

    def noted(tx: Any, hot: Any, touched: dict[int, Any], lookup: Any) -> None:
        rewritten.append(dict(touched))
        rate_facts.refresh(tx, hot, touched, lookup)

    monkeypatch.setattr(repository, "refresh", noted)
    clock.set(reminder)
    report = cw.service.fire_due_timers()
    assert (report.reminded, report.fired, rewritten) == (1, 0, [])
    assert_facts_rebuild_alike(cw)
    clock.set(deadline)  # the deadline's outcome is the facts' business
    report = cw.service.fire_due_timers()
    assert report.fired == 1 and [list(t) for t in rewritten] == [[case_id]]
    assert_facts_rebuild_alike(cw)
