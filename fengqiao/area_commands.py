"""`fengqiao areas …`: where grids lie and which organisation takes a service where, for
routing Open311 requests and hotline rows (engine.routing, engine.casework.grid_places).

    fengqiao areas set g-hp-1-1 --box 39.950,116.400,39.960,116.415 --words 和平里一区,和平里东街
    fengqiao areas route mediation.labour d-east union
    fengqiao areas list
"""

from __future__ import annotations

import argparse

from engine.casework import grid_places
from engine.casework.identity import User
from engine.clock import SystemClock
from engine.routing import GridArea
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings


def _context(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def _user(args: argparse.Namespace) -> User:
    return User(0, args.actor, args.actor, "admin", None, [], scope=Visibility(everything=True))


def _box(text: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("south,west,north,east")
    try:
        south, west, north, east = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError("four numbers: south,west,north,east") from None
    return south, west, north, east


def _line(a: GridArea) -> str:
    return f"{a.grid_unit}  {a.south},{a.west} – {a.north},{a.east}  {' '.join(a.words)}"


def cmd_set(args: argparse.Namespace) -> int:
    words = tuple(w.strip() for w in (args.words or "").replace("，", ",").split(",") if w.strip())
    south, west, north, east = args.box
    area = GridArea(args.grid, south, west, north, east, words)
    ctx = _context(args)
    try:
        grid_places.set_grid_area(ctx.cw, _user(args), area)
    finally:
        ctx.close()
    print(
        f"{area.grid_unit}: {area.south},{area.west} – {area.north},{area.east}  {' '.join(words)}"
    )
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        grid_places.set_service_route(ctx.cw, _user(args), args.service, args.area, args.org)
    finally:
        ctx.close()
    print(f"{args.service} from {args.area}: {args.org}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        areas = grid_places.grid_areas_of(ctx.cw)
    finally:
        ctx.close()
    for a in areas:
        print(_line(a))
    return 0


def add_area_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    areas = sub.add_parser(
        "areas", help="where grids lie and who takes a service where (routing outside requests)"
    ).add_subparsers(dest="areas_command", required=True)
    s = areas.add_parser("set", help="a grid's bounding box and address words")
    s.add_argument("grid")
    s.add_argument("--box", type=_box, required=True, help="south,west,north,east in degrees")
    s.add_argument("--words", default="", help="address words, comma-separated")
    s.add_argument("--actor", default="cli")
    s.set_defaults(func=cmd_set)
    r = areas.add_parser("route", help="a service's organisation for an area and below it")
    r.add_argument("service", help="workflow.category, e.g. mediation.labour")
    r.add_argument("area")
    r.add_argument("org")
    r.add_argument("--actor", default="cli")
    r.set_defaults(func=cmd_route)
    li = areas.add_parser("list", help="the grids' areas")
    li.add_argument("--actor", default="cli")
    li.set_defaults(func=cmd_list)
