"""`fengqiao hotline …`: a 12345 hotline's export (CSV or .xlsx) into cases
(engine.casework.hotline_import; layout in docs/HOTLINE.md).

    fengqiao hotline 12345-20261201.xlsx            # preview: every problem by row and column
    fengqiao hotline 12345-20261201.xlsx --repeats  # preview, and the open cases rows repeat
    fengqiao hotline 12345-20261201.xlsx --apply    # import: a case per new ticket
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.casework import hotline_import
from engine.casework.errors import ImportRefusedError
from engine.casework.hotline_import import HotlineReport
from fengqiao.directory_commands import context_of, operator_of, operator_options, problem_line


def _counts(r: HotlineReport) -> str:
    return f"{r.rows} rows: {r.created} new cases, {r.existing} tickets already in"


def _repeats(name: str, r: HotlineReport) -> None:
    for x in r.repeats:
        cases = ", ".join(f"#{c.case_id} ({', '.join(c.reasons)})" for c in x.cases)
        print(f"{name}: row {x.row} (ticket {x.ticket}) likely repeats open case {cases}")
    shown = len(r.repeats)
    more = f" (the first {shown} shown)" if shown < r.repeat_rows else ""
    print(
        f"{r.repeat_rows} new row(s) likely repeat an open case{more}; they are imported"
        " all the same: merge them after on the case page or POST /api/cases/{id}/merge"
    )


def cmd_hotline(args: argparse.Namespace) -> int:
    ctx = context_of(args)
    user = operator_of(args)
    path = Path(args.file)
    try:
        with path.open("rb") as source:
            if args.apply:
                report = hotline_import.apply_hotline(ctx.cw, user, source, path.name)
            else:
                report = hotline_import.preview_hotline(
                    ctx.cw, user, source, path.name, repeats=args.repeats
                )
    except ImportRefusedError as refused:
        for p in refused.problems:
            print(f"{path.name}: {problem_line(p)}", file=sys.stderr)
        print(f"error: {refused}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    for p in report.problems:
        print(f"{path.name}: {problem_line(p)}", file=sys.stderr)
    if not report.clean:
        shown = len(report.problems)
        more = f" (the first {shown} shown)" if shown < report.problem_count else ""
        print(f"{report.problem_count} problem(s){more}; nothing imported", file=sys.stderr)
        return 1
    if report.applied:
        print(f"imported {path.name}: {_counts(report)}")
    else:
        print(f"{path.name} is clean; importing it would give {_counts(report)}")
        if args.repeats:
            _repeats(path.name, report)
        print(f"next: fengqiao hotline {args.file} --apply")
    return 0


def add_hotline_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    h = sub.add_parser(
        "hotline", help="import a 12345 hotline's CSV or .xlsx export (preview unless --apply)"
    )
    h.add_argument("file")
    h.add_argument("--apply", action="store_true", help="import it: a case per new ticket")
    h.add_argument(
        "--repeats",
        action="store_true",
        help="preview: also list the open cases each new row likely repeats",
    )
    operator_options(h)
    h.set_defaults(func=cmd_hotline)
