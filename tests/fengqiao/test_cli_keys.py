"""`fengqiao keygen` and `fengqiao db seal-parties`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, text

from engine.model import Actor
from engine.store.parties import parties, parties_of
from engine.store.sealing import PREFIX, Sealer, new_key_text
from fengqiao.cli import main
from fengqiao.context import build
from fengqiao.settings import Settings
from tests.engine.store.test_parties import AT, INTAKE, applicant


def test_keygen_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    key = capsys.readouterr().out.strip()
    Sealer.from_text(key)
    assert main(["keygen"]) == 0
    assert capsys.readouterr().out.strip() != key


def test_seal_parties_seals_what_was_stored_in_the_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", db)
    monkeypatch.setenv("FENGQIAO_PARTY_KEY_FILE", str(tmp_path / "party.key"))
    ctx = build(Settings())
    case_id = ctx.cw.service.open_case("mediation", Actor("li", "mediator"), INTAKE).case.id
    with ctx.cw.store.engine.begin() as conn:
        conn.execute(
            insert(parties).values(
                case_id=case_id,
                party_role="applicant",
                name="钱七",
                sensitive=False,
                anonymous=False,
                created_at=AT,
            )
        )
    ctx.close()
    assert main(["db", "seal-parties"]) == 0
    assert capsys.readouterr().out.strip() == "parties sealed: 1"
    ctx = build(Settings())
    with ctx.cw.store.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM parties")).scalar_one().startswith(PREFIX)
    assert (tmp_path / "party.key").exists()
    ctx.close()


def test_a_server_started_with_another_key_says_so_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FENGQIAO_PARTY_KEY_FILE", str(tmp_path / "party.key"))
    ctx = build(Settings())
    case_id = ctx.cw.service.open_case("mediation", Actor("li", "mediator"), INTAKE).case.id
    applicant(ctx.cw.store, ctx.cw.sealer, case_id, "周九")
    ctx.close()
    monkeypatch.setenv("FENGQIAO_PARTY_KEY", new_key_text())
    assert main(["db", "upgrade"]) == 1
    assert "does not open the parties' data" in capsys.readouterr().err


def test_rotating_the_party_key_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "party.key"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FENGQIAO_PARTY_KEY_FILE", str(key_file))
    ctx = build(Settings())
    case_id = ctx.cw.service.open_case("mediation", Actor("li", "mediator"), INTAKE).case.id
    applicant(ctx.cw.store, ctx.cw.sealer, case_id, "冯二", "13600003333")
    ctx.close()
    old_key = key_file.read_text().strip()
    new_key_file = tmp_path / "new.key"
    new_key_file.write_text(new_key_text())
    assert main(["db", "rotate-party-key", "--new-key-file", str(new_key_file)]) == 0
    out = capsys.readouterr().out
    assert "resealed under the new key: 1" in out
    assert key_file.read_text().strip() == new_key_file.read_text().strip() != old_key
    ctx = build(Settings())  # starts with the new key from the key file
    with ctx.cw.store.transaction(write=False) as tx:
        assert parties_of(tx, ctx.cw.sealer, case_id)[0].phone == "13600003333"
    ctx.close()


def test_a_malformed_new_key_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FENGQIAO_PARTY_KEY_FILE", str(tmp_path / "party.key"))
    bad = tmp_path / "bad.key"
    bad.write_text("short")
    assert main(["db", "rotate-party-key", "--new-key-file", str(bad)]) == 2
    assert "bad.key" in capsys.readouterr().err
    assert not (tmp_path / "party.key").exists()  # not even opened the database
