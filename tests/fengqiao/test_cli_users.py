"""`fengqiao init`, `fengqiao users …` and the first start of `fengqiao serve`: passwords by
prompt (typed twice) or standard input, never from the command line."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.casework.passwords import verify_password
from engine.store import audit
from engine.store.db import make_engine
from engine.store.repository import SqlStore
from engine.store.users import UserRecord, get_user, list_users
from fengqiao import cli
from fengqiao.cli import main

PASSWORD = "a long admin secret"
OTHER = "another long secret"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    store = SqlStore(make_engine(url))
    yield store
    store.engine.dispose()


@pytest.fixture
def run(db: SqlStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """The command with `stdin` as its standard input (not a terminal)."""

    def go(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def _user(db: SqlStore, username: str) -> UserRecord | None:
    with db.transaction(write=False) as tx:
        return get_user(tx, username)


def _count(db: SqlStore) -> int:
    with db.transaction(write=False) as tx:
        return len(list_users(tx))


def _typing(monkeypatch: pytest.MonkeyPatch, *typed: str) -> list[str]:
    """A terminal at which `typed` is typed, one getpass prompt after another; the prompts."""
    answers = list(typed)
    prompts: list[str] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def test_init_reads_the_password_from_stdin_once(run: Run, db: SqlStore) -> None:
    code, out, _ = run("init", "--username", "root", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "administrator root created" in out
    rec = _user(db, "root")
    assert rec is not None and rec.role == "admin" and rec.active
    assert verify_password(rec.password_hash, PASSWORD)
    assert PASSWORD not in out

    code, out, _ = run("init", "--username", "other", "--password-stdin", stdin=OTHER + "\n")
    assert code == 0 and "an administrator exists already (root): nothing changed" in out
    assert _user(db, "other") is None and _count(db) == 1
    rec = _user(db, "root")
    assert rec is not None and verify_password(rec.password_hash, PASSWORD)
    with db.transaction(write=False) as tx:
        actions = [e.action for e in audit.entries(tx, limit=10)]
    assert actions == ["first_admin_created"]


def test_init_asks_twice_at_a_terminal(
    run: Run, db: SqlStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _typing(monkeypatch, PASSWORD, PASSWORD)
    assert main(["init"]) == 0
    assert len(prompts) == 2 and "again" in prompts[1]
    rec = _user(db, "admin")
    assert rec is not None and verify_password(rec.password_hash, PASSWORD)
    assert PASSWORD not in capsys.readouterr().out


def test_init_refuses_two_different_entries(
    db: SqlStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _typing(monkeypatch, PASSWORD, OTHER)
    assert main(["init"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert _count(db) == 0


def test_init_without_a_terminal_asks_for_password_stdin(run: Run, db: SqlStore) -> None:
    code, _, err = run("init")
    assert code == 2 and "--password-stdin" in err
    assert _count(db) == 0


def test_init_refuses_a_short_password(run: Run, db: SqlStore) -> None:
    code, _, err = run("init", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 10 characters" in err
    assert _count(db) == 0


def test_a_password_is_never_taken_from_the_command_line(run: Run) -> None:
    with pytest.raises(SystemExit):
        main(["init", "--password", PASSWORD])
    with pytest.raises(SystemExit):
        main(["users", "create", "x", "--role", "mediator", "--password", PASSWORD])


def test_users_commands_end_to_end(run: Run, db: SqlStore) -> None:
    assert run("init", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    # the demo's units, without its users and cases
    from engine.store.units import save_units
    from engine.units import UnitRecord

    with db.transaction() as tx:
        save_units(
            tx,
            [
                UnitRecord("d1", "东城区", "East", "district"),
                UnitRecord("union", "区总工会", "Union", "organisation", "d1"),
                UnitRecord("women", "区妇联", "Women", "organisation", "d1"),
            ],
        )
    code, out, err = run(
        "users",
        "create",
        "li.ming",
        "--role",
        "mediator",
        "--unit",
        "union",
        "--display-name",
        "李明",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, err
    assert out.split()[:4] == ["li.ming", "mediator", "union", "active"]
    code, out, err = run(
        "users",
        "create",
        "x",
        "--role",
        "mediator",
        "--unit",
        "mars",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 1 and "unit 'mars' does not exist" in err
    code, out, err = run(
        "users",
        "create",
        "li.ming",
        "--role",
        "mediator",
        "--unit",
        "union",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 1 and "taken" in err

    code, out, _ = run("users", "list")
    assert [line.split()[0] for line in out.splitlines()] == ["admin", "li.ming"]
    code, out, _ = run("users", "list", "--unit", "union")
    assert [line.split()[0] for line in out.splitlines()] == ["li.ming"]

    code, out, _ = run("users", "set-role", "li.ming", "--role", "org_admin", "--unit", "women")
    assert code == 0 and out.split()[:3] == ["li.ming", "org_admin", "women"]

    code, out, _ = run("users", "deactivate", "li.ming", "--actor", "zhou")
    assert code == 0 and "deactivated" in out
    code, out, _ = run("users", "list")
    assert "li.ming" not in out
    code, out, _ = run("users", "list", "--inactive")
    assert out.split()[0] == "li.ming"
    assert run("users", "reactivate", "li.ming")[0] == 0

    code, out, _ = run("users", "reset-password", "li.ming", "--password-stdin", stdin=OTHER + "\n")
    assert code == 0 and OTHER not in out
    rec = _user(db, "li.ming")
    assert rec is not None and verify_password(rec.password_hash, OTHER)

    code, out, _ = run("users", "unlock", "li.ming")
    assert code == 0 and "li.ming unlocked" in out

    code, _, err = run("users", "deactivate", "admin")
    assert code == 1 and "last active administrator" in err
    code, _, err = run("users", "deactivate", "nobody")
    assert code == 1 and "no such user nobody" in err
    with db.transaction(write=False) as tx:
        entries = audit.entries(tx, limit=20)
    assert ("zhou", "user_deactivated") in [(e.username, e.action) for e in entries]


def _stub_serve(started: list[object]) -> Callable[[object], int]:
    """`fengqiao.serve.serve` that only notes it was asked to serve."""

    def serve(ctx: object) -> int:
        started.append(ctx)
        return 0

    return serve


def test_serve_without_an_admin_and_without_a_terminal_refuses(
    run: Run, db: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr("fengqiao.cli.prefect_defaults", lambda _path: None)
    monkeypatch.setattr("fengqiao.serve.serve", _stub_serve(started))
    code, _, err = run("serve")
    assert code == 2 and "run `fengqiao init`" in err
    assert started == [] and _count(db) == 0

    assert run("init", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    assert run("serve")[0] == 0 and len(started) == 1


def test_serve_at_a_terminal_asks_for_the_first_admin(
    db: SqlStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[object] = []
    monkeypatch.setattr("fengqiao.cli.prefect_defaults", lambda _path: None)
    monkeypatch.setattr("fengqiao.serve.serve", _stub_serve(started))
    _typing(monkeypatch, PASSWORD, PASSWORD)
    monkeypatch.setattr("builtins.input", lambda _prompt="": "chief")
    assert cli.main(["serve"]) == 0
    assert len(started) == 1
    rec = _user(db, "chief")
    assert rec is not None and rec.role == "admin"
    assert "no administrator yet" in capsys.readouterr().out


def test_the_asgi_factory_serves_without_an_admin_but_warns(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    from fengqiao.asgi import from_env

    with caplog.at_level("WARNING", logger="fengqiao.asgi"):
        app = from_env()
    app.state.ctx.close()
    assert "run `fengqiao init`" in caplog.text
    caplog.clear()
    assert run("init", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    with caplog.at_level("WARNING", logger="fengqiao.asgi"):
        app = from_env()
    app.state.ctx.close()
    assert "fengqiao init" not in caplog.text
