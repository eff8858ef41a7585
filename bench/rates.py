"""The rates over a large history: one month by organisation, and the 12-month trend.

Seeds 1,000,000 closed and 100,000 open cases with their histories (events and timers, as the
service would have written them: grid reports signed for in time or late after a missed
sign-for deadline, mediations with agreements or failures, labour mediations accepted in time
or late), opened evenly over `--months` months, inserted in bulk (executemany on SQLite, COPY
on PostgreSQL), not through the service. Units: a district with 10 streets, 100 communities
and 1,000 grids, and five organisations. A share of the cases is excluded by a reviewer and a
share merged.

The shipped definitions are published and the cases run on their versions; each case's rate
facts (engine.store.rate_facts) are then written from scratch in SQL, as migration 0011 does
(`facts_s`).

Measures, on SQLite and on PostgreSQL, through the use cases (engine.casework.rates) as an
admin (sees everything) and as the district's supervisor (the visibility filter over 1,116
units): the rates of the last full month by organisation, and the 12-month trend; the median
of five runs after one warm-up, and the first (cold) run; wall time and this process's CPU
time (on PostgreSQL the server's CPU is not in it). Side by side, in the same run on the same
database, the same use cases with every case's facts worked out from its history on the spot
(`live`, what the rates did before the facts were kept: one run each), and whether
both give the same tallies. The last stdout line is one JSON object.

    python bench/rates.py --quick
    python bench/rates.py                      # 1,000,000 closed + 100,000 open cases
    python bench/rates.py --pg ''              # SQLite only

Seeding 1.1 million cases takes a quarter of an hour: `--sqlite-file PATH` and `--pg-db URL`
keep the databases and reuse them. A database seeded by an older revision of this bench (its
schema before migration 0011, the workflows unpublished) gets the shipped definitions
published, its cases moved onto their versions and the schema upgraded: the upgrade's time is
the back-fill's (`upgrade_s`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import astuple, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert, text  # noqa: E402

from bench.databases import database  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.casework.rates import (  # noqa: E402
    RateQuery,
    RateTable,
    Tally,
    compute_rates,
    rate_trend,
)
from engine.clock import ManualClock  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store import rates as rate_store  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.definitions import sync_shipped  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.rate_facts import book_of, rebuild  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer, new_key_text  # noqa: E402
from engine.store.tables import UnitRow  # noqa: E402
from engine.units import UnitRecord, UnitTree  # noqa: E402
from engine.visibility import visibility_for  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402

END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 2026-12-01 00:00 in Beijing
ORGS = ("union", "women", "youth", "disabled", "science")
STREETS, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 10, 10, 10
CHUNK = 20_000

CASE_COLS = (
    "id, workflow, workflow_version, state, data, version, opened_at, updated_at,"
    " state_entered_at, last_seq, entered_seq, org_unit, grid_unit, assignee, opened_by,"
    " closed_at"
)
EVENT_COLS = (
    "id, case_id, seq, at, actor, role, action, from_state, to_state, data, changes,"
    " case_version, idem_key, lateness_s, note"
)
TIMER_COLS = (
    "id, case_id, name, kind, action, fire_at, armed_seq, status, fired_at, lateness_s, note,"
    " attempts, last_error, next_attempt_at"
)


def units() -> list[UnitRecord]:
    out = [
        UnitRecord("c-1", "枫桥市", "City", "city"),
        UnitRecord("d-1", "东城区", "District", "district", "c-1"),
    ]
    out += [UnitRecord(o, o, o, "organisation", "d-1") for o in ORGS]
    for s in range(STREETS):
        out.append(UnitRecord(f"s-{s}", f"街道{s}", f"Street {s}", "street", "d-1"))
        for c in range(COMMUNITIES_PER_STREET):
            cm = f"cm-{s}-{c}"
            out.append(UnitRecord(cm, f"社区{s}-{c}", f"Community {s}-{c}", "community", f"s-{s}"))
            for g in range(GRIDS_PER_COMMUNITY):
                code = f"g-{s}-{c}-{g}"
                out.append(UnitRecord(code, f"网格{code}", f"Grid {code}", "grid", cm))
    return out


GRIDS = [u for u in units() if u.kind == "grid"]
SHIPPED = load_directory(ROOT / "definitions")
VERSIONS = {d.name: d.version for d in SHIPPED}  # the cases run on the shipped versions


# -- the rows -------------------------------------------------------------------------------
Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def case_rows(i: int, opened: datetime, closed: bool, ids: dict[str, int]) -> Rows:
    """Case `i` (1-based id) with its events and timers."""
    kind = i % 20
    events: list[tuple[Any, ...]] = []
    timers: list[tuple[Any, ...]] = []
    minute = timedelta(minutes=1)

    def event(at: datetime, actor: str, role: str, action: str, src: str | None, dst: str) -> None:
        ids["event"] += 1
        seq = len(events) + 1
        events.append(
            (
                ids["event"],
                i,
                seq,
                at,
                actor,
                role,
                action,
                src,
                dst,
                "{}",
                "{}",
                seq,
                None,
                None,
                None,
            )
        )

    def timer(name: str, fire_at: datetime, seq: int, status: str, action: str | None) -> None:
        ids["timer"] += 1
        fired = fire_at if status == "fired" else None
        timers.append(
            (
                ids["timer"],
                i,
                name,
                "deadline",
                action,
                fire_at,
                seq,
                status,
                fired,
                None,
                None,
                0,
                None,
                None,
            )
        )

    data: dict[str, Any]
    if kind < 10:  # grid escalation
        grid = GRIDS[i % len(GRIDS)]
        late = i % 7 == 0
        workflow, org, grid_unit = "grid_escalation", None, grid.code
        data = {"grid_unit": grid.code, "category": "sanitation", "severity": "yellow", "tier": 1}
        event(opened, "grid", "grid_member", "open", None, "discovery")
        event(opened, "grid", "grid_member", "report", "discovery", "community_call")
        timer(
            "sign_for_deadline",
            opened + 30 * minute,
            2,
            "fired" if late else "stale",
            "sign_deadline_missed",
        )
        t = opened + (50 if late else 10) * minute
        if late:
            data["tier"] = 2
            event(
                opened + 30 * minute,
                "system",
                "system",
                "sign_deadline_missed",
                "community_call",
                "community_call",
            )
        event(t, "handler", "handler", "sign_for", "community_call", "handling")
        data["handling_unit"] = grid.parent
        state = "handling"
        if closed:
            event(t + 600 * minute, "handler", "handler", "resolve", "handling", "verification")
            event(t + 900 * minute, "grid", "grid_member", "verify_ok", "verification", "closed")
            data["rating"] = 1 + i % 5
            state = "closed"
        timer(
            "handling_deadline",
            t + 24 * 60 * minute,
            len(events),
            "stale" if closed else "pending",
            "handling_deadline_missed",
        )
        if i % 97 == 0:
            data["merged_into"] = str(i - 1)
    elif kind < 17:  # mediation
        workflow, org, grid_unit = "mediation", ORGS[i % len(ORGS)], None
        data = {"category": "family", "organisation": org, "mediator": "m"}
        event(opened, "m", "mediator", "open", None, "intake")
        event(opened + 30 * minute, "m", "mediator", "register", "intake", "assessment")
        event(opened + 90 * minute, "m", "mediator", "start_mediation", "assessment", "mediation")
        missed = i % 13 == 0
        timer(
            "mediation_period",
            opened + timedelta(days=30),
            3,
            "fired" if missed else "stale",
            "period_expired",
        )
        state = "mediation"
        if closed:
            done = opened + timedelta(days=35 if missed else 12)
            if i % 5:
                data["outcome"] = "agreement"
                event(done, "m", "mediator", "reach_agreement", "mediation", "agreement")
                event(done, "m", "mediator", "decline_confirmation", "agreement", "follow_up")
                event(
                    done + timedelta(days=7),
                    "m",
                    "mediator",
                    "record_visit",
                    "follow_up",
                    "visit_done",
                )
                event(
                    done + timedelta(days=7), "m", "mediator", "close_case", "visit_done", "closed"
                )
                data["satisfaction"] = 3 + i % 3
            else:
                data["outcome"] = "failed"
                event(done, "m", "mediator", "terminate", "mediation", "failed")
                event(done, "m", "mediator", "close_failed", "failed", "closed")
            state = "closed"
    else:  # labour dispute
        workflow, org, grid_unit = "labor_dispute", "union", None
        data = {"dispute_type": "wages", "mediator": "m"}
        event(opened, "m", "mediator", "open", None, "intake")
        late = i % 9 == 0
        timer("accept_reminder", opened + timedelta(days=1), 1, "fired" if late else "stale", None)
        event(
            opened + timedelta(days=2 if late else 0, hours=2),
            "m",
            "mediator",
            "accept",
            "intake",
            "mediation",
        )
        state = "mediation"
        if closed:
            done = opened + timedelta(days=10)
            data["outcome"] = "agreement"
            event(done, "m", "mediator", "reach_agreement", "mediation", "agreement")
            event(done, "m", "mediator", "sign_agreement", "agreement", "follow_up")
            event(
                done + timedelta(days=5),
                "m",
                "mediator",
                "confirm_performed",
                "follow_up",
                "closed",
            )
            data["satisfaction"] = 2 + i % 4
            state = "closed"
    last = events[-1][3]
    case = (
        i,
        workflow,
        VERSIONS[workflow],
        state,
        json.dumps(data),
        len(events),
        opened,
        last,
        last,
        len(events),
        len(events),
        org,
        grid_unit,
        None,
        "seed",
        last if closed else None,
    )
    return [case], events, timers


def batches(closed: int, open_: int, months: int) -> Iterator[Rows]:
    total = closed + open_
    start = END - timedelta(days=30.5 * months)
    step = (END - start) / total
    every_open = max(1, total // max(1, open_)) if open_ else 0
    ids = {"event": 0, "timer": 0}
    cases: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    timers: list[tuple[Any, ...]] = []
    opened_count = 0
    for i in range(1, total + 1):
        is_open = bool(every_open) and i % every_open == 0 and opened_count < open_
        opened_count += is_open
        c, e, t = case_rows(i, start + step * (i - 1), not is_open, ids)
        cases += c
        events += e
        timers += t
        if len(cases) >= CHUNK:
            yield cases, events, timers
            cases, events, timers = [], [], []
    if cases:
        yield cases, events, timers


# -- inserting --------------------------------------------------------------------------------
def sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def insert_sqlite(engine: Engine, rows: Iterator[Rows]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")  # seeding only: one commit per chunk, no fsync
        for cases, events, timers in rows:
            cur.execute("BEGIN")
            for table, cols, items in (
                ("cases", CASE_COLS, cases),
                ("events", EVENT_COLS, events),
                ("timers", TIMER_COLS, timers),
            ):
                marks = ", ".join("?" * len(cols.split(",")))
                cur.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                    [tuple(sqlite_value(v) for v in r) for r in items],
                )
            raw.commit()
    finally:
        raw.close()


def insert_pg(engine: Engine, rows: Iterator[Rows]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for cases, events, timers in rows:
            for table, cols, items in (
                ("cases", CASE_COLS, cases),
                ("events", EVENT_COLS, events),
                ("timers", TIMER_COLS, timers),
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for r in items:
                        copy.write_row(r)
            raw.commit()
        for table in ("cases", "events", "timers"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        raw.commit()
    finally:
        raw.close()


def clocked(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """`fn()`, with its wall time and this process's CPU time in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, {
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
    }


