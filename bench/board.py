"""The overdue board, the workroom queue by urgency and 催办 over a large history.

Seeds the same history as bench/rates.py (1,000,000 closed and 100,000 open cases with their
events and timers, bulk-inserted; most open grid cases are past their handling deadline), then
times, through the use cases, as an admin (sees everything) and as the district's supervisor
(the visibility filter over 1,116 units): the board's first page (50 most urgent cases, with
the total), the board of one street, the board's 20th page, an organisation admin's workroom
queue sorted by urgency, and urging 50 cases at once. The median of five runs after one
warm-up, and the first (cold) run. The last stdout line is one JSON object.

    python bench/board.py --quick
    python bench/board.py                      # 1,000,000 closed + 100,000 open cases
    python bench/board.py --pg ''              # SQLite only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from bench.databases import database  # noqa: E402
from bench.rates import END, SHIPPED, prepared, timed, units  # noqa: E402
from engine.casework.board import BoardQuery, overdue_board  # noqa: E402
from engine.casework.cases import CaseFilter, list_cases  # noqa: E402
from engine.casework.context import Casework  # noqa: E402
from engine.casework.identity import User  # noqa: E402
from engine.casework.urging import urge  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.registry import Registry  # noqa: E402
from engine.service import WorkflowService  # noqa: E402
from engine.store.repository import SqlStore  # noqa: E402
from engine.store.sealing import Sealer, new_key_text  # noqa: E402
from engine.units import UnitTree  # noqa: E402
from engine.visibility import visibility_for  # noqa: E402
from engine.workcalendar import WorkCalendar  # noqa: E402


def measure(engine: Engine, runs: int) -> dict[str, Any]:
    tree = UnitTree.build(units())
    clock = ManualClock(END + timedelta(hours=1))
    store = SqlStore(engine)
    registry = Registry(SHIPPED)  # the seed writes its cases on the shipped versions
    service = WorkflowService(store, registry, clock, WorkCalendar())
    cw = Casework(store, registry, service, clock, Sealer.from_text(new_key_text()))

    def user(name: str, role: str, unit: str | None) -> User:
        return User(1, name, name, role, unit, [], scope=visibility_for(tree, role, unit, []))

    out: dict[str, Any] = {}
    for who, role, unit in (("admin", "admin", None), ("supervisor", "supervisor", "d-1")):
        u = user(who, role, unit)
        first = overdue_board(cw, u, BoardQuery())
        out[who] = {
            "board_first_page": timed(partial(overdue_board, cw, u, BoardQuery()), runs),
            "board_one_street": timed(partial(overdue_board, cw, u, BoardQuery(unit="s-3")), runs),
            "board_page_20": timed(partial(overdue_board, cw, u, BoardQuery(offset=950)), runs),
            "on_board": first.total,
            "overdue_on_first_page": sum(i.overdue for i in first.items),
        }
    org_admin = user("org_admin", "org_admin", "union")
    queue = partial(list_cases, cw, org_admin, CaseFilter(open_only=True), limit=50, sort="urgency")
    out["org_admin_queue_by_urgency"] = timed(queue, runs)
    out["org_admin_queue_total"] = queue().total
    supervisor = user("supervisor", "supervisor", "d-1")
    picked = [i.case.id for i in overdue_board(cw, supervisor, BoardQuery()).items]
    out["urge_50_cases"] = timed(partial(urge, cw, supervisor, picked, "请尽快处理"), runs)
    return out


def sqlite_run(closed: int, open_: int, months: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine, seeded = prepared(f"sqlite:///{Path(tmp) / 'board.db'}", closed, open_, months)
        try:
            return {**seeded, **measure(engine, runs)}
        finally:
            engine.dispose()


def pg_run(base: str, closed: int, open_: int, months: int, runs: int) -> dict[str, Any]:
    with database(base) as url:
        engine, seeded = prepared(url, closed, open_, months)
        try:
            return {**seeded, **measure(engine, runs)}
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12, help="opened evenly over these months")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10,000 closed + 1,000 open")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FENGQIAO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server URL ('' to skip)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    closed, open_, runs = args.closed, args.open, args.runs
    if args.quick:
        closed, open_, runs = 10_000, 1_000, 2
    result: dict[str, Any] = {"bench": "board", "closed": closed, "open": open_}
    if not args.no_sqlite:
        result["sqlite"] = sqlite_run(closed, open_, args.months, runs)
    if args.pg:
        result["postgres"] = pg_run(args.pg, closed, open_, args.months, runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
