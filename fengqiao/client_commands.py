"""`fengqiao clients …`: outside systems that open cases (Open311 clients, a hotline
platform) and their API keys (engine.casework.client_systems).

    fengqiao clients create wx-union --rate 120   # prints the API key, once
    fengqiao clients list
    fengqiao clients webhook wx-union https://wx.example.cn/fq   # prints the signing secret, once
    fengqiao clients webhook wx-union --remove
"""

from __future__ import annotations

import argparse

from engine.casework import client_systems, webhooks
from engine.casework.identity import User
from engine.clock import SystemClock
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings


def _context(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def _user(args: argparse.Namespace) -> User:
    """The operator, named by --actor (recorded in the audit log), as an administrator."""
    return User(
        id=0,
        username=args.actor,
        display_name=args.actor,
        role="admin",
        unit=None,
        grid_units=[],
        scope=Visibility(everything=True),
    )


def cmd_create(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        made = client_systems.create_client(
            ctx.cw, _user(args), args.name, rate_per_minute=args.rate
        )
    finally:
        ctx.close()
    print(f"created client system {made.client.name} ({made.client.rate_per_minute}/min)")
    print(f"API key (shown once, keep it now): {made.key}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        found = client_systems.clients(ctx.cw, _user(args))
    finally:
        ctx.close()
    for c in found:
        state = "" if c.active else "  [inactive]"
        hook = f"  webhook {c.webhook_url}" if c.webhook_url else ""
        print(f"{c.name}  {c.rate_per_minute}/min  since {c.created_at:%Y-%m-%d}{state}{hook}")
    return 0


def cmd_webhook(args: argparse.Namespace) -> int:
    """Set a client system's webhook URL and print its new signing secret once, or remove it."""
    if args.remove == (args.url is not None):
        raise SystemExit("give either a URL or --remove")
    ctx = _context(args)
    try:
        if args.remove:
            webhooks.remove_webhook(ctx.cw, _user(args), args.name)
            print(f"client system {args.name}: no webhook")
            return 0
        made = webhooks.set_webhook(
            ctx.cw, _user(args), args.name, args.url, allow_private=args.allow_private
        )
    finally:
        ctx.close()
    print(f"client system {made.client}: webhook {made.url}")
    print(f"signing secret (shown once, keep it now): {made.secret}")
    return 0


def add_client_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    clients = sub.add_parser(
        "clients", help="outside systems that open cases, and their API keys"
    ).add_subparsers(dest="clients_command", required=True)
    c = clients.add_parser("create", help="a new client system; prints its API key once")
    c.add_argument("name", help="its name: the source its cases carry (letters, digits, _-.)")
    c.add_argument(
        "--rate",
        type=int,
        default=client_systems.DEFAULT_RATE,
        help="requests a minute (default %(default)s)",
    )
    c.add_argument("--actor", default="cli", help="who acts (recorded in the audit log)")
    c.set_defaults(func=cmd_create)
    li = clients.add_parser("list", help="the client systems")
    li.add_argument("--actor", default="cli")
    li.set_defaults(func=cmd_list)
    w = clients.add_parser(
        "webhook",
        help="where a client system's cases' changes of state are sent; prints the secret once",
    )
    w.add_argument("name", help="the client system")
    w.add_argument("url", nargs="?", help="http:// or https:// (docs/WEBHOOKS.md)")
    w.add_argument(
        "--allow-private",
        action="store_true",
        help="allow a host on this machine or a private network (an intranet's system)",
    )
    w.add_argument("--remove", action="store_true", help="send this client no more webhooks")
    w.add_argument("--actor", default="cli", help="who acts (recorded in the audit log)")
    w.set_defaults(func=cmd_webhook)