def publish(engine: Engine) -> None:
    """The shipped definitions, published as `fengqiao serve` would at its start."""
    with SqlStore(engine).transaction() as tx:
        sync_shipped(tx, SHIPPED, END)


def fill_facts(engine: Engine) -> None:
    with engine.begin() as conn:
        rebuild(conn, book_of(SHIPPED))


def analyze(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def seed(engine: Engine, closed: int, open_: int, months: int) -> dict[str, Any]:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(UnitRow.__table__),  # type: ignore[attr-defined]
            [
                {
                    "code": u.code,
                    "name_zh": u.name_zh,
                    "name_en": u.name_en,
                    "kind": u.kind,
                    "parent": u.parent,
                }
                for u in units()
            ],
        )
    publish(engine)
    began = time.perf_counter()
    rows = batches(closed, open_, months)
    url = str(engine.url)
    (insert_sqlite if url.startswith("sqlite") else insert_pg)(engine, rows)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rate_exclusions (case_id, reason, reviewer, at) "
                "SELECT id, '重复诉求', 'supervisor', opened_at FROM cases WHERE id % 200 = 0"
            )
        )
    seconds = time.perf_counter() - began
    _, facts = clocked(partial(fill_facts, engine))
    analyze(engine)
    return {"seed_s": round(seconds, 1), "facts": facts}


