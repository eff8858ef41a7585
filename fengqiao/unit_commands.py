"""`fengqiao units …` and `fengqiao grids …`: the unit tree and grid members' grids, from the
command line (engine.casework.units_admin, engine.casework.grids). Running servers see a
change within api.units.RELOAD_AFTER_S (the tree) and their token cache's lifetime (users).

    fengqiao units list
    fengqiao units create cm-hp-3 和平里三社区 --en "Hepingli Community 3" --kind community \\
        --parent s-heping
    fengqiao units rename cm-hp-3 和平里第三社区 --en "Hepingli Community 3"
    fengqiao units move cm-hp-3 --parent s-qingnian
    fengqiao units merge cm-hp-3 --into cm-hp-2
    fengqiao units retire cm-hp-3
    fengqiao grids assign sun.li g-hp-1-1 g-hp-1-2
    fengqiao grids unassign sun.li g-hp-1-2
    fengqiao grids handover sun.li --to qian.hong
    fengqiao grids redraw g-hp-1-2 --to g-hp-1-1 [--case 12 --case 13]
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.casework import grids, units_admin
from engine.casework.identity import User
from engine.clock import SystemClock
from engine.units import UNIT_KINDS, UnitRecord
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings

TOP = "-"  # --parent - : at the top of the tree


def _context(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def _user(args: argparse.Namespace) -> User:
    """The operator, named by --actor (recorded in the audit log and the cases' history)."""
    return User(
        id=0,
        username=args.actor,
        display_name=args.actor,
        role="admin",
        unit=None,
        grid_units=[],
        scope=Visibility(everything=True),
    )


def _line(u: UnitRecord, depth: int = 0) -> str:
    retired = f"  [retired {u.retired_at:%Y-%m-%d}]" if u.retired_at else ""
    return f"{'  ' * depth}{u.code}  {u.kind}  {u.name_zh} / {u.name_en}{retired}"


def _parent(text: str | None) -> str | None:
    return None if text in (None, TOP) else text


def cmd_list(args: argparse.Namespace) -> int:
    for line in units_admin.unit_tree(_context(args).cw, _user(args)):
        if args.all or not line.unit.retired:
            print(_line(line.unit, line.depth))
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    u = units_admin.create_unit(
        _context(args).cw,
        _user(args),
        args.code,
        args.name_zh,
        args.en,
        args.kind,
        _parent(args.parent),
    )
    print(f"created {_line(u)} under {u.parent or TOP}")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    u = units_admin.rename_unit(_context(args).cw, _user(args), args.code, args.name_zh, args.en)
    print(f"renamed {_line(u)}")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    u = units_admin.move_unit(_context(args).cw, _user(args), args.code, _parent(args.parent))
    print(f"moved {u.code} under {u.parent or TOP}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    m = units_admin.merge_units(_context(args).cw, _user(args), args.code, args.into)
    print(
        f"merged {m.source} into {m.target}: cases {_ids(m.cases)}, units"
        f" {', '.join(m.children) or '-'}, users {', '.join(m.users) or '-'}; {m.source} retired"
    )
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    units_admin.retire_unit(_context(args).cw, _user(args), args.code)
    print(f"retired {args.code}")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    held = grids.assign_grids(_context(args).cw, _user(args), args.username, args.grids)
    print(f"{args.username}: {', '.join(held)}")
    return 0


def cmd_unassign(args: argparse.Namespace) -> int:
    held = grids.unassign_grid(_context(args).cw, _user(args), args.username, args.grid)
    print(f"{args.username}: {', '.join(held) or '-'}")
    return 0


def cmd_handover(args: argparse.Namespace) -> int:
    done = grids.hand_over_grids(_context(args).cw, _user(args), args.username, args.to)
    print(
        f"{args.username} -> {args.to}: grids {', '.join(done.grids) or '-'},"
        f" cases {_ids(done.cases)}"
    )
    return 0


def cmd_redraw(args: argparse.Namespace) -> int:
    moved = grids.redraw_grid(_context(args).cw, _user(args), args.grid, args.to, args.case or None)
    print(f"{args.grid} -> {args.to}: cases {_ids(moved)}")
    return 0


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{i}" for i in ids) or "-"


def add_unit_commands(sub: Any) -> None:
    """Register `fengqiao units …` and `fengqiao grids …` on the command's subparsers."""

    def who(q: argparse.ArgumentParser) -> None:
        q.add_argument("--actor", default="cli", help="who acts (recorded in the audit log)")

    units = sub.add_parser(
        "units", help="the unit tree: list, create, rename, move, merge, retire"
    ).add_subparsers(dest="units_command", required=True)
    li = units.add_parser("list", help="the unit tree, indented")
    li.add_argument("--all", action="store_true", help="retired units too")
    who(li)
    li.set_defaults(func=cmd_list)

    c = units.add_parser("create", help="a new unit")
    c.add_argument("code")
    c.add_argument("name_zh")
    c.add_argument("--en", default="", help="English name (default: the Chinese one)")
    c.add_argument("--kind", required=True, choices=UNIT_KINDS)
    c.add_argument("--parent", default=TOP, help=f"parent unit code ({TOP}: at the top)")
    who(c)
    c.set_defaults(func=cmd_create)

    r = units.add_parser("rename", help="new names for a unit")
    r.add_argument("code")
    r.add_argument("name_zh")
    r.add_argument("--en", default="")
    who(r)
    r.set_defaults(func=cmd_rename)

    m = units.add_parser("move", help="put a unit under another parent")
    m.add_argument("code")
    m.add_argument("--parent", required=True, help=f"new parent unit code ({TOP}: the top)")
    who(m)
    m.set_defaults(func=cmd_move)

    mg = units.add_parser("merge", help="merge a unit into another of its kind; retires it")
    mg.add_argument("code")
    mg.add_argument("--into", required=True)
    who(mg)
    mg.set_defaults(func=cmd_merge)

    rt = units.add_parser("retire", help="take a unit without cases, units or users out")
    rt.add_argument("code")
    who(rt)
    rt.set_defaults(func=cmd_retire)

    g = sub.add_parser(
        "grids", help="grid members' grids: assign, unassign, handover, redraw"
    ).add_subparsers(dest="grids_command", required=True)
    a = g.add_parser("assign", help="give a grid member grids")
    a.add_argument("username")
    a.add_argument("grids", nargs="+")
    who(a)
    a.set_defaults(func=cmd_assign)

    u = g.add_parser("unassign", help="take a grid from a grid member")
    u.add_argument("username")
    u.add_argument("grid")
    who(u)
    u.set_defaults(func=cmd_unassign)

    h = g.add_parser("handover", help="a leaving member's grids and open cases to another")
    h.add_argument("username")
    h.add_argument("--to", required=True)
    who(h)
    h.set_defaults(func=cmd_handover)

    d = g.add_parser("redraw", help="move a grid's open cases to another grid")
    d.add_argument("grid")
    d.add_argument("--to", required=True)
    d.add_argument("--case", action="append", type=int, default=[], help="only this case")
    who(d)
    d.set_defaults(func=cmd_redraw)
