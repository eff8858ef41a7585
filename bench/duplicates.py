"""Duplicate suggestions against many open cases (engine.casework.duplicates.suggest).

Seeds `--open` open grid cases (500,000 by default) opened over the last 30 days across a
city of 1,000 grids (about 28 km × 28 km; a fifth of the cases in 200 hot spots of a few
dozen metres, where reports pile up), each with its point and map cell, its description's
text bands and a reporter whose phone is kept as its keyed hash (one caller in three
reports again). Then asks for suggestions through the use case, as an administrator (sees
everything) and as a street's supervisor (sees a tenth of the city), for `--probes` new
reports: near a hot spot, near an existing case, or anywhere, with a text close to an
existing one or new, with a caller known or not. p50, p99 and max in milliseconds after a
warm-up of 50, and CPU milliseconds per probe (this process's: the whole of it on SQLite,
the client's share on PostgreSQL, whose server processes' share is read in /proc when the
server runs on this machine); how many suggestions came back. The last stdout line is
one JSON object.

With `--keep` the databases are kept between runs (a SQLite file, `--sqlite-file`, and a
PostgreSQL database, `--pg-name`): seeded by the first run only, brought to the newest
schema of this checkout's migrations, or down to `--down-to REV` (for the code before a
migration: `PYTHONPATH=<the older checkout>` runs that code against the kept data). Each run
compares its suggestions with the ones the first run kept beside the database
(`same_suggestions`, `differing_probes`).

    python bench/duplicates.py --quick
    python bench/duplicates.py                 # 500,000 open cases, SQLite and PostgreSQL
    python bench/duplicates.py --pg ''         # SQLite only
    python bench/duplicates.py --keep          # seed once, measure again on the same data
    PYTHONPATH=../before python bench/duplicates.py --keep --down-to 0018
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The checkout's root instead of bench/ (whose engine.py is no engine), after PYTHONPATH's
# folders: another checkout's code may be measured against this bench.
sys.path[0:1] = [*filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)), str(ROOT)]

from alembic import command  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402

from bench.databases import database  # noqa: E402
from engine import duplicates as rules  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.duplicates import Probe, Suggestion, suggest  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store.db import make_engine, normalise_url  # noqa: E402
from engine.store.definitions import sync_shipped  # noqa: E402
from engine.store.migrate import alembic_config  # noqa: E402
from engine.store.parties import phone_index  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer  # noqa: E402
from engine.store.tables import UnitRow  # noqa: E402
from engine.units import UnitRecord, UnitTree  # noqa: E402
from engine.visibility import visibility_for  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402

END = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
DAYS = 30
STREETS, COMMUNITIES, GRIDS = 10, 10, 10
LAT0, LNG0, SPAN = 39.80, 116.20, 0.25  # the city: 0.25° × 0.25°
HOT_SPOTS = 200
HOT_SHARE = 0.2
CALLERS = 0.33
CHUNK = 10_000
MIGRATIONS = ROOT / "engine" / "store" / "migrations"  # this checkout's, whatever the code
# One key for every run: the phone hashes of a kept database stay those of the probes.
KEY = base64.urlsafe_b64encode(hashlib.sha256(b"bench/duplicates").digest()).decode()
SHIPPED = load_directory(ROOT / "definitions")
VERSION = next(d.version for d in SHIPPED if d.name == "grid_escalation")
CATEGORIES = ("environment", "sanitation", "road_facility", "public_safety", "fire_hazard")
PLACES = [
    f"{a}{b}{n}号楼{side}"
    for a in ("和平里", "安定门", "东直门", "交道口", "北新桥", "朝阳门", "建国门", "东华门")
    for b in ("东街", "西街", "小区", "社区", "胡同")
    for n in range(1, 6)
    for side in ("北侧", "南侧")
]
ISSUES = [
    "垃圾堆放无人清运",
    "路灯不亮",
    "井盖缺失",
    "占道经营",
    "噪音扰民",
    "违章搭建",
    "消防通道被占用",
    "污水外溢",
    "树木倒伏",
    "共享单车乱停",
    "楼道堆物",
    "墙体开裂",
    "电线私拉乱接",
    "路面塌陷",
    "油烟扰民",
]
DETAILS = [
    "已持续多日",
    "居民反映强烈",
    "影响通行",
    "存在安全隐患",
    "晚上尤其严重",
    "多次反映未解决",
    "老人小孩经过危险",
    "味道很大",
]
CASE_COLS = (
    "id, workflow, workflow_version, state, data, version, opened_at, updated_at,"
    " state_entered_at, last_seq, entered_seq, org_unit, grid_unit, opened_by, lat, lng, cell"
)
PARTY_COLS = "id, case_id, party_role, name, phone, phone_index, sensitive, anonymous, created_at"
SKETCH_COLS = "band, case_id"


def units() -> list[UnitRecord]:
    out = [UnitRecord("d-1", "东城区", "District", "district")]
    for s in range(STREETS):
        out.append(UnitRecord(f"s-{s}", f"街道{s}", f"Street {s}", "street", "d-1"))
        for c in range(COMMUNITIES):
            cm = f"cm-{s}-{c}"
            out.append(UnitRecord(cm, f"社区{s}-{c}", f"Community {s}-{c}", "community", f"s-{s}"))
            for g in range(GRIDS):
                code = f"g-{s}-{c}-{g}"
                out.append(UnitRecord(code, f"网格{code}", f"Grid {code}", "grid", cm))
    return out


def grid_of(lat: float, lng: float) -> str:
    """The grid a point falls in: the city cut into 10 × 100 strips."""
    row = min(int((lat - LAT0) / SPAN * STREETS), STREETS - 1)
    col = min(int((lng - LNG0) / SPAN * COMMUNITIES * GRIDS), COMMUNITIES * GRIDS - 1)
    return f"g-{row}-{col // GRIDS}-{col % GRIDS}"


def text_of(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(ISSUES)}，{rng.choice(DETAILS)}"


def phone_of(n: int) -> str:
    return f"139{n:08d}"


def point(rng: random.Random, hot: list[tuple[float, float]]) -> tuple[float, float]:
    if rng.random() < HOT_SHARE:
        lat, lng = rng.choice(hot)
        return lat + rng.gauss(0, 0.0003), lng + rng.gauss(0, 0.0004)
    return LAT0 + rng.random() * SPAN, LNG0 + rng.random() * SPAN


@cache
def _bands(description: str) -> list[int]:
    """A description's band keys (the vocabulary repeats: each text is hashed once)."""
    return rules.bands("grid_escalation", rules.grams(description))


