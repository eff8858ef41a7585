"""Whether two versions of the code migrate the same way: the rows a plan, preview and apply
write (verdicts, cases, events, timers, audit entries) compared, row by row, between this
tree and another (a checkout of an earlier commit).

Seeds one database (bench/migrate.py's seeding: open mediation cases over every open state)
and varies it so that every verdict occurs: cases whose data names a field no version
declares (refused, bad data), cases lacking a field the target requires (refused, missing
field), closed cases, cases that entered their state at other moments (earlier, some
overdue once moved, later). Each tree then migrates its own copy of it, in a process of its
own, at the same fixed moment; the rows are dumped and compared. Exits 1 when they differ.

    python bench/migrate_same.py --against /tmp/previous            # SQLite
    python bench/migrate_same.py --against /tmp/previous --pg postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("FENGQIAO_CODE") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.databases import database  # noqa: E402
from bench.migrate import migrate, seed  # noqa: E402
from engine.store.db import make_engine  # noqa: E402

CASES = 800
# What each table's rows are compared on: every column, in a fixed order.
DUMPS = {
    "migration_cases": "SELECT * FROM migration_cases ORDER BY run_id, case_id",
    "cases": "SELECT * FROM cases ORDER BY id",
    "events": "SELECT * FROM events ORDER BY id",
    "timers": "SELECT * FROM timers ORDER BY id",
    "audit_log": "SELECT * FROM audit_log WHERE action LIKE '%migrat%' ORDER BY id",
    "migration_runs": "SELECT * FROM migration_runs ORDER BY id",
}


def vary(url: str) -> None:
    """Make the seeded cases differ: every verdict, and entry moments of several kinds."""
    engine = make_engine(url)
    json_set = "json_set(data, '$.{k}', {v})" if url.startswith("sqlite") else None
    with engine.begin() as conn:

        def set_field(where: str, key: str, value: str) -> None:
            if json_set is not None:
                expr = json_set.format(k=key, v=value)
            else:
                expr = f"data || jsonb_build_object('{key}', {value})"
            conn.execute(text(f"UPDATE cases SET data = {expr} WHERE {where}"))

        set_field("id % 37 = 0", "undeclared_field", "'x'")  # bad data
        set_field("id % 41 = 0", "category", "'nothing such'")  # bad data (choice)
        conn.execute(  # entered earlier: overdue once moved
            text(
                "UPDATE cases SET state_entered_at = '2026-10-01 01:00:00.000000' WHERE id % 5 = 1"
            )
            if url.startswith("sqlite")
            else text(
                "UPDATE cases SET state_entered_at = state_entered_at - interval '40 days'"
                " WHERE id % 5 = 1"
            )
        )
        conn.execute(
            text(
                "UPDATE cases SET state_entered_at = '2026-11-20 03:30:00.000000' WHERE id % 7 = 2"
            )
            if url.startswith("sqlite")
            else text(
                "UPDATE cases SET state_entered_at = state_entered_at + interval '18 days'"
                " WHERE id % 7 = 2"
            )
        )
        conn.execute(text("UPDATE cases SET closed_at = state_entered_at WHERE id % 53 = 0"))
    engine.dispose()


def dump(url: str) -> dict[str, list[list[Any]]]:
    engine = make_engine(url)
    out: dict[str, list[list[Any]]] = {}
    with engine.connect() as conn:
        for table, sql in DUMPS.items():
            out[table] = [[str(v) for v in row] for row in conn.execute(text(sql))]
    engine.dispose()
    return out


def run_tree(root: Path, url: str) -> dict[str, list[list[Any]]]:
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "run", url],
        cwd=root,
        env={**os.environ, "FENGQIAO_CODE": str(root), "PYTHONPATH": str(root)},
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return dump(url)


def compare(a: dict[str, list[list[Any]]], b: dict[str, list[list[Any]]]) -> list[str]:
    differences = []
    for table in DUMPS:
        if a[table] != b[table]:
            first = next(
                (i for i, (x, y) in enumerate(zip(a[table], b[table], strict=False)) if x != y),
                min(len(a[table]), len(b[table])),
            )
            differences.append(
                f"{table}: {len(a[table])} rows and {len(b[table])}, first difference at row"
                f" {first}"
            )
    return differences


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--against", required=True, help="the other tree (an earlier checkout)")
    ap.add_argument("--pg", default="", help="a PostgreSQL server to compare on as well")
    ap.add_argument("--cases", type=int, default=CASES)
    args = ap.parse_args(argv)
    other = Path(args.against).resolve()
    report: dict[str, Any] = {"bench": "migrate_same", "cases": args.cases}
    with tempfile.TemporaryDirectory() as tmp:
        seeded = f"{tmp}/seeded.db"
        seed(f"sqlite:///{seeded}", args.cases)
        vary(f"sqlite:///{seeded}")
        dumps = []
        for name, root in (("this", ROOT), ("other", other)):
            shutil.copy(seeded, f"{tmp}/{name}.db")
            dumps.append(run_tree(root, f"sqlite:///{tmp}/{name}.db"))
        report["sqlite"] = {"rows": {t: len(r) for t, r in dumps[0].items()}}
        report["sqlite"]["differences"] = compare(*dumps)
    if args.pg:
        dumps = []
        for root in (ROOT, other):
            with database(args.pg) as url:
                seed(url, args.cases)
                vary(url)
                dumps.append(run_tree(root, url))
        report["postgresql"] = {"rows": {t: len(r) for t, r in dumps[0].items()}}
        report["postgresql"]["differences"] = compare(*dumps)
    print(json.dumps(report))
    same = not any(report[k]["differences"] for k in ("sqlite", "postgresql") if k in report)
    return 0 if same else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        migrate(sys.argv[2])
    else:
        sys.exit(main())
