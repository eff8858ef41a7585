"""Durable transitions per second through the engine service, against the raw-SQL ceiling.

Runs cases through the mediation workflow (intake → … → closed), one transaction per
transition, single writer. In the same run and on the same database it measures the ceiling:
hand-written SQL doing the least a durable transition needs (UPDATE with a version check +
INSERT of the event, one commit each, same durability settings). The two alternate in rounds
so machine noise hits both alike. The last stdout line is one JSON object.

    python bench/engine.py --quick
    python bench/engine.py --db postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.databases import database  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.model import Actor  # noqa: E402
from engine.registry import Registry, load_directory  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.migrate import upgrade  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402

OPEN_DATA = {"category": "family", "source": "walk_in", "description": "d", "notice_given": True}
PATH: list[tuple[str, dict[str, Any]]] = [
    ("register", {}),
    (
        "start_mediation",
        {
            "risk_level": "low",
            "in_scope": True,
            "organisation": "women",
            "mediator": "li",
            "domestic_violence": False,
            "crime_risk": False,
        },
    ),
    ("record_session", {"session_mode": "private"}),
    (
        "reach_agreement",
        {"agreement_form": "written", "agreement_terms": "t", "performance_deadline": "2026-12-31"},
    ),
    ("decline_confirmation", {}),
    ("record_visit", {"performance": "performed", "satisfaction": 5, "lingering_risk": False}),
    ("close_case", {}),
]
MEDIATOR = Actor("bench", "mediator")


class ServiceRunner:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.clock = ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
        registry = Registry(load_directory(ROOT / "definitions"))
        self.service = WorkflowService(SqlStore(self.engine), registry, self.clock)

    def run(self, cases: int, latencies: list[float]) -> int:
        ids = [
            self.service.open_case("mediation", MEDIATOR, OPEN_DATA).case.id for _ in range(cases)
        ]
        done = 0
        for action, data in PATH:
            for case_id in ids:
                self.clock.advance(timedelta(seconds=1))
                t0 = time.perf_counter()
                self.service.fire(case_id, action, MEDIATOR, data)
                latencies.append(time.perf_counter() - t0)
                done += 1
        return done

    def close(self) -> None:
        self.engine.dispose()


class RawRunner:
    """The ceiling: the two statements a durable, version-checked transition needs, written
    by hand on the driver, against the same tables and indexes the service uses."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=60000"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.p = "?"
        else:
            self.conn = psycopg.connect(url, autocommit=True)
            self.p = "%s"
        self.state: dict[int, tuple[str, int, dict[str, Any]]] = {}

    def _now(self) -> Any:
        now = datetime.now(UTC)
        return now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now

    def run(self, cases: int, latencies: list[float]) -> int:
        p = self.p
        ids = []
        for _ in range(cases):
            now = self._now()
            cur = self.conn.execute(
                "INSERT INTO cases (workflow, workflow_version, state, data, version, opened_at,"
                " updated_at, state_entered_at, last_seq, entered_seq, opened_by) VALUES"
                f" ('raw', 1, 'intake', {p}, 1, {p}, {p}, {p}, 1, 1, 'raw') RETURNING id",
                (json.dumps(OPEN_DATA), now, now, now),
            )
            case_id = int(cur.fetchone()[0])
            ids.append(case_id)
            self.state[case_id] = ("intake", 1, dict(OPEN_DATA))
        done = 0
        for seq, (action, data) in enumerate(PATH, start=2):
            for case_id in ids:
                state, version, values = self.state[case_id]
                values = {**values, **data}
                t0 = time.perf_counter()
                now = self._now()
                self.conn.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
                cur = self.conn.execute(
                    f"UPDATE cases SET state = {p}, version = {p}, data = {p}, updated_at = {p},"
                    f" last_seq = {p} WHERE id = {p} AND version = {p}",
                    (action, version + 1, json.dumps(values), now, seq, case_id, version),
                )
                assert cur.rowcount == 1
                self.conn.execute(
                    "INSERT INTO events (case_id, seq, at, actor, role, action, from_state,"
                    f" to_state, data, changes, case_version) VALUES ({p}, {p}, {p}, 'raw',"
                    f" 'mediator', {p}, {p}, {p}, {p}, '{{}}', {p})",
                    (case_id, seq, now, action, state, action, json.dumps(data), version + 1),
                )
                self.conn.execute("COMMIT")
                latencies.append(time.perf_counter() - t0)
                self.state[case_id] = (action, version + 1, values)
                done += 1
        return done

    def close(self) -> None:
        self.conn.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", help="PostgreSQL URL (a scratch database is created); default SQLite")
    ap.add_argument("--quick", action="store_true", help="a short run (under 30 s)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--cases", type=int, default=None, help="cases per round")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 6)
    cases = args.cases or (100 if args.quick else 300)
    with database(args.db) as url:
        svc, raw = ServiceRunner(url), RawRunner(url)
        svc_lat: list[float] = []
        raw_lat: list[float] = []
        svc_n = raw_n = 0
        svc_t = raw_t = svc_cpu = raw_cpu = 0.0
        svc.run(5, [])  # warm caches and compiled statements on both sides
        raw.run(5, [])
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            svc_n += svc.run(cases, svc_lat)
            svc_t += time.perf_counter() - t0
            svc_cpu += time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            raw_n += raw.run(cases, raw_lat)
            raw_t += time.perf_counter() - t0
            raw_cpu += time.process_time() - c0
        svc.close()
        raw.close()
    quantiles = statistics.quantiles(svc_lat, n=100)
    result = {
        "store": "sqlite" if url.startswith("sqlite") else "postgresql",
        "workflow": "mediation",
        "transitions": svc_n,
        "transitions_per_s": round(svc_n / svc_t, 1),
        "raw_sql_per_s": round(raw_n / raw_t, 1),
        "ratio": round((svc_n / svc_t) / (raw_n / raw_t), 3),
        "p50_ms": round(statistics.median(svc_lat) * 1000, 3),
        "p99_ms": round(quantiles[98] * 1000, 3),
        "raw_p50_ms": round(statistics.median(raw_lat) * 1000, 3),
        # CPU time of this process per transition (opening the cases included, both sides)
        "cpu_us": round(svc_cpu / svc_n * 1e6, 1),
        "raw_cpu_us": round(raw_cpu / raw_n * 1e6, 1),
        "load1": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