def rows(n: int, sealer: Sealer, hot: list[tuple[float, float]]) -> Iterator[dict[str, list[Any]]]:
    rng = random.Random(15)
    callers = max(1, int(n * (1 - CALLERS)))
    for start in range(1, n + 1, CHUNK):
        cases: list[Any] = []
        parties: list[Any] = []
        sketches: list[Any] = []
        for i in range(start, min(start + CHUNK, n + 1)):
            lat, lng = point(rng, hot)
            grid = grid_of(lat, lng)
            # Ids grow with the time of opening, as they do in service (give or take a minute).
            opened = END - timedelta(seconds=(1 - i / n) * DAYS * 86400 + rng.random() * 60)
            description = text_of(rng)
            data = {
                "grid_unit": grid,
                "category": rng.choice(CATEGORIES),
                "severity": "blue",
                "location": description[:12],
                "description": description,
                "tier": 1,
            }
            cell = rules.cell_of(lat, lng)
            case = (i, "grid_escalation", VERSION, "community_call", json.dumps(data), 2)
            cases.append((*case, opened, opened, opened, 2, 2, None, grid, "grid_member"))
            cases[-1] += (lat, lng, cell)
            phone = phone_of(rng.randrange(callers))
            parties.append(
                (i, i, "reporter", "居民", "x", phone_index(sealer, phone), False, False, opened)
            )
            sketches += [(b, i) for b in _bands(description)]
        yield {"cases": cases, "parties": parties, "case_sketches": sketches}


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


COLUMNS = {"cases": CASE_COLS, "parties": PARTY_COLS, "case_sketches": SKETCH_COLS}
SQLITE_PARAMS = 32_000  # bound parameters per statement (SQLite allows 32,766)


def _sqlite_insert(cur: Any, table: str, items: list[Any]) -> None:
    """Rows in multi-row INSERT statements of up to SQLITE_PARAMS parameters each."""
    cols = COLUMNS[table]
    width = len(cols.split(","))
    one = "(" + ", ".join("?" * width) + ")"
    per = SQLITE_PARAMS // width
    for at in range(0, len(items), per):
        part = items[at : at + per]
        values = [_sqlite_value(v) for r in part for v in r]
        cur.execute(f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([one] * len(part)), values)


