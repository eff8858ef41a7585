"""`fengqiao init` (the first administrator) and `fengqiao users …` (manage users), from the
command line. Passwords are typed at a prompt (twice) or read from standard input with
`--password-stdin`; never from the command line, where `ps` and the shell's history keep them.

    fengqiao init --username admin
    printf '%s\\n' "$PASSWORD" | fengqiao users create li.ming --role mediator --unit union \\
        --password-stdin
    fengqiao users list --unit union
    fengqiao users set-role li.ming --role org_admin
    fengqiao users deactivate li.ming
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from engine.casework import users_admin
from engine.casework.identity import ROLES, User
from engine.casework.passwords import MIN_LENGTH
from engine.casework.users_admin import NewUser, UserInfo
from engine.clock import SystemClock
from engine.visibility import Visibility
from fengqiao.context import Context, build
from fengqiao.settings import Settings

NO_ADMIN = (
    "this installation has no administrator yet: run `fengqiao init` to create one"
    " (or `fengqiao serve --demo` for a demo)"
)


class PasswordEntryError(Exception):
    """The password could not be read: no terminal, or the two entries differ."""


def _context(args: argparse.Namespace) -> Context:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return build(settings, SystemClock())


def operator(name: str) -> User:
    """Who acts from the command line: whoever holds the database, as an administrator,
    named in the audit log by --actor."""
    return User(
        id=0,
        username=name,
        display_name=name,
        role="admin",
        unit=None,
        grid_units=[],
        scope=Visibility(everything=True),
    )


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    """The first line of standard input, or a password typed twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise PasswordEntryError("no terminal to type the password at: use --password-stdin")
    first = getpass.getpass(f"{prompt} (at least {MIN_LENGTH} characters): ")
    second = getpass.getpass(f"{prompt} again: ")
    if first != second:
        raise PasswordEntryError("the two passwords differ; nothing changed")
    return first


def _line(u: UserInfo) -> str:
    state = "active" if u.active else "deactivated"
    if not u.has_password:
        state += ", no password"
    return f"{u.username:<20} {u.role:<12} {u.unit or '-':<14} {state:<24} {u.display_name}"


def init_admin(ctx: Context, username: str, display_name: str, from_stdin: bool) -> int:
    """Create the first administrator unless there is one; 0 either way (1 on an error)."""
    if users_admin.has_admin(ctx.cw):
        names = [
            u.username
            for u in users_admin.list_users(ctx.cw, operator("init"), role="admin", active=True)
        ]
        print(f"an administrator exists already ({', '.join(names)}): nothing changed")
        return 0
    password = read_password(from_stdin, f"Password for {username}")
    created = users_admin.create_first_admin(ctx.cw, username, password, display_name)
    print(f"administrator {created.username} created; log in at /login")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    return _guarded(
        lambda: init_admin(_context(args), args.username, args.display_name, args.password_stdin)
    )


def cmd_list(args: argparse.Namespace) -> int:
    ctx = _context(args)
    active = None if args.all else not args.inactive
    found = users_admin.list_users(
        ctx.cw, operator(args.actor), unit=args.unit, role=args.role, active=active
    )
    for u in found:
        print(_line(u))
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    def run() -> int:
        ctx = _context(args)
        password = read_password(args.password_stdin, f"Password for {args.username}")
        new = NewUser(
            username=args.username,
            role=args.role,
            unit=args.unit,
            password=password,
            display_name=args.display_name,
            lang=args.lang,
        )
        print(_line(users_admin.create_user(ctx.cw, operator(args.actor), new)))
        return 0

    return _guarded(run)


