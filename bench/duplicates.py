"""Duplicate suggestions against many open cases (engine.casework.duplicates.suggest).

Seeds `--open` open grid cases (500,000 by default) opened over the last 30 days across a
city of 1,000 grids (about 28 km × 28 km; a fifth of the cases in 200 hot spots of a few
dozen metres, where reports pile up), each with its point and map cell, its description's
text bands and a reporter whose phone is kept as its keyed hash (one caller in three
reports again). Then asks for suggestions through the use case, as an administrator (sees
everything) and as a street's supervisor (sees a tenth of the city), for `--probes` new
reports: near a hot spot, near an existing case, or anywhere, with a text close to an
existing one or new, with a caller known or not. p50, p99 and max in milliseconds after a
warm-up of 50; how many suggestions came back. The last stdout line is one JSON object.

    python bench/duplicates.py --quick
    python bench/duplicates.py                 # 500,000 open cases, SQLite and PostgreSQL
    python bench/duplicates.py --pg ''         # SQLite only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert, text  # noqa: E402

from bench.databases import database  # noqa: E402
from engine import duplicates as rules  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.duplicates import Probe, suggest  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.definitions import sync_shipped  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.parties import phone_index  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer, new_key_text  # noqa: E402
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
            sketches += [(b, i) for b in rules.bands("grid_escalation", rules.grams(description))]
        yield {"cases": cases, "parties": parties, "case_sketches": sketches}


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


COLUMNS = {"cases": CASE_COLS, "parties": PARTY_COLS, "case_sketches": SKETCH_COLS}


def insert_rows(engine: Engine, batches: Iterator[dict[str, list[Any]]]) -> None:
    sqlite = str(engine.url).startswith("sqlite")
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")  # seeding only
        for batch in batches:
            if sqlite:
                cur.execute("BEGIN")
            for table, items in batch.items():
                cols = COLUMNS[table]
                if sqlite:
                    marks = ", ".join("?" * len(cols.split(",")))
                    cur.executemany(
                        f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                        [tuple(_sqlite_value(v) for v in r) for r in items],
                    )
                else:
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
    with SqlStore(engine).transaction() as tx:
        sync_shipped(tx, SHIPPED, END)
    began = time.perf_counter()
    insert_rows(engine, rows(n, sealer, hot_spots()))
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


def measure(engine: Engine, n: int, count: int, sealer: Sealer) -> dict[str, Any]:
    tree = UnitTree.build(units())
    clock = ManualClock(END)
    store = SqlStore(engine)
    registry = Registry(SHIPPED)
    service = WorkflowService(store, registry, clock, WorkCalendar())
    cw = Casework(store, registry, service, clock, sealer)
    out: dict[str, Any] = {}
    for who, role, unit in (("admin", "admin", None), ("supervisor", "supervisor", "s-3")):
        user = User(1, who, who, role, unit, [], scope=visibility_for(tree, role, unit, []))
        asked = probes(count + 50, n)
        for p in asked[:50]:
            suggest(cw, user, p)
        times, found = [], []
        for p in asked[50:]:
            began = time.perf_counter()
            got = suggest(cw, user, p)
            times.append((time.perf_counter() - began) * 1000)
            found.append(len(got))
        times.sort()
        out[who] = {
            "p50_ms": round(statistics.median(times), 2),
            "p99_ms": round(times[max(0, math.ceil(len(times) * 0.99) - 1)], 2),
            "max_ms": round(times[-1], 2),
            "suggested_mean": round(statistics.fmean(found), 2),
            "with_suggestions": sum(1 for f in found if f),
        }
    return out


def run(url: str, n: int, count: int) -> dict[str, Any]:
    sealer = Sealer.from_text(new_key_text())
    engine = make_engine(url)
    try:
        seeded = seed(engine, n, sealer)
        return {**seeded, **measure(engine, n, count, sealer)}
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=500_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="5,000 open cases, 200 probes")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL ('' to skip)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    n, count = (5_000, 200) if args.quick else (args.open, args.probes)
    result: dict[str, Any] = {"bench": "duplicates", "open": n, "probes": count}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            result["sqlite"] = run(f"sqlite:///{Path(tmp) / 'duplicates.db'}", n, count)
    if args.pg:
        with database(args.pg) as url:
            result["postgres"] = run(url, n, count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