def insert_rows(engine: Engine, batches: Iterator[dict[str, list[Any]]]) -> None:
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")  # seeding only
            cur.execute("PRAGMA cache_size=-1000000")  # 1 GB: the band keys' B-tree stays
        for batch in batches:
            if sqlite:
                cur.execute("BEGIN")
            for table, items in batch.items():
                if sqlite:
                    _sqlite_insert(cur, table, items)
                else:
                    cols = COLUMNS[table]
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for r in items:
                            copy.write_row(r)
            raw.commit()
        if not sqlite:
            for table in ("cases", "parties"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            raw.commit()
    finally:
        raw.close()


def hot_spots() -> list[tuple[float, float]]:
    rng = random.Random(3)
    return [(LAT0 + rng.random() * SPAN, LNG0 + rng.random() * SPAN) for _ in range(HOT_SPOTS)]


def seed(engine: Engine, n: int, sealer: Sealer) -> dict[str, Any]:
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
    with SqlStore(engine).transaction() as tx:
        sync_shipped(tx, SHIPPED, END)
    began = time.perf_counter()
    insert_rows(engine, rows(n, sealer, hot_spots()))
    if engine.dialect.name == "postgresql":
        # As autovacuum leaves a table that has settled: its visibility map set, so that the
        # band keys' index-only scans read no table pages.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        sketches = conn.execute(text("SELECT count(*) FROM case_sketches")).scalar_one()
    return {"seed_s": round(time.perf_counter() - began, 1), "sketch_rows": sketches}


def probes(count: int, n: int) -> list[Probe]:
    rng = random.Random(7)
    hot = hot_spots()
    out = []
    for k in range(count):
        kind = k % 3
        if kind == 0:  # at a hot spot: many cases within reach
            lat, lng = rng.choice(hot)
            lat, lng = lat + rng.gauss(0, 0.0002), lng + rng.gauss(0, 0.0002)
        else:
            lat, lng = LAT0 + rng.random() * SPAN, LNG0 + rng.random() * SPAN
        phone = phone_of(rng.randrange(max(1, int(n * (1 - CALLERS))))) if k % 2 else "13700000000"
        out.append(
            Probe(
                "grid_escalation",
                rng.choice(CATEGORIES),
                text_of(rng) + ("，请尽快处理" if kind == 2 else ""),
                lat,
                lng,
                phone,
            )
        )
    return out


def _percentile(ordered: list[float], q: float) -> float:
    return round(ordered[max(0, math.ceil(len(ordered) * q) - 1)], 2)


def _found(got: list[Suggestion]) -> list[list[Any]]:
    """What a probe was answered, to compare runs by: each case, in order, and its reasons."""
    return [
        [
            s.case.id,
            None if s.distance_m is None else round(s.distance_m, 3),
            None if s.text_score is None else round(s.text_score, 6),
            s.same_caller,
        ]
        for s in got
    ]


def server_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds each server process of the database has used, by process id: PostgreSQL
    on this machine (read in /proc); none elsewhere."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        out: dict[int, float] = {}
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                return {}  # another machine's server
            fields = stat.rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def measure(
    engine: Engine, n: int, count: int, sealer: Sealer
) -> tuple[dict[str, Any], dict[str, list[list[list[Any]]]]]:
    """The figures per user, and every probe's answer per user."""
    tree = UnitTree.build(units())
    clock = ManualClock(END)
    store = SqlStore(engine)
    registry = Registry(SHIPPED)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    cw = Casework(store, registry, service, clock, sealer)
    out: dict[str, Any] = {}
    answers: dict[str, list[list[list[Any]]]] = {}
    for who, role, unit in (("admin", "admin", None), ("supervisor", "supervisor", "s-3")):
        user = User(1, who, who, role, unit, [], scope=visibility_for(tree, role, unit, []))
        asked = probes(count + 50, n)
        for p in asked[:50]:
            suggest(cw, user, p)
        times, found, answered = [], [], []
        server = server_cpu(engine)
        cpu = time.process_time()
        for p in asked[50:]:
            began = time.perf_counter()
            got = suggest(cw, user, p)
            times.append((time.perf_counter() - began) * 1000)
            found.append(len(got))
            answered.append(_found(got))
        cpu = time.process_time() - cpu
        served = sum(t - server.get(pid, t) for pid, t in server_cpu(engine).items())
        times.sort()
        out[who] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": _percentile(times, 0.95),
            "p99_ms": _percentile(times, 0.99),
            "max_ms": round(times[-1], 2),
            "cpu_ms_per_probe": round(cpu * 1000 / len(times), 2),
            **({"server_cpu_ms_per_probe": round(served * 1000 / len(times), 2)} if server else {}),
            "suggested_mean": round(statistics.fmean(found), 2),
            "with_suggestions": sum(1 for f in found if f),
        }
        answers[who] = answered
    return out, answers


