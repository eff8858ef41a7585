#!/usr/bin/env python3
"""Exporting a long case list: rows per second and peak memory at two sizes.

Seeds 100,000 open mediation cases (by default) on SQLite and PostgreSQL: a few cases moved
through the service to different states (with their deadlines), copied in bulk
(engine.store.bulk). Then, through the use case (engine.casework.exports.export_cases), as
the organisation's admin (the visibility filter in the SQL), writes the CSV and the .xlsx of
every open case, first with `--small` cases in the database, then after it grew to `--large`,
consuming the chunks as a response would. Measured per size and format: rows per
second (without tracing), and the peak of Python's allocations while exporting
(tracemalloc, a run of its own): flat memory means the peak does not grow with the rows.
The last stdout line is one JSON object.

    python bench/export.py --quick             # 1,000 and 10,000 cases
    python bench/export.py                     # 10,000 and 100,000 cases
    python bench/export.py --pg ''             # SQLite only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.databases import database, pg_reachable  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.exports import export_cases  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.model import Actor  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store import definitions as stored  # noqa: E402
from engine.store.bulk import clone_case  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.queries import CaseFilter  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer, new_key_text  # noqa: E402
from engine.store.units import save_units  # noqa: E402
from engine.units import UnitRecord, UnitTree  # noqa: E402
from engine.visibility import visibility_for  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
MEDIATOR = Actor("mediator", "mediator")
UNITS = (
    UnitRecord("d1", "东城区", "East District", "district"),
    UnitRecord("union", "区总工会", "Trade union", "organisation", "d1"),
    UnitRecord("women", "区妇联", "Women's federation", "organisation", "d1"),
)
TREE = UnitTree.build(UNITS)
INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "婆媳纠纷",
    "notice_given": True,
}
ASSESS = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
# Templates: a case in each of these states (the steps from intake).
PATHS: tuple[tuple[tuple[str, dict[str, Any]], ...], ...] = (
    (),
    (("register", {}),),
    (("register", {}), ("start_mediation", ASSESS)),
)
ADMIN = User(
    1,
    "org_admin",
    "org_admin",
    "org_admin",
    "union",
    [],
    scope=visibility_for(TREE, "org_admin", "union", ()),
)


def casework(url: str) -> Casework:
    store = SqlStore(make_engine(url))
    shipped = load_directory(ROOT / "definitions")
    clock = ManualClock(START)
    service = WorkflowService(store, Registry(shipped), clock, WorkCalendar())
    return Casework(store, service.registry, service, clock, Sealer.from_text(new_key_text()))


def prepare(url: str) -> Casework:
    upgrade(make_engine(url))
    cw = casework(url)
    with cw.store.transaction() as tx:
        stored.sync_shipped(tx, list(cw.registry.all_latest()), START)
        save_units(tx, list(UNITS))
    return cw


def grow(cw: Casework, total: int) -> float:
    """Add cases until there are `total` (a third per template state); seconds taken."""
    with cw.store.transaction(write=False) as tx:
        have = int(tx.conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
    began = time.perf_counter()
    missing = total - have
    for i, steps in enumerate(PATHS):
        share = missing // len(PATHS) + (missing % len(PATHS) if i == 0 else 0)
        if share <= 0:
            continue
        template = cw.service.open_case("mediation", MEDIATOR, INTAKE, org_unit="union").case
        for action, values in steps:
            cw.service.fire(template.id, action, MEDIATOR, values)
        if share > 1:
            clone_case(cw.store, template.id, share - 1)
    with cw.store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - began


def export_once(cw: Casework, fmt: str) -> tuple[int, int]:
    """Rows exported and bytes written."""
    export = export_cases(cw, ADMIN, TREE, CaseFilter(open_only=True), fmt=fmt, lang="zh")
    size = sum(len(chunk) for chunk in export.chunks(fmt))
    return export.total, size


def measure(cw: Casework) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fmt in ("csv", "xlsx"):
        began = time.perf_counter()
        rows, size = export_once(cw, fmt)
        seconds = time.perf_counter() - began
        tracemalloc.start()
        export_once(cw, fmt)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[fmt] = {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "mb": round(size / 2**20, 1),
            "peak_alloc_mb": round(peak / 2**20, 1),
        }
    return out


def run(url: str, small: int, large: int) -> dict[str, Any]:
    cw = prepare(url)
    try:
        seed_small = grow(cw, small)
        at_small = measure(cw)
        seed_large = grow(cw, large)
        at_large = measure(cw)
    finally:
        cw.close()
    ratios = {
        fmt: {
            "rows": round(at_large[fmt]["rows"] / at_small[fmt]["rows"], 1),
            "peak_alloc": round(at_large[fmt]["peak_alloc_mb"] / at_small[fmt]["peak_alloc_mb"], 2),
        }
        for fmt in ("csv", "xlsx")
    }
    return {
        "seed_s": round(seed_small + seed_large, 1),
        "small": at_small,
        "large": at_large,
        "large_over_small": ratios,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 cases")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL ('' to skip)",
    )
    args = parser.parse_args()
    small, large = (1_000, 10_000) if args.quick else (args.small, args.large)
    result: dict[str, Any] = {"bench": "export", "small": small, "large": large}
    with database(None) as url:
        result["sqlite"] = run(url, small, large)
    if args.pg and pg_reachable(args.pg):
        with database(args.pg) as url:
            result["postgresql"] = run(url, small, large)
    else:
        result["postgresql"] = None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