def has_cases(engine: Engine) -> bool:
    with engine.connect() as conn:
        try:
            return bool(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        except Exception:
            return False


def bring_up_to_date(engine: Engine) -> dict[str, Any]:
    """A database an older revision of this bench seeded: publish the shipped definitions,
    move its cases onto their versions, upgrade the schema (migration 0011's back-fill)."""
    with engine.begin() as conn:
        unpublished = not conn.execute(text("SELECT count(*) FROM definitions")).scalar_one()
        if unpublished:
            for name, version in VERSIONS.items():
                conn.execute(
                    text("UPDATE cases SET workflow_version = :v WHERE workflow = :w"),
                    {"v": version, "w": name},
                )
    if unpublished:
        publish(engine)
    _, up = clocked(partial(upgrade, engine))
    analyze(engine)
    return {"upgrade": up}


def prepared(url: str, closed: int, open_: int, months: int) -> tuple[Engine, dict[str, Any]]:
    """The seeded database at `url`: seeded now, or reused (brought up to date)."""
    engine = make_engine(url)
    if has_cases(engine):
        info = {"reused": True, **bring_up_to_date(engine)}
    else:
        info = {"reused": False, **seed(engine, closed, open_, months)}
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("cases", "events", "timers", "rate_exclusions", "rate_facts")
        }
    return engine, {**info, **counts}