def migrate(engine: Engine, down_to: str | None) -> None:
    """This checkout's migrations: to the newest schema, or down to `down_to`."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if down_to:
            command.downgrade(cfg, down_to)
        else:
            command.upgrade(cfg, "head")


def seeded(engine: Engine) -> int:
    """How many cases a kept database holds (0 for a new one)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "cases"):
            return 0
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


def compare(kept: Path, answers: dict[str, list[list[list[Any]]]]) -> dict[str, Any]:
    """This run's answers against those kept by the first run on the same data (kept now if
    there are none)."""
    if not kept.exists():
        kept.write_text(json.dumps(answers))
        return {"suggestions_kept": str(kept)}
    before = json.loads(kept.read_text())
    differing = {
        who: sum(1 for a, b in zip(before.get(who, []), got, strict=False) if a != b)
        + abs(len(before.get(who, [])) - len(got))
        for who, got in answers.items()
    }
    return {"same_suggestions": not any(differing.values()), "differing_probes": differing}


def run(
    url: str, n: int, count: int, kept: Path | None = None, down_to: str | None = None
) -> dict[str, Any]:
    """Seed (unless a kept database holds the cases already) and measure."""
    sealer = Sealer.from_text(KEY)
    engine = make_engine(url)
    try:
        have = seeded(engine)
        if have and have != n:
            raise SystemExit(f"{url} holds {have:,} cases, not {n:,}: drop it or change --open")
        figures: dict[str, Any] = {}
        if not have:
            migrate(engine, None)
            figures.update(seed(engine, n, sealer))
        migrate(engine, down_to)
        with engine.begin() as conn:
            figures["schema"] = conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar_one()
        if count:  # none: seed only
            measured, answers = measure(engine, n, count, sealer)
            figures.update(measured)
            if kept is not None:
                figures.update(compare(kept, answers))
        return figures
    finally:
        engine.dispose()


@contextmanager
def kept_pg(url: str, name: str) -> Iterator[str]:
    """The PostgreSQL database `name` on the server of `url`, created if absent (kept)."""
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            there = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if there is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    yield f"{url.rsplit('/', 1)[0]}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=500_000)
    parser.add_argument("--probes", type=int, default=1000, help="0: seed only")
    parser.add_argument("--quick", action="store_true", help="5,000 open cases, 200 probes")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL ('' to skip)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="seed once, keep the databases")
    parser.add_argument("--sqlite-file", default="/tmp/fengqiao_bench_dup.db")
    parser.add_argument("--pg-name", default="fengqiao_bench_dup")
    parser.add_argument("--down-to", help="migrate a kept database down to this revision")
    args = parser.parse_args()
    if args.down_to and not args.keep:
        parser.error("--down-to needs --keep")
    n, count = (5_000, 200) if args.quick else (args.open, args.probes)
    result: dict[str, Any] = {"bench": "duplicates", "open": n, "probes": count}
    if not args.no_sqlite:
        if args.keep:
            path = Path(args.sqlite_file)
            kept = path.with_name(f"{path.name}.suggestions-{count}.json")
            result["sqlite"] = run(f"sqlite:///{path}", n, count, kept, args.down_to)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                result["sqlite"] = run(f"sqlite:///{Path(tmp) / 'duplicates.db'}", n, count)
    if args.pg:
        if args.keep:
            kept = Path(tempfile.gettempdir()) / f"{args.pg_name}.suggestions-{count}.json"
            with kept_pg(args.pg, args.pg_name) as url:
                result["postgres"] = run(url, n, count, kept, args.down_to)
        else:
            with database(args.pg) as url:
                result["postgres"] = run(url, n, count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