def cmd_set_role(args: argparse.Namespace) -> int:
    ctx = _context(args)
    who = operator(args.actor)
    target = users_admin.user_named(ctx.cw, who, args.username)
    changes: dict[str, Any] = {}
    if args.role:
        changes["role"] = args.role
    if args.no_unit:
        changes["unit"] = None
    elif args.unit:
        changes["unit"] = args.unit
    print(_line(users_admin.change_user(ctx.cw, who, target.id, **changes)))
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    ctx = _context(args)
    who = operator(args.actor)
    target = users_admin.user_named(ctx.cw, who, args.username)
    print(_line(users_admin.deactivate(ctx.cw, who, target.id)))
    return 0


def cmd_reactivate(args: argparse.Namespace) -> int:
    ctx = _context(args)
    who = operator(args.actor)
    target = users_admin.user_named(ctx.cw, who, args.username)
    print(_line(users_admin.reactivate(ctx.cw, who, target.id)))
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    def run() -> int:
        ctx = _context(args)
        who = operator(args.actor)
        target = users_admin.user_named(ctx.cw, who, args.username)
        password = read_password(args.password_stdin, f"New password for {target.username}")
        users_admin.reset_password(ctx.cw, who, target.id, password)
        print(f"password of {target.username} set; their sessions and tokens are revoked")
        return 0

    return _guarded(run)


def cmd_unlock(args: argparse.Namespace) -> int:
    ctx = _context(args)
    who = operator(args.actor)
    target = users_admin.user_named(ctx.cw, who, args.username)
    forgotten = users_admin.unlock(ctx.cw, who, target.id)
    print(f"{target.username} unlocked ({forgotten} recent login attempt(s) forgotten)")
    return 0


def _guarded(run: Any) -> int:
    try:
        return int(run())
    except PasswordEntryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def add_users_commands(sub: Any) -> None:
    """Register `fengqiao init` and `fengqiao users …` on the command's subparsers."""

    def stdin_flag(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input instead of a prompt",
        )

    i = sub.add_parser(
        "init",
        help="create the first administrator (asks the password twice); does nothing when one"
        " exists",
    )
    i.add_argument("--username", default="admin")
    i.add_argument("--display-name", default="", help="the name shown on the pages")
    stdin_flag(i)
    i.set_defaults(func=cmd_init)

    users = sub.add_parser("users", help="manage users: create, roles, passwords").add_subparsers(
        dest="users_command", required=True
    )

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--actor", default="cli", help="who acts (recorded in the audit log)")

    ls = users.add_parser("list", help="users with their role, unit and state")
    ls.add_argument("--unit", help="users of this unit or a unit below it")
    ls.add_argument("--role", choices=ROLES)
    ls.add_argument("--inactive", action="store_true", help="deactivated users only")
    ls.add_argument("--all", action="store_true", help="active and deactivated users")
    common(ls)
    ls.set_defaults(func=cmd_list)

    c = users.add_parser("create", help="a new user (asks the password twice)")
    c.add_argument("username")
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument("--unit", help="the user's organisation or area unit code")
    c.add_argument("--display-name", default="")
    c.add_argument("--lang", default="zh", choices=["zh", "en"])
    stdin_flag(c)
    common(c)
    c.set_defaults(func=cmd_create)

    r = users.add_parser("set-role", help="give a user another role and/or unit")
    r.add_argument("username")
    r.add_argument("--role", choices=ROLES)
    r.add_argument("--unit")
    r.add_argument("--no-unit", action="store_true", help="take the unit away")
    common(r)
    r.set_defaults(func=cmd_set_role)

    for name, func, text in (
        ("deactivate", cmd_deactivate, "the user can no longer log in; their tokens are revoked"),
        ("reactivate", cmd_reactivate, "the user can log in again"),
        ("unlock", cmd_unlock, "forget the failed logins that make the user wait"),
    ):
        q = users.add_parser(name, help=text)
        q.add_argument("username")
        common(q)
        q.set_defaults(func=func)

    rp = users.add_parser(
        "reset-password", help="set a user's password (asks it twice); revokes their sessions"
    )
    rp.add_argument("username")
    stdin_flag(rp)
    common(rp)
    rp.set_defaults(func=cmd_reset_password)
