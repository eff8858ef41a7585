"""Managing users, on SQLite and PostgreSQL: who may manage whom, the refusals (each writing
nothing), the audit entry of every change, revoked tokens, and users without a password."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.casework import users_admin
from engine.casework.context import Casework
from engine.casework.errors import (
    AdminExistsError,
    DuplicateUserError,
    InvalidUserError,
    LastAdminError,
    NotPermittedError,
    OutOfScopeError,
    RoleNotGrantableError,
    UnknownUnitError,
    UnknownUserError,
)
from engine.casework.passwords import MIN_LENGTH, hash_password, usable, verify_password
from engine.casework.users_admin import NewUser
from engine.clock import ManualClock
from engine.store import audit, login_attempts
from engine.store import users as user_store
from tests.engine.casework.conftest import person

PASSWORD = "correct horse battery"
OTHER = "another long password"


def _audit_actions(cw: Casework) -> list[tuple[str, str, str]]:
    with cw.store.transaction(write=False) as tx:
        rows = tx.conn.execute(audit.audit_log.select().order_by(audit.audit_log.c.id)).all()
    return [(r.username, r.action, r.reason) for r in rows]


def _count_users(cw: Casework) -> int:
    with cw.store.transaction(write=False) as tx:
        return len(user_store.list_users(tx))


def _mediator(cw: Casework, name: str = "li.ming", unit: str = "union") -> int:
    new = NewUser(name, "mediator", unit, PASSWORD, display_name="李明")
    return users_admin.create_user(cw, person("admin"), new).id


def _token(cw: Casework, user_id: int, key: str) -> None:
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        user_store.add_token(
            tx,
            token_hash=key,
            user_id=user_id,
            kind="session",
            csrf="c",
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )


def _holder(cw: Casework, key: str) -> str | None:
    with cw.store.transaction(write=False) as tx:
        found = user_store.user_by_token(tx, key, cw.clock.now())
    return found[0].username if found else None


def test_an_admin_creates_a_user_with_a_hashed_password_and_an_audit_entry(cw: Casework) -> None:
    created = users_admin.create_user(
        cw, person("admin"), NewUser("li.ming", "mediator", "union", PASSWORD, "李明", "en")
    )
    assert (created.username, created.role, created.unit, created.lang) == (
        "li.ming",
        "mediator",
        "union",
        "en",
    )
    assert created.active and created.has_password
    assert created.password_changed_at == cw.clock.now()
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, "li.ming")
    assert rec is not None and PASSWORD not in rec.password_hash
    assert verify_password(rec.password_hash, PASSWORD)
    assert _audit_actions(cw) == [("admin", "user_created", "li.ming: mediator @ union")]
    assert PASSWORD not in repr(_audit_actions(cw))


@pytest.mark.parametrize(
    ("new", "error", "field"),
    [
        (NewUser("x1", "wizard", "union", PASSWORD), InvalidUserError, "role"),
        (NewUser("x1", "mediator", "mars", PASSWORD), UnknownUnitError, None),
        (NewUser("x1", "mediator", "union", "short"), InvalidUserError, "password"),
        (NewUser("x1", "mediator", None, PASSWORD), InvalidUserError, "unit"),
        (NewUser("x 1", "mediator", "union", PASSWORD), InvalidUserError, "username"),
        (NewUser("", "mediator", "union", PASSWORD), InvalidUserError, "username"),
        (NewUser("x" * 65, "mediator", "union", PASSWORD), InvalidUserError, "username"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    cw: Casework, new: NewUser, error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as raised:
        users_admin.create_user(cw, person("admin"), new)
    if field is not None:
        assert isinstance(raised.value, InvalidUserError) and raised.value.field == field
    assert _count_users(cw) == 0
    assert _audit_actions(cw) == []


def test_the_minimum_length_is_a_constant_of_ten() -> None:
    assert MIN_LENGTH == 10


def test_a_password_of_the_minimum_length_is_taken(cw: Casework) -> None:
    new = NewUser("x1", "mediator", "union", "a" * MIN_LENGTH)
    assert users_admin.create_user(cw, person("admin"), new).has_password
    short = NewUser("x2", "mediator", "union", "a" * (MIN_LENGTH - 1))
    with pytest.raises(InvalidUserError):
        users_admin.create_user(cw, person("admin"), short)


def test_a_duplicate_user_name_is_refused_in_any_case(cw: Casework) -> None:
    _mediator(cw)
    for name in ("li.ming", "LI.MING"):
        with pytest.raises(DuplicateUserError):
            _mediator(cw, name)
    assert _count_users(cw) == 1


def test_an_org_admin_manages_its_organisation_only(cw: Casework) -> None:
    boss = person("org_admin")  # of the union
    own = users_admin.create_user(cw, boss, NewUser("u1", "mediator", "union", PASSWORD))
    assert own.unit == "union"
    women = _mediator(cw, "w1", "women")
    with pytest.raises(OutOfScopeError):
        users_admin.create_user(cw, boss, NewUser("u2", "mediator", "women", PASSWORD))
    for role in ("admin", "supervisor"):
        with pytest.raises(RoleNotGrantableError):
            users_admin.create_user(cw, boss, NewUser("u3", role, "union", PASSWORD))
    with pytest.raises(UnknownUserError):
        users_admin.get_user(cw, boss, women)
    with pytest.raises(UnknownUserError):
        users_admin.deactivate(cw, boss, women)
    with pytest.raises(UnknownUserError):
        users_admin.reset_password(cw, boss, women, OTHER)
    with pytest.raises(RoleNotGrantableError):
        users_admin.change_user(cw, boss, own.id, role="admin")
    with pytest.raises(OutOfScopeError):
        users_admin.change_user(cw, boss, own.id, unit="women")
    assert [u.username for u in users_admin.list_users(cw, boss)] == ["u1"]
    assert {u.username for u in users_admin.list_users(cw, person("admin"))} == {"u1", "w1"}
    assert users_admin.get_user(cw, person("admin"), own.id).unit == "union"


def test_an_org_admin_does_not_touch_a_supervisor_in_its_organisation(cw: Casework) -> None:
    sup = users_admin.create_user(
        cw, person("admin"), NewUser("sup", "supervisor", "union", PASSWORD)
    )
    boss = person("org_admin")
    assert users_admin.list_users(cw, boss) == []
    with pytest.raises(RoleNotGrantableError):
        users_admin.deactivate(cw, boss, sup.id)


def test_only_admins_and_org_admins_manage_users(cw: Casework) -> None:
    for name in ("mediator", "supervisor", "handler", "grid_member"):
        with pytest.raises(NotPermittedError):
            users_admin.list_users(cw, person(name))
        with pytest.raises(NotPermittedError):
            users_admin.create_user(cw, person(name), NewUser("x", "mediator", "union", PASSWORD))


def test_role_and_unit_change_audited(cw: Casework) -> None:
    uid = _mediator(cw)
    changed = users_admin.change_user(cw, person("admin"), uid, role="org_admin")
    assert (changed.role, changed.unit) == ("org_admin", "union")
    moved = users_admin.change_user(cw, person("admin"), uid, unit="women")
    assert moved.unit == "women"
    with pytest.raises(InvalidUserError):
        users_admin.change_user(cw, person("admin"), uid, unit=None)
    with pytest.raises(UnknownUnitError):
        users_admin.change_user(cw, person("admin"), uid, unit="mars")
    assert [a[1:] for a in _audit_actions(cw)[1:]] == [
        ("user_changed", "li.ming: mediator @ union → org_admin @ union"),
        ("user_changed", "li.ming: org_admin @ union → org_admin @ women"),
    ]


def test_deactivation_revokes_tokens_and_reactivation_does_not_revive_them(
    cw: Casework, clock: ManualClock
) -> None:
    uid = _mediator(cw)
    _token(cw, uid, "t1")
    assert _holder(cw, "t1") == "li.ming"
    clock.advance(timedelta(minutes=5))
    done = users_admin.deactivate(cw, person("admin"), uid)
    assert not done.active and done.deactivated_at == clock.now()
    assert _holder(cw, "t1") is None
    again = users_admin.reactivate(cw, person("admin"), uid)
    assert again.active and again.deactivated_at is None
    assert _holder(cw, "t1") is None
    assert [a[1] for a in _audit_actions(cw)] == [
        "user_created",
        "user_deactivated",
        "user_reactivated",
    ]


def test_the_last_active_admin_is_neither_deactivated_nor_demoted(cw: Casework) -> None:
    first = users_admin.create_first_admin(cw, "root", PASSWORD)
    with pytest.raises(LastAdminError):
        users_admin.deactivate(cw, person("admin"), first.id)
    with pytest.raises(LastAdminError):
        users_admin.change_user(cw, person("admin"), first.id, role="supervisor", unit="d1")
    second = users_admin.create_user(cw, person("admin"), NewUser("root2", "admin", None, PASSWORD))
    assert not users_admin.deactivate(cw, person("admin"), first.id).active
    with pytest.raises(LastAdminError):
        users_admin.deactivate(cw, person("admin"), second.id)
    assert users_admin.get_user(cw, person("admin"), second.id).active


def test_a_reset_password_verifies_and_revokes_every_token(cw: Casework) -> None:
    uid = _mediator(cw)
    _token(cw, uid, "t1")
    done = users_admin.reset_password(cw, person("admin"), uid, OTHER)
    assert done.has_password
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, "li.ming")
    assert rec is not None
    assert verify_password(rec.password_hash, OTHER)
    assert not verify_password(rec.password_hash, PASSWORD)
    assert _holder(cw, "t1") is None
    assert _audit_actions(cw)[-1] == ("admin", "password_reset", "li.ming: 1 token(s)")
    with pytest.raises(InvalidUserError):
        users_admin.reset_password(cw, person("admin"), uid, "short")


@pytest.mark.parametrize("stored", ["", "!", "not a hash", "$argon2id$broken"])
def test_an_empty_or_invalid_hash_never_verifies(stored: str) -> None:
    for typed in ("", stored, "fengqiao: no such user", PASSWORD):
        assert not verify_password(stored, typed)
    assert usable(hash_password(PASSWORD)) and not usable("")


def test_an_imported_user_without_a_password_gets_one_by_a_reset(cw: Casework) -> None:
    with cw.store.transaction() as tx:
        uid = user_store.insert_user(
            tx,
            username="imported",
            password_hash="",
            display_name="",
            role="mediator",
            unit="union",
            lang="zh",
            at=cw.clock.now(),
        )
    before = users_admin.get_user(cw, person("admin"), uid)
    assert not before.has_password and before.password_changed_at is None
    users_admin.reset_password(cw, person("admin"), uid, OTHER)
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, "imported")
    assert rec is not None and verify_password(rec.password_hash, OTHER)


def test_unlock_forgets_the_accounts_failed_logins(cw: Casework) -> None:
    uid = _mediator(cw)
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        for address in ("10.0.0.1", "10.0.0.2"):
            login_attempts.begin(
                tx, username="li.ming", address=address, at=now, before=now - timedelta(days=1)
            )
        login_attempts.begin(
            tx, username="other", address="10.0.0.1", at=now, before=now - timedelta(days=1)
        )
    assert users_admin.unlock(cw, person("admin"), uid) == 2
    with cw.store.transaction(write=False) as tx:
        mine, _, account = login_attempts.failures(
            tx, username="li.ming", address="10.0.0.1", since=now - timedelta(days=1), excluding=0
        )
        _, place, _ = login_attempts.failures(
            tx, username="other", address="10.0.0.1", since=now - timedelta(days=1), excluding=0
        )
    assert (mine.count, account.count, place.count) == (0, 0, 1)
    assert _audit_actions(cw)[-1] == ("admin", "user_unlocked", "li.ming: 2")


def test_changing_ones_own_password_needs_the_current_one(cw: Casework) -> None:
    uid = _mediator(cw)
    me = users_admin.get_user(cw, person("admin"), uid)
    _token(cw, uid, "mine")
    _token(cw, uid, "elsewhere")
    from engine.casework.identity import User

    user = User(uid, me.username, me.display_name, me.role, me.unit, [])
    with pytest.raises(InvalidUserError) as wrong:
        users_admin.change_own_password(cw, user, "not it at all", OTHER, "mine")
    assert wrong.value.field == "current_password"
    with pytest.raises(InvalidUserError) as short:
        users_admin.change_own_password(cw, user, PASSWORD, "short", "mine")
    assert short.value.field == "new_password"
    users_admin.change_own_password(cw, user, PASSWORD, OTHER, "mine")
    assert _holder(cw, "mine") == "li.ming"
    assert _holder(cw, "elsewhere") is None
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, "li.ming")
    assert rec is not None and verify_password(rec.password_hash, OTHER)
    assert _audit_actions(cw)[-1] == ("li.ming", "password_changed", "1 other token(s)")


def test_the_first_admin_once(cw: Casework) -> None:
    assert not users_admin.has_admin(cw)
    first = users_admin.create_first_admin(cw, "root", PASSWORD, "管理员")
    assert (first.role, first.unit, first.active) == ("admin", None, True)
    assert users_admin.has_admin(cw)
    with pytest.raises(AdminExistsError) as exists:
        users_admin.create_first_admin(cw, "root2", PASSWORD)
    assert exists.value.usernames == ["root"]
    assert _count_users(cw) == 1
    assert _audit_actions(cw) == [("system", "first_admin_created", "root")]


def test_the_first_admin_needs_a_good_password(cw: Casework) -> None:
    with pytest.raises(InvalidUserError):
        users_admin.create_first_admin(cw, "root", "short")
    assert not users_admin.has_admin(cw)


def test_list_filters_by_unit_subtree_role_and_state(cw: Casework) -> None:
    admin = person("admin")
    _mediator(cw, "m1", "union")
    h = users_admin.create_user(cw, admin, NewUser("h1", "handler", "cm1", PASSWORD)).id
    users_admin.create_user(cw, admin, NewUser("s1", "supervisor", "d1", PASSWORD))
    users_admin.deactivate(cw, admin, h)

    def names(**kw: object) -> list[str]:
        return [u.username for u in users_admin.list_users(cw, admin, **kw)]  # type: ignore[arg-type]

    assert names() == ["h1", "m1", "s1"]
    assert names(active=True) == ["m1", "s1"]
    assert names(active=False) == ["h1"]
    assert names(unit="s1") == ["h1"]  # 和平里街道 and the community under it
    assert names(unit="d1") == ["h1", "m1", "s1"]
    assert names(role="supervisor") == ["s1"]
    with pytest.raises(UnknownUnitError):
        names(unit="mars")


def test_a_user_id_that_does_not_exist(cw: Casework) -> None:
    with pytest.raises(UnknownUserError):
        users_admin.get_user(cw, person("admin"), 999)
    with pytest.raises(UnknownUserError):
        users_admin.deactivate(cw, person("admin"), 999)


def test_hash_password_is_salted() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


class AuditDown(Exception):
    """The audit log refused the entry."""


def test_a_change_whose_audit_entry_fails_is_not_there(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each change and its audit entry are one transaction
    (as tests/engine/casework/test_one_transaction.py checks for the others)."""
    admin = person("admin")
    uid = _mediator(cw)
    _token(cw, uid, "t1")
    with cw.store.transaction() as tx:
        login_attempts.begin(
            tx, username="li.ming", address="10.0.0.1", at=cw.clock.now(), before=cw.clock.now()
        )

    def refuse(*_: object, **__: object) -> None:
        raise AuditDown

    monkeypatch.setattr(audit, "record", refuse)
    changes: list[Callable[[], object]] = [
        lambda: users_admin.create_user(cw, admin, NewUser("x1", "mediator", "union", PASSWORD)),
        lambda: users_admin.change_user(cw, admin, uid, role="handler"),
        lambda: users_admin.deactivate(cw, admin, uid),
        lambda: users_admin.reset_password(cw, admin, uid, OTHER),
        lambda: users_admin.unlock(cw, admin, uid),
        lambda: users_admin.create_first_admin(cw, "root", PASSWORD),
    ]
    for change in changes:
        with pytest.raises(AuditDown):
            change()
    monkeypatch.undo()
    with cw.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, "li.ming")
        assert [u.username for u in user_store.list_users(tx)] == ["li.ming"]
        left, _, _ = login_attempts.failures(
            tx,
            username="li.ming",
            address="10.0.0.1",
            since=cw.clock.now() - timedelta(days=1),
            excluding=0,
        )
    assert rec is not None and rec.active and rec.role == "mediator"
    assert verify_password(rec.password_hash, PASSWORD)
    assert _holder(cw, "t1") == "li.ming"
    assert left.count == 1
