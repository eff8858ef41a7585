"""Due timers fired per second by the sweeper, with a million timers pending.

Seeds grid cases waiting for a community to sign for them: each has a sign-for deadline and
its reminder, so every due deadline is a real escalation (transition, history event, timers
re-armed, notifications) and every due reminder a notification. A share of them is due; the
rest falls due a month later and only weighs on the due query. Cases are copies of one case
made through the service (engine.store.bulk), inserted in bulk.

Measures, on SQLite (one sweeper: SQLite has one writer) and on PostgreSQL (1 and 4 sweeper
processes, each claiming disjoint batches with FOR UPDATE SKIP LOCKED, from the same seeded
database copied with CREATE DATABASE … TEMPLATE): timers fired per second from the moment
all sweepers are ready to the last commit (and per CPU second the sweepers spent in that
time: `cpu_s`, `timers_per_cpu_s`, which a shared machine's load does not skew), the due
query's median time with every timer pending, and each process's peak memory. The last
stdout line is one JSON object.

The recurring scenario (`--scenario recurring`) seeds project supervision cases instead
(definitions/project_supervision.yaml), each with its two case-level recurring timers (a
progress report every half month, a summary every half year), and sweeps a month later, as
after a month without a sweeper: every half month that ended meanwhile is fired, each
occurrence arming the next (already past due, so fired by a later batch), each with its
own lateness. Its figure is occurrences fired per second.

    python bench/timers.py --quick
    python bench/timers.py                      # 1,000,000 timers, 10 % due
    python bench/timers.py --pg ''              # SQLite only
    python bench/timers.py --scenario recurring --timers 1000000   # a month of occurrences
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.databases import pg_reachable  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.model import Actor  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store import definitions as stored  # noqa: E402
from engine.store.bulk import clone_case  # noqa: E402
from engine.store.db import make_engine, normalise_url  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402
from workflows.sweeping import drain  # noqa: E402

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Beijing
NOW = START + timedelta(hours=3)  # every unshifted sign-for deadline and reminder is due
LATER = timedelta(days=30)
TIMERS_PER_CASE = 2
BATCH = 500
GRID = Actor("zhao.grid", "grid_member")
OWNER = Actor("zhang.fulian", "org_admin")
PROJECT = {
    "project_name": "婚姻家庭纠纷调解项目",
    "service_area": "legal_advice",
    "project_owner": "区妇联权益部",
    "deliverables": ["每月两次法律咨询"],
    "start_date": "2026-11-23",
    "end_date": "2027-11-22",
}
# The recurring scenario's sweep: a month after the start, two half months have ended
# (30 November, 15 December); the next (31 December) and the half year are not due.
RECURRING_NOW = START + timedelta(days=30)
RECURRING_PER_CASE = 2  # pending recurring timers per case
OCCURRENCES_PER_CASE = 2  # fired per case by the month's sweep
REPORT = {
    "grid_unit": "g-1",
    "location": "和平里3号楼",
    "category": "sanitation",
    "severity": "yellow",
    "description": "垃圾堆放",
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- seeding -----------------------------------------------------------------------------
def seed(url: str, timers: int, due: int) -> dict[str, float]:
    """`timers` pending timers of which `due` are due at NOW."""
    engine = make_engine(url)
    upgrade(engine)
    store = SqlStore(engine)
    shipped = load_directory(ROOT / "definitions")
    with store.transaction() as tx:
        stored.sync_shipped(tx, shipped, START)
    service = WorkflowService(store, Registry(shipped), ManualClock(START), WorkCalendar())
    template = service.open_case("grid_escalation", GRID, {}, grid_unit="g-1").case
    service.fire(template.id, "report", GRID, REPORT)
    began = time.perf_counter()
    due_cases = due // TIMERS_PER_CASE
    clone_case(store, template.id, due_cases - 1)
    clone_case(store, template.id, (timers - due) // TIMERS_PER_CASE, shift=LATER)
    seconds = time.perf_counter() - began
    with engine.begin() as conn:
        # Statistics, as autovacuum would gather them after such an insert: without them
        # PostgreSQL reads every due timer and sorts them instead of walking the index.
        conn.execute(text("ANALYZE"))
    with store.transaction(write=False) as tx:
        timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            tx.claim_due_timers(NOW, BATCH)
            timings.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {
        "seed_s": round(seconds, 2),
        "seed_rows_per_s": round(timers * 2.5 / seconds),  # timers + cases + 2 events a case
        "due_query_ms": round(statistics.median(timings), 2),
    }


def seed_recurring(url: str, timers: int) -> dict[str, float]:
    """Project cases holding `timers` pending recurring timers (two a case)."""
    engine = make_engine(url)
    upgrade(engine)
    store = SqlStore(engine)
    shipped = load_directory(ROOT / "definitions")
    with store.transaction() as tx:
        stored.sync_shipped(tx, shipped, START)
    service = WorkflowService(store, Registry(shipped), ManualClock(START), WorkCalendar())
    template = service.open_case("project_supervision", OWNER, PROJECT).case
    assert len(service.pending_timers(template.id)) == RECURRING_PER_CASE
    began = time.perf_counter()
    clone_case(store, template.id, timers // RECURRING_PER_CASE - 1)
    seconds = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"seed_s": round(seconds, 2)}


# -- sweeper processes ---------------------------------------------------------------------
def sweeper(url: str, now: datetime = NOW) -> None:
    """One sweeper process: get ready, wait for "go" on stdin, sweep all, print a report."""
    engine = make_engine(url)
    store = SqlStore(engine)
    with store.transaction(write=False) as tx:
        published = stored.published(tx)
    service = WorkflowService(store, Registry(published), ManualClock(now), WorkCalendar())
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.time()
    cpu = time.process_time()
    report = drain(lambda: service.fire_due_timers(limit=BATCH))
    cpu = time.process_time() - cpu
    ended = time.time()
    result = {
        "began": began,
        "ended": ended,
        "cpu_s": round(cpu, 3),
        "claimed": report.claimed,
        "fired": report.fired,
        "reminded": report.reminded,
        "errors": len(report.errors),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(json.dumps(result), flush=True)
    engine.dispose()


def sweep(url: str, processes: int, now: datetime = NOW) -> dict[str, Any]:
    """Fire every due timer with `processes` sweeper processes started together."""
    command = [sys.executable, __file__, "sweeper", url, now.isoformat()]
    with ExitStack() as stack:
        procs = [
            stack.enter_context(
                subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
                )
            )
            for _ in range(processes)
        ]
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        reports = [json.loads(p.communicate(timeout=3600)[0].splitlines()[-1]) for p in procs]
    claimed = sum(r["claimed"] for r in reports)
    seconds = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    cpu = sum(r["cpu_s"] for r in reports)
    return {
        "processes": processes,
        "timers_fired": claimed,
        "escalations": sum(r["fired"] for r in reports),
        "reminders": sum(r["reminded"] for r in reports),
        "errors": sum(r["errors"] for r in reports),
        "seconds": round(seconds, 2),
        "timers_per_s": round(claimed / seconds),
        "cpu_s": round(cpu, 2),
        "timers_per_cpu_s": round(claimed / cpu) if cpu else None,
        "per_process": [r["claimed"] for r in reports],
        "sweeper_peak_rss_mb": max(r["peak_rss_mb"] for r in reports),
    }


# -- databases -----------------------------------------------------------------------------
def sqlite_run(timers: int, due: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'timers.db'}"
        seeded = seed(url, timers, due)
        result = {**seeded, "one_sweeper": sweep(url, 1)}
        result["db_mb"] = round(sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20, 1)
        return result


def pg_run(base: str, timers: int, due: int) -> dict[str, Any]:
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    names = [f"fq_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    root = base.rsplit("/", 1)[0]
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{names[0]}"'))
        seeded = seed(f"{root}/{names[0]}", timers, due)
        with admin.connect() as conn:  # the same seeded database for the second run
            conn.execute(text(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"'))
        one = sweep(f"{root}/{names[0]}", 1)
        four = sweep(f"{root}/{names[1]}", 4)
        return {
            **seeded,
            "one_sweeper": one,
            "four_sweepers": four,
            "ratio_4_to_1": round(four["timers_per_s"] / one["timers_per_s"], 2),
        }
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def recurring_run(timers: int) -> dict[str, Any]:
    """The recurring scenario on SQLite: a month of occurrences fired by one sweeper."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'recurring.db'}"
        seeded = seed_recurring(url, timers)
        one = sweep(url, 1, RECURRING_NOW)
        cases = timers // RECURRING_PER_CASE
        assert one["escalations"] == cases * OCCURRENCES_PER_CASE, one
        with SqlStore(make_engine(url)).transaction(write=False) as tx:
            armed = tx.timers(1, pending_only=True)
        return {
            **seeded,
            "cases": cases,
            "occurrences_fired": one["escalations"],
            "one_sweeper": one,
            "occurrences_per_s": one["timers_per_s"],
            "next_armed": sorted((t.name, t.occurrence) for t in armed),
            "db_mb": round(sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20, 1),
        }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50,000 timers, 20 %% due: under 30 s")
    ap.add_argument("--timers", type=int, help="pending timers (default 1,000,000)")
    ap.add_argument("--due", type=float, help="share of them due (default 0.1)")
    ap.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to create the bench databases on ('' for none)",
    )
    ap.add_argument(
        "--scenario",
        choices=("escalation", "recurring"),
        default="escalation",
        help="grid escalations (default), or a month of recurring timers' occurrences",
    )
    args = ap.parse_args(argv)
    timers = args.timers or (50_000 if args.quick else 1_000_000)
    if args.scenario == "recurring":
        out: dict[str, Any] = {
            "bench": "timers",
            "scenario": "recurring",
            "recurring_timers": timers,
            "batch": BATCH,
            "cpus": os.cpu_count(),
            "sqlite": recurring_run(timers),
        }
        out["occurrences_per_s"] = out["sqlite"]["occurrences_per_s"]
        out["cpu_s"] = out["sqlite"]["one_sweeper"]["cpu_s"]
        out["occurrences_per_cpu_s"] = out["sqlite"]["one_sweeper"]["timers_per_cpu_s"]
        out["bench_peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(out))
        return out
    share = args.due or (0.2 if args.quick else 0.1)
    due = int(timers * share) // TIMERS_PER_CASE * TIMERS_PER_CASE
    result: dict[str, Any] = {
        "bench": "timers",
        "timers": timers,
        "due": due,
        "batch": BATCH,
        "cpus": os.cpu_count(),
        "sqlite": sqlite_run(timers, due),
    }
    if args.pg and pg_reachable(args.pg):
        result["postgresql"] = pg_run(args.pg, timers, due)
    else:
        result["postgresql"] = None
    result["timers_per_s"] = result["sqlite"]["one_sweeper"]["timers_per_s"]
    result["cpu_s"] = result["sqlite"]["one_sweeper"]["cpu_s"]
    result["timers_per_cpu_s"] = result["sqlite"]["one_sweeper"]["timers_per_cpu_s"]
    result["bench_peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "sweeper":
        sweeper(sys.argv[2], datetime.fromisoformat(sys.argv[3]))
    else:
        main()
