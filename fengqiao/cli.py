"""The `fengqiao` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from engine.casework.cases import require_units
from engine.clock import ManualClock, SystemClock
from engine.diagram import mermaid
from engine.errors import DefinitionError, FengqiaoError
from engine.loader import load_definition
from engine.model import Actor
from engine.store.definitions import check_shipped
from engine.store.sealing import SealError
from fengqiao.area_commands import add_area_commands
from fengqiao.client_commands import add_client_commands
from fengqiao.context import Context, build, existing_store, prepare
from fengqiao.directory_commands import add_directory_commands
from fengqiao.hotline_commands import add_hotline_commands
from fengqiao.migrate_commands import add_migrate_commands
from fengqiao.settings import ROOT, Settings
from fengqiao.unit_commands import add_unit_commands
from fengqiao.users_commands import NO_ADMIN, PasswordEntryError, add_users_commands, init_admin
from workflows.environment import prefect_defaults

# How each sweep of the worker opens the use-case layer (workflows.opening).
OPENER = "fengqiao.context:open_from_env"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


def _context(args: argparse.Namespace, now: datetime | None = None) -> Context:
    return build(_settings(args), ManualClock(now) if now else SystemClock())


def _case_view(ctx: Context, case_id: int) -> dict[str, Any]:
    case = ctx.cw.service.get_case(case_id)
    return {
        "case": asdict(case),
        "pending_timers": [asdict(t) for t in ctx.cw.service.pending_timers(case_id)],
        "history": [asdict(e) for e in ctx.cw.service.history(case_id)],
    }


def cmd_validate(args: argparse.Namespace) -> int:
    """Each file alone; then, when the configured database exists, each file that loaded
    against its published versions (what a start would say), without changing the database."""
    failed = 0
    loaded = []
    for path in args.paths:
        try:
            d = load_definition(path)
        except DefinitionError as exc:
            failed += 1
            for p in exc.problems:
                print(str(p), file=sys.stderr)
        else:
            loaded.append(d)
            print(
                f"{path}: ok ({d.name} v{d.version}, {len(d.states)} states, "
                f"{len(d.transitions)} transitions)"
            )
    store = existing_store(_settings(args))
    if store is not None:
        try:
            with store.transaction(write=False) as tx:
                clashes = check_shipped(tx, loaded)
            url = store.engine.url.render_as_string(hide_password=True)
        finally:
            store.engine.dispose()
        print(f"compared with the versions published in {url}")
        for p in clashes:
            print(str(p), file=sys.stderr)
        failed += len(clashes)
    return 1 if failed else 0


def cmd_diagram(args: argparse.Namespace) -> int:
    ctx = _context(args)
    print(mermaid(ctx.cw.registry.get(args.name, args.version), args.lang), end="")
    return 0


def _now(args: argparse.Namespace) -> datetime | None:
    """`--now`: the moment the command acts at (a ManualClock), with its time zone."""
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        raise SystemExit("--now needs a time zone, e.g. 2026-12-01T09:00:00+08:00")
    return now


def cmd_cases_open(args: argparse.Namespace) -> int:
    ctx = _context(args, _now(args))
    require_units(ctx.cw, organisation=args.org, grid=args.grid)
    result = ctx.cw.service.open_case(
        args.workflow,
        Actor(args.actor, args.role),
        json.loads(args.data),
        org_unit=args.org,
        grid_unit=args.grid,
        idempotency_key=args.key,
    )
    print(_json(_case_view(ctx, result.case.id)))
    return 0


def cmd_cases_fire(args: argparse.Namespace) -> int:
    ctx = _context(args, _now(args))
    ctx.cw.service.fire(
        args.id,
        args.action,
        Actor(args.actor, args.role),
        json.loads(args.data),
        expected_version=args.expected_version,
        idempotency_key=args.key,
    )
    print(_json(_case_view(ctx, args.id)))
    return 0


def cmd_cases_show(args: argparse.Namespace) -> int:
    ctx = _context(args)
    print(_json(_case_view(ctx, args.id)))
    return 0


def cmd_timers_run_due(args: argparse.Namespace) -> int:
    from workflows.sweeping import drain  # no Prefect: a sweep in this process

    ctx = _context(args, _now(args))
    total = drain(lambda: ctx.cw.service.fire_due_timers(limit=args.batch))
    print(_json(asdict(total)))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(format="%(asctime)s | %(levelname)-7s | %(name)s - %(message)s")
    logging.getLogger("fengqiao").setLevel(logging.INFO)
    settings = _settings(args)
    prefect_defaults(ROOT / "var" / "prefect")
    prepare(settings)  # migrate and publish once, before any sweep runs
    # Each sweep runs in a process of its own and opens the database from the environment.
    os.environ["FENGQIAO_DATABASE_URL"] = settings.database_url
    from workflows.worker import run

    parameters = {
        "opener": OPENER,
        "notify_sender": settings.notify_sender,
        "batch": settings.sweep_batch,
    }
    return run(settings.sweep_interval_s, parameters, settings.prefect_port)


def first_admin_or_refuse(ctx: Context) -> bool:
    """Whether serving can start: an administrator exists, or one is created now at the
    terminal; without a terminal, nobody could log in: refuse and say why."""
    from engine.casework.users_admin import has_admin

    if has_admin(ctx.cw):
        return True
    if not sys.stdin.isatty():
        print(f"error: {NO_ADMIN}", file=sys.stderr)
        return False
    print("This installation has no administrator yet; create the first one now.")
    username = input("User name [admin]: ").strip() or "admin"
    try:
        init_admin(ctx, username, "", from_stdin=False)
    except (PasswordEntryError, FengqiaoError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def cmd_serve(args: argparse.Namespace) -> int:
    prefect_defaults(ROOT / "var" / "prefect")  # for the worker it starts
    ctx = _context(args)
    if not args.demo and not first_admin_or_refuse(ctx):
        ctx.close()
        return 2
    if args.demo:
        _seed_demo(ctx)
        from workflows.demo import open_overdue_cases

        ids = open_overdue_cases(
            ctx.cw.store, ctx.cw.registry, ctx.cw.service.calendar, ctx.cw.clock.now()
        )
        print(
            f"  overdue on purpose: case #{ids['visit']} (follow-up visit) and"
            f" #{ids['grid']} (grid report): the worker's first sweep fires them"
        )
        if ctx.cw.public_grid is None:  # the demo's public form reports to its first grid
            from fengqiao.demo import PUBLIC_GRID

            ctx.cw.public_grid = PUBLIC_GRID
        print(f"  public form: /public/report (reports to grid {ctx.cw.public_grid})")
    from fengqiao.serve import serve

    return serve(ctx)


def cmd_demo(args: argparse.Namespace) -> int:
    _seed_demo(_context(args))
    return 0


def _seed_demo(ctx: Context) -> None:
    from fengqiao.demo import seed  # imports the API's password hashing: only when asked

    result = seed(ctx)
    print(f"demo data in {ctx.cw.store.engine.url.render_as_string()}:")
    print(f"  {result['units']} units, {len(result['cases'])} cases")
    print("  users (demo passwords; change them before real use):")
    for u in result["users"]:
        print(f"    {u['username']:<18} {u['password']:<16} {u['role']:<12} {u['unit'] or ''}")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    ctx = _context(args)
    print(f"database at the newest schema: {ctx.cw.store.engine.url.render_as_string()}")
    return 0


def cmd_db_seal_parties(args: argparse.Namespace) -> int:
    from engine.store.parties import seal_stored

    ctx = _context(args)
    with ctx.cw.store.transaction() as tx:
        count = seal_stored(tx, ctx.cw.sealer)
    print(f"parties sealed: {count}")
    return 0


def cmd_db_rotate_party_key(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.store.parties import reseal
    from engine.store.sealing import Sealer, replace_key_file

    new_text = Path(args.new_key_file).read_text(encoding="ascii").strip()
    try:
        new = Sealer.from_text(new_text)
    except ValueError as exc:
        print(f"error: {args.new_key_file}: {exc}", file=sys.stderr)
        return 2
    ctx = _context(args)
    with ctx.cw.store.transaction() as tx:
        count = reseal(tx, ctx.cw.sealer, new)
    print(f"parties resealed under the new key: {count}")
    if ctx.settings.party_key:
        print("set FENGQIAO_PARTY_KEY to the new key for every server before starting them")
    else:
        replace_key_file(ctx.settings.party_key_file, new_text)
        print(f"the new key is now in {ctx.settings.party_key_file}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from engine.store.sealing import new_key_text

    print(new_key_text())
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fengqiao", description=__doc__)
    p.add_argument("--db", help="database URL (default: FENGQIAO_DATABASE_URL or SQLite)")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser(
        "validate",
        help="check workflow YAML files, and against the database's published versions when"
        " it exists; errors as file:line:col",
    )
    v.add_argument("paths", nargs="+")
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("diagram", help="print a workflow as Mermaid text")
    d.add_argument("name")
    d.add_argument("--version", type=int)
    d.add_argument("--lang", default="zh", choices=["zh", "en"])
    d.set_defaults(func=cmd_diagram)

    cases = sub.add_parser("cases", help="open, fire and show cases").add_subparsers(
        dest="cases_command", required=True
    )

    def actor_args(q: argparse.ArgumentParser, role: str) -> None:
        q.add_argument("--data", default="{}", help="JSON object of field values")
        q.add_argument("--actor", default="cli")
        q.add_argument("--role", default=role)
        q.add_argument("--key", help="idempotency key: a retry with it is applied once")
        q.add_argument("--now", help="ISO moment with zone to act at (like timers run-due)")

    o = cases.add_parser("open", help="open a case")
    o.add_argument("workflow")
    o.add_argument("--org", help="owning organisation unit")
    o.add_argument("--grid", help="grid unit")
    actor_args(o, "mediator")
    o.set_defaults(func=cmd_cases_open)

    f = cases.add_parser("fire", help="take an action on a case")
    f.add_argument("id", type=int)
    f.add_argument("action")
    f.add_argument("--expected-version", type=int)
    actor_args(f, "mediator")
    f.set_defaults(func=cmd_cases_fire)

    s = cases.add_parser("show", help="a case with its timers and history, as JSON")
    s.add_argument("id", type=int)
    s.set_defaults(func=cmd_cases_show)

    timers = sub.add_parser("timers", help="due deadlines and reminders").add_subparsers(
        dest="timers_command", required=True
    )
    r = timers.add_parser("run-due", help="fire every timer due now (or at --now)")
    r.add_argument("--now", help="ISO moment with zone, to fire what is due by then")
    r.add_argument("--batch", type=int, default=500)
    r.set_defaults(func=cmd_timers_run_due)

    dm = sub.add_parser("demo", help="seed demo organisations, areas, users and cases (idempotent)")
    dm.set_defaults(func=cmd_demo)

    w = sub.add_parser(
        "worker", help="sweep due timers on an interval, run by Prefect (until Ctrl-C / SIGTERM)"
    )
    w.set_defaults(func=cmd_worker)

    sv = sub.add_parser("serve", help="the HTTP server and the worker together")
    sv.add_argument("--demo", action="store_true", help="seed demo users, units and cases first")
    sv.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    u = db.add_parser("upgrade", help="apply migrations")
    u.set_defaults(func=cmd_db_upgrade)
    sp = db.add_parser(
        "seal-parties", help="seal parties' personal data stored before it was sealed at rest"
    )
    sp.set_defaults(func=cmd_db_seal_parties)
    rk = db.add_parser(
        "rotate-party-key",
        help="reseal parties' personal data under a new key, in one transaction (stop the"
        " servers first: one still running with the old key would seal new parties with it)",
    )
    rk.add_argument(
        "--new-key-file", required=True, help="file holding the new key (from fengqiao keygen)"
    )
    rk.set_defaults(func=cmd_db_rotate_party_key)
    k = sub.add_parser("keygen", help="print a new key for FENGQIAO_PARTY_KEY")
    k.set_defaults(func=cmd_keygen)
    add_migrate_commands(sub)
    add_users_commands(sub)
    add_unit_commands(sub)
    add_directory_commands(sub)
    add_client_commands(sub)
    add_area_commands(sub)
    add_hotline_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DefinitionError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        return 1
    except (FengqiaoError, SealError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except json.JSONDecodeError as exc:
        print(f"error: --data is not valid JSON: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
