"""Demo data: organisations, an area tree, one user per role, cases in every state.

Cases are driven through the service with idempotency keys, so seeding twice replays the
first run instead of duplicating anything. The passwords are for a demo only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from api.auth import hash_password
from engine.casework import points, tasks
from engine.casework.identity import User
from engine.definition import SYSTEM_ROLE
from engine.model import SYSTEM_ACTOR, Actor
from engine.points import PERSON, REDEMPTION
from engine.store.parties import add_party
from engine.store.units import add_missing_units, unit_tree
from engine.store.users import save_user
from engine.units import UnitRecord
from engine.visibility import Visibility, visibility_for
from fengqiao.context import Context
from fengqiao.demo_cases import Script, scripts

PUBLIC_GRID = "g-hp-1-1"
"""The grid the public form reports to when `serve --demo` is not told another."""

ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("union", "区总工会", "Trade union"),
    ("women", "区妇联", "Women's federation"),
    ("youth", "团区委", "Youth league"),
    ("disabled", "区残联", "Disabled persons' federation"),
    ("science", "区科协", "Science association"),
)

AREAS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("c-fq", "枫桥市", "Fengqiao City", "city", None),
    ("d-east", "东城区", "East District", "district", "c-fq"),
    ("s-heping", "和平街道", "Heping Street", "street", "d-east"),
    ("cm-hp-1", "和平里一社区", "Hepingli Community 1", "community", "s-heping"),
    ("cm-hp-2", "和平里二社区", "Hepingli Community 2", "community", "s-heping"),
    ("g-hp-1-1", "一社区第1网格", "Community 1, grid 1", "grid", "cm-hp-1"),
    ("g-hp-1-2", "一社区第2网格", "Community 1, grid 2", "grid", "cm-hp-1"),
    ("g-hp-2-1", "二社区第1网格", "Community 2, grid 1", "grid", "cm-hp-2"),
    ("s-qingnian", "青年路街道", "Qingnian Road Street", "street", "d-east"),
    ("cm-qn-1", "青年路社区", "Qingnian Community", "community", "s-qingnian"),
    ("g-qn-1-1", "青年路第1网格", "Qingnian grid 1", "grid", "cm-qn-1"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    unit: str | None
    display_name: str
    grid_units: tuple[str, ...] = ()


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "demo-admin", "admin", None, "系统管理员"),
    DemoUser("supervisor", "demo-supervisor", "supervisor", "d-east", "东城区督导 周敏"),
    DemoUser("org_admin", "demo-org-admin", "org_admin", "union", "工会调解室主任 陈刚"),
    DemoUser("mediator", "demo-mediator", "mediator", "union", "工会调解员 李明"),
    DemoUser("handler", "demo-handler", "handler", "cm-hp-1", "一社区处置员 赵磊"),
    DemoUser(
        "grid_member", "demo-grid", "grid_member", None, "网格员 孙丽", ("g-hp-1-1", "g-hp-1-2")
    ),
    DemoUser("street_handler", "demo-handler", "handler", "s-heping", "和平街道处置员 吴强"),
    DemoUser("mediator_women", "demo-mediator", "mediator", "women", "妇联调解员 王芳"),
    DemoUser("mediator_youth", "demo-mediator", "mediator", "youth", "团区委调解员 刘洋"),
    DemoUser("mediator_disabled", "demo-mediator", "mediator", "disabled", "残联调解员 郑华"),
    DemoUser("mediator_science", "demo-mediator", "mediator", "science", "科协调解员 何静"),
)


def _scripts(ctx: Context) -> list[Script]:
    return scripts(ctx.cw.clock.now().astimezone(ZoneInfo(ctx.settings.timezone)).date())


def seed_units(ctx: Context) -> int:
    """The demo's units, those missing only: a unit administered since (renamed, moved,
    merged, retired: engine.casework.units_admin) stays as it is."""
    units = [UnitRecord(code, zh, en, "organisation", "d-east") for code, zh, en in ORGANISATIONS]
    units += [UnitRecord(*a) for a in AREAS]
    with ctx.cw.store.transaction() as tx:
        add_missing_units(tx, units)
    return len(units)


def seed_users(ctx: Context) -> list[DemoUser]:
    now = ctx.cw.clock.now()
    hashes = {u.username: hash_password(u.password) for u in USERS}
    with ctx.cw.store.transaction() as tx:
        for u in USERS:
            save_user(
                tx,
                username=u.username,
                password_hash=hashes[u.username],
                display_name=u.display_name,
                role=u.role,
                unit=u.unit,
                grid_units=list(u.grid_units),
                lang="zh",
                at=now,
            )
    return list(USERS)


def seed_cases(ctx: Context) -> dict[str, int]:
    """Open and drive every demo case; a second run replays (same keys, same cases)."""
    out: dict[str, int] = {}
    for s in _scripts(ctx):
        opened = ctx.cw.service.open_case(
            s.workflow,
            Actor(s.opened_by, _role_of(s.opened_by)),
            s.data,
            org_unit=s.org_unit,
            grid_unit=s.grid_unit,
            idempotency_key=f"demo:{s.key}:open",
        )
        case = opened.case
        if not opened.replayed and s.parties:
            with ctx.cw.store.transaction() as tx:
                for p in s.parties:
                    add_party(
                        tx, ctx.cw.sealer, case_id=case.id, at=ctx.cw.clock.now(), **_party(p)
                    )
        for i, (action, role, data) in enumerate(s.steps):
            if action == "merge":
                data = {"merged_into": str(out.get(str(data["merged_into"]), ""))}
            actor = SYSTEM_ACTOR if role == SYSTEM_ROLE else Actor(_actor_for(role, s), role)
            result = ctx.cw.service.fire(
                case.id,
                action,
                actor,
                data,
                idempotency_key=f"demo:{s.key}:{i}:{action}",
            )
            case = result.case
        if not opened.replayed and s.tasks:
            _seed_tasks(ctx, s, case.id)
        out[s.key] = case.id
    return out


def _seed_tasks(ctx: Context, s: Script, case_id: int) -> None:
    """The script's tasks, through the use cases: given by its lead, then done by a demo
    user of the task's unit or closed by the lead (a case seeded before keeps its own)."""
    with ctx.cw.store.transaction(write=False) as tx:
        tree = unit_tree(tx)

    def user(username: str) -> User:
        u = next(x for x in USERS if x.username == username)
        scope = visibility_for(tree, u.role, u.unit, u.grid_units)
        return User(0, u.username, u.display_name, u.role, u.unit, list(u.grid_units), scope=scope)

    lead = user(s.task_lead)
    given = [
        tasks.add_task(ctx.cw, lead, case_id, unit=t.unit, title=t.title, due=t.due)
        for t in s.tasks
    ]
    for t, task in zip(s.tasks, given, strict=True):
        if t.outcome == "done":
            member = next(u.username for u in USERS if u.unit == t.unit)
            tasks.complete_task(ctx.cw, user(member), case_id, task.id, t.text)
        elif t.outcome == "closed":
            tasks.close_task(ctx.cw, lead, case_id, task.id, t.text)


