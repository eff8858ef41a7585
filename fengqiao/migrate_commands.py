"""`fengqiao migrate …`: plan, preview and apply moving running cases to another version of
their workflow (engine.casework.migration), from the command line.

    fengqiao migrate plan --workflow mediation --from 1 --to 2 --map intake=reception \\
        --reason "v2 renames intake" --actor zhou.min --role supervisor
    fengqiao migrate preview 1 --movable no
    fengqiao migrate apply 1 --yes
    fengqiao migrate list
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from engine.casework import migration
from engine.casework.identity import User
from engine.casework.migration import CasePreview, MigrationRun, PlanRequest
from engine.clock import SystemClock
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings

PAGE = 1000


def _context(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def _user(args: argparse.Namespace) -> User:
    """Who acts: the operator, named by --actor in the role --role (the permission table
    decides what that role may do)."""
    return User(
        id=0,
        username=args.actor,
        display_name=args.actor,
        role=args.role,
        unit=None,
        grid_units=[],
        scope=Visibility(everything=True),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _run_line(r: MigrationRun) -> str:
    return (
        f"run {r.id}: {r.workflow} v{r.from_version} -> v{r.to_version} [{r.status}]"
        f" total {r.total}, movable {r.movable}, refused {r.refused}, moved {r.moved},"
        f" failed {r.failed}; by {r.created_by} at {r.created_at:%Y-%m-%d %H:%M}: {r.reason}"
    )


def _pair(text: str) -> tuple[str, str]:
    """``old=new`` of --map."""
    old, sep, new = text.partition("=")
    if not sep or not old or not new:
        raise argparse.ArgumentTypeError(f"{text!r}: write it as old_state=new_state")
    return old, new


def cmd_plan(args: argparse.Namespace) -> int:
    ctx = _context(args)
    r = migration.plan(
        ctx.cw,
        _user(args),
        PlanRequest(
            workflow=args.workflow,
            from_version=args.from_version,
            to_version=args.to_version,
            reason=args.reason,
            state_map=dict(args.map),
            states=tuple(args.state),
            case_ids=tuple(args.case),
        ),
    )
    print(_run_line(r))
    print(f"next: fengqiao migrate preview {r.id}")
    return 0


def _pages(
    ctx: Context, user: User, run_id: int, args: argparse.Namespace
) -> Iterator[CasePreview]:
    movable = None if args.movable is None else args.movable == "yes"
    after = 0
    while True:
        page = migration.preview_cases(
            ctx.cw, user, run_id, state=args.state, movable=movable, after_case_id=after, limit=PAGE
        )
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].case_id


def _deadlines(items: Any) -> str:
    return ", ".join(
        f"{d.timer} {d.due_at:%Y-%m-%d %H:%M}" + (" OVERDUE" if d.overdue else "") for d in items
    )


def cmd_preview(args: argparse.Namespace) -> int:
    ctx = _context(args)
    user = _user(args)
    r = migration.run(ctx.cw, user, args.run)
    if r.status in ("planned", "previewed"):
        r = migration.preview(ctx.cw, user, args.run)
    out = sys.stdout
    if args.json:
        # One JSON document, written case by case.
        out.write('{"run": ' + _dump(asdict(r)) + ', "cases": [')
        for i, p in enumerate(_pages(ctx, user, args.run, args)):
            out.write(("," if i else "") + "\n" + _dump(asdict(p)))
        out.write("\n]}\n")
        return 0
    print(_run_line(r))
    for p in _pages(ctx, user, args.run, args):
        head = f"#{p.case_id} {p.state} -> {p.to_state or '?'} [{p.status}]"
        print(
            head
            + (
                ""
                if p.movable
                else " refused: " + "; ".join(f"{x.code}: {x.en}" for x in p.refusals)
            )
        )
        if p.before:
            print(f"    before: {_deadlines(p.before)}")
        if p.after:
            print(f"    after:  {_deadlines(p.after)}")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    if not args.yes:
        print("error: applying moves cases for good: add --yes to confirm", file=sys.stderr)
        return 2
    ctx = _context(args)

    def moved(count: int) -> None:
        print(f"moved: {count}", file=sys.stderr, flush=True)

    report = migration.apply(
        ctx.cw, _user(args), args.run, confirm=True, batch=args.batch, progress=moved
    )
    print(_run_line(report.run))
    print(
        _dump(
            {
                "moved": report.moved,
                "already_moved": report.already_moved,
                "refused": report.refused,
                "failed": report.failed,
                "seconds": round(report.seconds, 3),
                "status": report.run.status,
            }
        )
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ctx = _context(args)
    for r in migration.runs(ctx.cw, _user(args), args.workflow):
        print(_run_line(r))
    return 0


def add_migrate_commands(sub: Any) -> None:
    """Register `fengqiao migrate …` on the command's subparsers."""
    mig = sub.add_parser(
        "migrate", help="move running cases to another workflow version: plan, preview, apply"
    ).add_subparsers(dest="migrate_command", required=True)

    def who(q: argparse.ArgumentParser) -> None:
        q.add_argument("--actor", default="cli", help="who acts (recorded in history and audit)")
        q.add_argument("--role", default="admin", help="the role acted in (supervisor or admin)")

    p = mig.add_parser("plan", help="plan a migration run (nothing moves yet)")
    p.add_argument("--workflow", required=True)
    p.add_argument("--from", dest="from_version", type=int, required=True)
    p.add_argument("--to", dest="to_version", type=int, required=True)
    p.add_argument(
        "--map",
        action="append",
        default=[],
        type=_pair,
        metavar="OLD=NEW",
        help="a state the target version renamed or removed, and where its cases go",
    )
    p.add_argument("--state", action="append", default=[], help="only open cases in this state")
    p.add_argument("--case", action="append", type=int, default=[], help="only this case")
    p.add_argument("--reason", required=True, help="why the cases move (1-500 characters)")
    who(p)
    p.set_defaults(func=cmd_plan)

    v = mig.add_parser("preview", help="check every case of a run; list the verdicts")
    v.add_argument("run", type=int)
    v.add_argument("--state", help="only cases in this state")
    v.add_argument("--movable", choices=["yes", "no"], help="only cases that can (not) move")
    v.add_argument("--json", action="store_true", help="one JSON document")
    who(v)
    v.set_defaults(func=cmd_preview)

    a = mig.add_parser("apply", help="move the cases the preview accepted (resumable)")
    a.add_argument("run", type=int)
    a.add_argument("--yes", action="store_true", help="confirm: the cases move for good")
    a.add_argument(
        "--batch",
        type=int,
        default=migration.BATCH,
        help="cases per transaction (a savepoint each)",
    )
    who(a)
    a.set_defaults(func=cmd_apply)

    li = mig.add_parser("list", help="the migration runs, newest first")
    li.add_argument("--workflow")
    who(li)
    li.set_defaults(func=cmd_list)
