"""`fengqiao import …` and `fengqiao export …`: the unit tree and the users from and to CSV
or .xlsx files (engine.casework.directory_import; layout in docs/IMPORT.md).

    fengqiao import units units.xlsx            # preview: every problem by row and column
    fengqiao import units units.xlsx --apply    # import, all or nothing
    fengqiao import users users.csv --apply
    fengqiao export units units.csv             # .csv (UTF-8 with BOM) or .xlsx by the name
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.casework import directory_import
from engine.casework.directory_import import ImportReport
from engine.casework.errors import ImportRefusedError
from engine.casework.identity import User
from engine.clock import SystemClock
from engine.sheets import SheetProblem, csv_chunks, write_xlsx
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings

WHATS = ("units", "users")


def context_of(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def operator_of(args: argparse.Namespace) -> User:
    """The operator, named by --actor in the role --role (the permission table decides)."""
    return User(
        id=0,
        username=args.actor,
        display_name=args.actor,
        role=args.role,
        unit=None,
        grid_units=[],
        scope=Visibility(everything=True),
    )


def problem_line(p: SheetProblem) -> str:
    where = "file" if p.row is None else f"row {p.row}" + (f", {p.column}" if p.column else "")
    value = f" ({p.value})" if p.value else ""
    return f"{where}: {p.code}: {p.detail}{value}"


def _counts(r: ImportReport) -> str:
    return f"{r.rows} rows: created {r.created}, updated {r.updated}, unchanged {r.unchanged}"


def cmd_import(args: argparse.Namespace) -> int:
    ctx = context_of(args)
    user = operator_of(args)
    path = Path(args.file)
    try:
        with path.open("rb") as source:
            if args.apply:
                report = directory_import.apply(ctx.cw, user, args.what, source, path.name)
            else:
                report = directory_import.preview(ctx.cw, user, args.what, source, path.name)
    except ImportRefusedError as refused:
        for p in refused.problems:
            print(f"{path.name}: {problem_line(p)}", file=sys.stderr)
        print(f"error: {refused}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    for p in report.problems:
        print(f"{path.name}: {problem_line(p)}", file=sys.stderr)
    if report.problems:
        print(f"{len(report.problems)} problem(s); nothing imported", file=sys.stderr)
        return 1
    if report.applied:
        print(f"imported {args.what} from {path.name}: {_counts(report)}")
    else:
        print(f"{path.name} is clean; importing it would give {_counts(report)}")
        print(f"next: fengqiao import {args.what} {args.file} --apply")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ctx = context_of(args)
    try:
        table = directory_import.export(ctx.cw, operator_of(args), args.what)
    finally:
        ctx.close()
    path = Path(args.file)
    with path.open("wb") as out:
        if path.suffix.lower() == ".xlsx":
            write_xlsx(out, table.header, table.rows, table.what)
        else:
            for chunk in csv_chunks(table.header, table.rows):
                out.write(chunk)
    print(f"exported {len(table.rows)} {args.what} to {path}")
    return 0


def operator_options(q: argparse.ArgumentParser) -> None:
    q.add_argument("--actor", default="cli", help="who acts, for the audit log")
    q.add_argument("--role", default="admin")


def add_directory_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    i = sub.add_parser(
        "import",
        help="import the unit tree or the users from a CSV or .xlsx file (preview unless --apply)",
    )
    i.add_argument("what", choices=WHATS)
    i.add_argument("file")
    i.add_argument("--apply", action="store_true", help="import it (all rows or none)")
    operator_options(i)
    i.set_defaults(func=cmd_import)
    e = sub.add_parser(
        "export", help="export the unit tree or the users to a .csv or .xlsx file (by its name)"
    )
    e.add_argument("what", choices=WHATS)
    e.add_argument("file")
    operator_options(e)
    e.set_defaults(func=cmd_export)