def _role_of(username: str) -> str:
    return next(u.role for u in USERS if u.username == username)


def _actor_for(role: str, s: Script) -> str:
    if role == "system":  # a timer's step, taken at once instead of waiting for its moment
        return "system"
    if role == "mediator":
        return s.opened_by if _role_of(s.opened_by) == "mediator" else "mediator"
    return next(u.username for u in USERS if u.role == role)


def _party(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "party_role": p["party_role"],
        "name": p["name"],
        "phone": p.get("phone"),
        "id_number": p.get("id_number"),
        "address": p.get("address"),
        "sensitive": bool(p.get("sensitive", False)),
        "anonymous": bool(p.get("anonymous", False)),
    }


# A redemption with a community partner (社区伙伴, seed 003): (account, points, partner, what).
DEMO_REDEMPTION = ("王秀英", 20, "惠民超市", "大米一袋、食用油一桶")


def seed_redemption(ctx: Context) -> None:
    """The demo's redemption, once: a second run finds it in the ledger and adds none."""
    account, amount, partner, note = DEMO_REDEMPTION
    user = User(
        id=0,
        username="grid_member",
        display_name="grid_member",
        role="grid_member",
        unit=None,
        grid_units=["g-hp-1-1"],
        scope=Visibility(),
    )
    page = points.ledger(ctx.cw, user, account_kind=PERSON, account=account, limit=500)
    if not any(e.category == REDEMPTION for e in page.entries):
        points.redeem(
            ctx.cw,
            user,
            account_kind=PERSON,
            account=account,
            amount=amount,
            partner=partner,
            note=note,
        )


def seed(ctx: Context) -> dict[str, Any]:
    """Seed everything; returns what was seeded (users with their demo passwords)."""
    units = seed_units(ctx)
    users = seed_users(ctx)
    cases = seed_cases(ctx)
    seed_redemption(ctx)
    return {
        "units": units,
        "users": [
            {"username": u.username, "password": u.password, "role": u.role, "unit": u.unit}
            for u in users
        ],
        "cases": cases,
    }
