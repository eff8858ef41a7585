"""Migrating running cases: the preview and the apply of a run, per second, and their memory.

Seeds open mediation cases spread over every open state of the shipped version (one case per
state made through the service, then copied in bulk by engine.store.bulk), publishes the next
version, which shortens
the judicial-confirmation window, and runs, in a process of its own per size, what
`fengqiao migrate` runs: plan, preview every case, apply every movable case (batches of
engine.casework.migration.BATCH, each case all or nothing). Reports the cases previewed and moved
per second (of wall-clock time, and of the process's CPU time: on a shared machine the
first depends on the load) and the process's peak RSS at two sizes: flat memory means about
the same peak at both. The last stdout line is one JSON object.

    python bench/migrate.py --quick
    python bench/migrate.py                      # 10,000 and 100,000 cases
    python bench/migrate.py --pg ''              # SQLite only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.databases import database, pg_reachable  # noqa: E402
from engine.casework import migration  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.casework.publishing import with_version  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.loader import parse_definition  # noqa: E402
from engine.model import Actor  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store import definitions as stored  # noqa: E402
from engine.store.bulk import clone_case  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer, new_key_text  # noqa: E402
from engine.visibility import Visibility  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402

START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Beijing
NOW = START + timedelta(days=21)
MEDIATOR = Actor("li.ming", "mediator")
ADMIN = User(1, "bench", "bench", "admin", None, [], scope=Visibility(everything=True))
INTAKE = {"category": "family", "source": "walk_in", "description": "d", "notice_given": True}
ASSESSED = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "li.ming",
    "domestic_violence": False,
    "crime_risk": False,
}
AGREED = {"agreement_form": "written", "agreement_terms": "t", "performance_deadline": "2026-12-20"}
# The steps to each open state of the shipped mediation, from intake.
TO_STATE: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "intake": [],
    "assessment": [("register", {})],
    "mediation": [("register", {}), ("start_mediation", ASSESSED)],
    "agreement": [("register", {}), ("start_mediation", ASSESSED), ("reach_agreement", AGREED)],
    "failed": [
        ("register", {}),
        ("start_mediation", ASSESSED),
        ("terminate", {"termination_reason": "no_agreement"}),
    ],
    "police_reported": [
        ("register", {}),
        ("report_police", {"police_report_ref": "110", "domestic_violence": True}),
    ],
    "follow_up": [
        ("register", {}),
        ("start_mediation", ASSESSED),
        ("reach_agreement", AGREED),
        ("decline_confirmation", {}),
    ],
    "visit_done": [
        ("register", {}),
        ("start_mediation", ASSESSED),
        ("reach_agreement", AGREED),
        ("decline_confirmation", {}),
        ("record_visit", {"performance": "performed", "satisfaction": 5, "lingering_risk": False}),
    ],
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(url: str, cases: int) -> dict[str, float]:
    """`cases` open mediation cases on the shipped version, spread evenly over its open
    states; the next version published."""
    engine = make_engine(url)
    upgrade(engine)
    store = SqlStore(engine)
    shipped = load_directory(ROOT / "definitions")
    with store.transaction() as tx:
        stored.sync_shipped(tx, shipped, START)
    service = WorkflowService(store, Registry(shipped), ManualClock(START), WorkCalendar())
    began = time.perf_counter()
    per_state = cases // len(TO_STATE)
    for i, steps in enumerate(TO_STATE.values()):
        template = service.open_case("mediation", MEDIATOR, INTAKE, org_unit="union").case
        for action, values in steps:
            service.fire(template.id, action, MEDIATOR, values)
        copies = per_state - 1 if i else cases - per_state * (len(TO_STATE) - 1) - 1
        clone_case(store, template.id, copies)
    seconds = time.perf_counter() - began
    old = service.registry.latest("mediation")
    new = old.version + 1
    source = with_version(old.source, new)
    source = source.replace("        after: 30 days\n", "        after: 15 days\n", 1)
    with store.transaction() as tx:
        stored.save(tx, parse_definition(source, file=f"mediation@v{new}"), "bench", START)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"seed_s": round(seconds, 2)}


def migrate(url: str) -> None:
    """One process: plan, preview and apply mediation from the shipped version to the next
    (the latest published); print a JSON report."""
    engine = make_engine(url)
    store = SqlStore(engine)
    with store.transaction(write=False) as tx:
        published = stored.published(tx)
    clock = ManualClock(NOW)
    service = WorkflowService(store, Registry(published), clock, WorkCalendar())
    cw = Casework(store, service.registry, service, clock, Sealer.from_text(new_key_text()))
    new = service.registry.latest("mediation").version
    request = migration.PlanRequest("mediation", new - 1, new, "shorter confirmation window")
    run = migration.plan(cw, ADMIN, request)
    began, cpu = time.perf_counter(), time.process_time()
    run = migration.preview(cw, ADMIN, run.id)
    preview_s = time.perf_counter() - began
    preview_cpu = time.process_time() - cpu
    cpu = time.process_time()
    report = migration.apply(cw, ADMIN, run.id, confirm=True)
    apply_cpu = time.process_time() - cpu
    result = {
        "cases": run.total,
        "movable": run.movable,
        "preview_s": round(preview_s, 2),
        "preview_per_s": round(run.total / preview_s),
        "preview_per_cpu_s": round(run.total / preview_cpu),
        "moved": report.moved,
        "failed": report.failed,
        "apply_s": round(report.seconds, 2),
        "apply_per_s": round(report.moved / report.seconds),
        "apply_per_cpu_s": round(report.moved / apply_cpu),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(json.dumps(result), flush=True)
    engine.dispose()


def measure(url: str, cases: int) -> dict[str, Any]:
    seeded = seed(url, cases)
    out = subprocess.run(
        [sys.executable, __file__, "migrate", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return {**seeded, **json.loads(out.stdout.strip().splitlines()[-1])}


def sqlite_run(cases: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite:///{Path(tmp) / 'migrate.db'}", cases)


def pg_run(base: str, cases: int) -> dict[str, Any]:
    with database(base) as url:
        return measure(url, cases)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 and 8,000 cases: seconds")
    ap.add_argument("--cases", type=int, help="the larger size (default 100,000)")
    ap.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to create the bench databases on ('' for none)",
    )
    args = ap.parse_args(argv)
    large = args.cases or (8_000 if args.quick else 100_000)
    small = max(len(TO_STATE), large // 10 if not args.quick else large // 4)
    result: dict[str, Any] = {
        "bench": "migrate",
        "batch": migration.BATCH,
        "cpus": os.cpu_count(),
        "sqlite": {"small": sqlite_run(small), "large": sqlite_run(large)},
    }
    if args.pg and pg_reachable(args.pg):
        result["postgresql"] = {"small": pg_run(args.pg, small), "large": pg_run(args.pg, large)}
    else:
        result["postgresql"] = None
    big = result["sqlite"]["large"]
    result["preview_per_s"] = big["preview_per_s"]
    result["apply_per_s"] = big["apply_per_s"]
    result["rss_growth_mb"] = round(
        big["peak_rss_mb"] - result["sqlite"]["small"]["peak_rss_mb"], 1
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "migrate":
        migrate(sys.argv[2])
    else:
        main()