# -- measuring --------------------------------------------------------------------------------
def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    """The first (cold) run, then the median of `runs` more: wall and CPU milliseconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    cold = (time.perf_counter() - wall) * 1000
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {
        "cold_ms": round(cold, 1),
        "median_ms": round(statistics.median(walls), 1),
        "cpu_ms": round(statistics.median(cpus), 1),
    }


def live_counts(*args: Any) -> list[rate_store.RateCount]:
    """rate_store.rate_counts as it was: every case's facts worked out on the spot."""
    tx, vis, f, key, bounds = args
    return rate_store.live_rate_counts(tx, vis, f, book_of(SHIPPED), key, bounds)


def tallies(table: RateTable) -> list[Any]:
    """The counts of every group and the total (seconds to close to the second: the sums of
    floats may differ in their last digits)."""

    def counts(t: Tally) -> tuple[Any, ...]:
        return (*astuple(replace(t, close_seconds=0.0)), round(t.close_seconds))

    return [*sorted((k, counts(t)) for k, t in table.groups.items()), counts(table.total)]


def once(fn: Callable[[], RateTable]) -> tuple[RateTable, dict[str, float]]:
    """One run of `fn`, with its wall and CPU milliseconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, {
        "ms": round((time.perf_counter() - wall) * 1000, 1),
        "cpu_ms": round((time.process_time() - cpu) * 1000, 1),
    }


def measure(engine: Engine, runs: int, live_for: tuple[str, ...]) -> dict[str, Any]:
    tree = UnitTree.build(units())
    clock = ManualClock(END)
    store = SqlStore(engine)
    registry = Registry(SHIPPED)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    cw = Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))
    people = {
        "admin": ("admin", None),
        "supervisor": ("supervisor", "d-1"),
    }
    month = RateQuery(start=END - timedelta(days=30), end=END, group_by="organisation")
    kept = rate_store.rate_counts
    out: dict[str, Any] = {}
    for name, (role, unit) in people.items():
        user = User(1, name, name, role, unit, [], scope=visibility_for(tree, role, unit, []))
        by_org = compute_rates(cw, user, tree, month)
        trend = rate_trend(cw, user, tree, RateQuery(end=END))
        figures: dict[str, Any] = {
            "month_by_organisation": timed(partial(compute_rates, cw, user, tree, month), runs),
            "trend_12_months": timed(partial(rate_trend, cw, user, tree, RateQuery(end=END)), runs),
            "month_cases": by_org.total.cases + by_org.total.excluded,
            "trend_cases": trend.total.cases + trend.total.excluded,
            "response_rate": by_org.total.rate("response"),
            "on_time_rate": by_org.total.rate("on_time"),
        }
        if name in live_for:
            rate_store.rate_counts = live_counts  # type: ignore[assignment]
            try:
                live_month, month_ms = once(partial(compute_rates, cw, user, tree, month))
                live_trend, trend_ms = once(partial(rate_trend, cw, user, tree, RateQuery(end=END)))
            finally:
                rate_store.rate_counts = kept
            figures["live"] = {
                "month_by_organisation": month_ms,
                "trend_12_months": trend_ms,
                "same_tallies": tallies(live_month) == tallies(by_org)
                and tallies(live_trend) == tallies(trend),
            }
        out[name] = figures
    return out


def sqlite_run(
    path: str | None, closed: int, open_: int, months: int, runs: int, live_for: tuple[str, ...]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(path) if path else Path(tmp) / "rates.db"
        engine, seeded = prepared(f"sqlite:///{file}", closed, open_, months)
        try:
            result = {**seeded, **measure(engine, runs, live_for)}
        finally:
            engine.dispose()
        result["db_mb"] = round(
            sum(f.stat().st_size for f in file.parent.glob(file.name + "*")) / 2**20, 1
        )
        return result


def pg_run(
    base: str,
    kept: str | None,
    closed: int,
    open_: int,
    months: int,
    runs: int,
    live_for: tuple[str, ...],
) -> dict[str, Any]:
    def run(url: str) -> dict[str, Any]:
        engine, seeded = prepared(url, closed, open_, months)
        try:
            return {**seeded, **measure(engine, runs, live_for)}
        finally:
            engine.dispose()

    if kept:
        return run(kept)
    with database(base) as url:
        return run(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12, help="opened evenly over these months")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--live-for",
        default="admin,supervisor",
        help="whose rates to count on the spot too, once ('' for nobody)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--quick", action="store_true", help="10,000 closed + 1,000 open")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL ('' to skip)",
    )
    parser.add_argument("--sqlite-file", help="a SQLite file to seed once and reuse")
    parser.add_argument("--pg-db", help="a PostgreSQL database URL to seed once and reuse")
    args = parser.parse_args()
    closed, open_, runs = args.closed, args.open, args.runs
    if args.quick:
        closed, open_, runs = 10_000, 1_000, 2
    result: dict[str, Any] = {
        "bench": "rates",
        "closed": closed,
        "open": open_,
        "months": args.months,
    }
    live_for = tuple(n for n in args.live_for.split(",") if n)
    if not args.no_sqlite:
        result["sqlite"] = sqlite_run(args.sqlite_file, closed, open_, args.months, runs, live_for)
    if args.pg or args.pg_db:
        result["postgres"] = pg_run(args.pg, args.pg_db, closed, open_, args.months, runs, live_for)
    result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
