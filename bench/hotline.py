"""Importing a 12345 hotline's export of 100,000 rows (docs/HOTLINE.md) through the use cases
(engine.casework.hotline_import) on a fresh database: 8 districts' grids placed by a box
each, every row opening a case (grid reports by their point, mediations by their address
and the service's route), then the same file again (every ticket in already).

Times in seconds (wall clock, and this process's CPU time: on a shared machine the honest
figure) and rows a second for the preview (read and check, nothing written), the same
preview asking which open cases each row repeats (`repeats`: none open yet, so the lookups
alone), the import (checked again, then a batch of rows a transaction), the import again,
and the preview with `repeats` of a second file of the same rows under new tickets
(`repeats_open`: every row repeats the cases the first file opened); the process's peak
resident memory after each step. The last stdout line is one JSON object.

    python -m bench.hotline                         # SQLite, CSV, 100,000 rows
    python -m bench.hotline --rows 10000 --format xlsx
    python -m bench.hotline --db postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.hotline --rows 20000 --steps   # the apply's time, step by step
    python -m bench.hotline --only apply            # the import alone

`--steps` adds the apply's wall-clock seconds spent in each of its steps (`apply_step_*`):
the check of the whole file (`check`), the cases' openings through the service (`open`) and
their rows' writing (`write`, each case's ticket and point in its row), the duplicate index's
text band keys (`index`), tickets' lookups and origins (`tickets`, the check's lookups
included), reporters (`parties`), audit entries (`audit`),
the rate facts and webhooks written before each commit (`facts`), and the rest (`other`:
reading and placing the rows, the commits).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import partial, wraps
from pathlib import Path
from typing import Any

from bench.databases import database
from bench.trees import big_tree
from engine.casework.grid_places import set_service_route
from engine.casework.hotline_import import apply_hotline, preview_hotline
from engine.casework.identity import User
from engine.hotline_rows import HOTLINE_COLUMNS
from engine.routing import GridArea
from engine.store.grid_areas import save_area
from engine.store.units import save_units
from engine.units import UnitRecord
from engine.visibility import Visibility

ADMIN = User(0, "bench", "bench", "admin", None, [], scope=Visibility(everything=True))
SERVICES = (
    "市容环卫",
    "grid_escalation.road_facility",
    "生态环境",
    "mediation.family",
    "邻里纠纷",
)
SIDE = 0.01  # degrees: a grid's box


def grids_and_areas(units: int) -> tuple[list[UnitRecord], list[GridArea]]:
    tree = big_tree(units)
    grids = [u for u in tree if u.kind == "grid"]
    areas = []
    for i, g in enumerate(grids):
        south, west = 30.0 + (i // 100) * SIDE, 110.0 + (i % 100) * SIDE
        areas.append(GridArea(g.code, south, west, south + SIDE, west + SIDE, (f"{g.code}路",)))
    orgs = [
        UnitRecord(f"{u.code}-women", f"{u.name_zh}妇联", "Women", "organisation", u.code)
        for u in tree
        if u.kind == "district"
    ]
    return tree + orgs, areas


def write_file(path: Path, rows: int, areas: list[GridArea], fmt: str, prefix: str = "GD") -> None:
    header = [c.zh for c in HOTLINE_COLUMNS]

    def row(i: int) -> list[str]:
        area = areas[i % len(areas)]
        service = SERVICES[i % len(SERVICES)]
        point = i % 2 == 0
        lat = area.south + SIDE / 2
        long = area.west + SIDE / 2
        return [
            f"{prefix}{i:08d}",
            f"2026-12-01 {8 + i % 10:02d}:{i % 60:02d}",
            "王女士" if i % 3 else "",
            f"138{i:08d}" if i % 3 else "",
            service,
            f"第{i}号工单：楼道堆放杂物，影响通行，多次反映未解决，请尽快处理。",
            "" if point else f"{area.words[0]}{i % 50}号",
            f"{lat:.5f},{long:.5f}" if point else "",
            "",
        ]

    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for i in range(rows):
                writer.writerow(row(i))
    else:
        from engine.sheets import write_xlsx

        with path.open("wb") as binary:
            write_xlsx(binary, header, (row(i) for i in range(rows)), "工单")


# (step, object, attribute): the callables whose time each step of the apply is.
def _steps(cw: Any) -> list[tuple[str, Any, str]]:
    from engine.casework import hotline_import as hi
    from engine.opening_batch import OpeningBatch
    from engine.store import audit, external_ids
    from engine.store.repository import SqlTransaction

    return [
        ("check", hi, "_check_all"),
        ("open", cw.service, "open_in"),
        ("write", OpeningBatch, "flush"),
        ("index", hi, "index_texts"),
        ("tickets", external_ids, "cases_of"),  # the check's lookups too
        ("tickets", external_ids, "record_origins"),
        ("parties", hi, "record_parties"),
        ("audit", audit, "record"),
        ("facts", SqlTransaction, "before_commit"),
    ]


@contextmanager
def timed_steps(cw: Any, spent: dict[str, float]) -> Iterator[None]:
    """Add each step's wall-clock seconds to `spent` while the block runs, a step's own time
    only (a step run inside another is its own: the check's ticket lookups are `tickets`)."""
    kept: list[tuple[Any, str, Any]] = []
    inner: list[float] = []  # the time of steps run inside the running ones

    def timed(step: str, run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            inner.append(0.0)
            t0 = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                took = time.perf_counter() - t0
                own = took - inner.pop()
                if inner:
                    inner[-1] += took
                spent[step] = spent.get(step, 0.0) + own

        return wrapper

    for step, owner, name in _steps(cw):
        kept.append((owner, name, vars(owner).get(name)))  # None: a method of an instance
        setattr(owner, name, timed(step, getattr(owner, name)))
    try:
        yield
    finally:
        for owner, name, original in reversed(kept):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


STEPS = ("preview", "repeats", "apply", "again", "repeats_open")


def measure(
    url: str,
    rows: int,
    units: int,
    fmt: str,
    steps_of_apply: bool = False,
    only: Sequence[str] = STEPS,
) -> dict[str, Any]:
    from fengqiao.context import build
    from fengqiao.settings import Settings

    ctx = build(Settings(database_url=url))
    tree, areas = grids_and_areas(units)
    with ctx.cw.store.transaction() as tx:
        save_units(tx, tree)
        for area in areas:  # as `fengqiao areas set` saves each, in one transaction
            save_area(tx, area)
    for u in tree:
        if u.kind == "district":
            set_service_route(ctx.cw, ADMIN, "mediation.family", u.code, f"{u.code}-women")
            set_service_route(ctx.cw, ADMIN, "mediation.neighbour", u.code, f"{u.code}-women")
    result: dict[str, Any] = {
        "bench": "hotline",
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "format": fmt,
        "rows": rows,
        "grids": len(areas),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"hotline.{fmt}"
        write_file(path, rows, areas, fmt)
        second = Path(tmp) / f"hotline-2.{fmt}"
        write_file(second, rows, areas, fmt, prefix="GE")
        result["bytes"] = path.stat().st_size
        result["rss_mb_start"] = peak_mb()
        try:
            steps: list[tuple[str, Path, Any]] = [
                ("preview", path, preview_hotline),
                ("repeats", path, partial(preview_hotline, repeats=True)),
                ("apply", path, apply_hotline),
                ("again", path, apply_hotline),
                ("repeats_open", second, partial(preview_hotline, repeats=True)),
            ]
            for step, file, run in steps:
                if step not in only:
                    continue
                spent: dict[str, float] = {}
                timing = step == "apply" and steps_of_apply
                with (
                    file.open("rb") as source,
                    timed_steps(ctx.cw, spent) if timing else nullcontext(),
                ):
                    t0, c0 = time.perf_counter(), time.process_time()
                    report = run(ctx.cw, ADMIN, source, file.name)
                    seconds = time.perf_counter() - t0
                    cpu = time.process_time() - c0
                if timing:
                    spent["other"] = seconds - sum(spent.values())
                    for name, took in spent.items():
                        result[f"apply_step_{name}_s"] = round(took, 2)
                assert report.clean, report.problems[:5]
                expected = rows if step != "again" else 0
                assert report.created == expected, (step, report.created)
                if step.startswith("repeats"):
                    result[f"{step}_rows"] = report.repeat_rows
                result[f"{step}_s"] = round(seconds, 2)
                result[f"{step}_rows_s"] = round(rows / seconds)
                result[f"{step}_cpu_s"] = round(cpu, 2)
                result[f"{step}_rows_cpu_s"] = round(rows / cpu)
                result[f"rss_mb_{step}"] = peak_mb()
        finally:
            ctx.close()
    return result


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", help="a PostgreSQL server's URL (default: a temporary SQLite file)")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--units", type=int, default=1500, help="units of the tree (grids the rest)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--steps", action="store_true", help="time each step of the apply")
    p.add_argument(
        "--only",
        type=lambda v: tuple(v.split(",")),
        default=STEPS,
        help=f"the steps to run, by name ({','.join(STEPS)}); again and repeats_open need apply",
    )
    args = p.parse_args()
    unknown = [s for s in args.only if s not in STEPS]
    if unknown or ({"again", "repeats_open"} & set(args.only) and "apply" not in args.only):
        p.error(f"--only: steps among {', '.join(STEPS)}; again and repeats_open need apply")
    with database(args.db) as url:
        result = measure(url, args.rows, args.units, args.format, args.steps, args.only)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
