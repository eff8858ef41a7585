"""Importing a district: a unit tree of 5,000 units and 20,000 users from CSV (or .xlsx),
through the use cases (engine.casework.directory_import), on a fresh database.

Times, in seconds: reading and checking each file (the preview), importing it (the apply:
checked again, written in one transaction with its audit entry), and importing it again
(everything unchanged). The last stdout line is one JSON object.

    python -m bench.directory_import                   # SQLite, CSV
    python -m bench.directory_import --format xlsx
    python -m bench.directory_import --db postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import io
import json
import time
from typing import Any

from bench.databases import database
from bench.trees import big_tree, users_for
from engine.casework import directory_import
from engine.casework.identity import User
from engine.directory_rows import UNIT_COLUMNS, USER_COLUMNS, unit_cells, user_cells
from engine.sheets import csv_chunks, write_xlsx
from engine.visibility import Visibility

ADMIN = User(
    id=0,
    username="bench",
    display_name="bench",
    role="admin",
    unit=None,
    grid_units=[],
    scope=Visibility(everything=True),
)


def files(units: int, users: int, fmt: str) -> dict[str, bytes]:
    tree = big_tree(units)
    people = users_for(tree, users)
    tables = {
        "units": ([c.zh for c in UNIT_COLUMNS], [unit_cells(u) for u in tree]),
        "users": ([c.zh for c in USER_COLUMNS], [user_cells(u) for u in people]),
    }
    out: dict[str, bytes] = {}
    for what, (header, rows) in tables.items():
        if fmt == "csv":
            out[what] = b"".join(csv_chunks(header, rows))
        else:
            buffer = io.BytesIO()
            write_xlsx(buffer, header, rows, what)
            out[what] = buffer.getvalue()
    return out


def measure(url: str, units: int, users: int, fmt: str) -> dict[str, Any]:
    from fengqiao.context import build
    from fengqiao.settings import Settings

    data = files(units, users, fmt)
    ctx = build(Settings(database_url=url))
    result: dict[str, Any] = {
        "bench": "directory_import",
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "format": fmt,
        "units": units,
        "users": users,
        "bytes": {k: len(v) for k, v in data.items()},
    }
    try:
        for what in ("units", "users"):
            raw = data[what]
            name = f"{what}.{fmt}"
            t0 = time.perf_counter()
            report = directory_import.preview(ctx.cw, ADMIN, what, io.BytesIO(raw), name)
            t1 = time.perf_counter()
            assert report.clean and report.created == report.rows, report.problems[:5]
            done = directory_import.apply(ctx.cw, ADMIN, what, io.BytesIO(raw), name)
            t2 = time.perf_counter()
            assert done.created == done.rows
            again = directory_import.apply(ctx.cw, ADMIN, what, io.BytesIO(raw), name)
            t3 = time.perf_counter()
            assert again.unchanged == again.rows
            result[f"{what}_s"] = {
                "preview_s": round(t1 - t0, 2),
                "apply_s": round(t2 - t1, 2),
                "again_s": round(t3 - t2, 2),
            }
    finally:
        ctx.close()
    for step in ("preview_s", "apply_s"):
        result[step] = round(result["units_s"][step] + result["users_s"][step], 2)
    return result


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", help="a PostgreSQL server's URL (default: a temporary SQLite file)")
    p.add_argument("--units", type=int, default=5000)
    p.add_argument("--users", type=int, default=20_000)
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = p.parse_args()
    with database(args.db) as url:
        result = measure(url, args.units, args.users, args.format)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
