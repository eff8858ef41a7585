"""`fengqiao import` and `fengqiao export`: preview by default, --apply imports, problems on
stderr by row and column with exit code 1, an export that imports back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store.directory import units_by_code, user_lines
from fengqiao.cli import main
from fengqiao.context import Context, build
from fengqiao.settings import Settings

UNITS = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "c1,枫桥市,Fengqiao,市,\n"
    "d1,东城区,East,区,c1\n"
    "s1,街道一,Street 1,街道,d1\n"
    "cm1,社区一,Community 1,社区,s1\n"
    "g1,第1网格,Grid 1,网格,cm1\n"
)
USERS = "用户名,姓名,角色,所属单位,网格\nwang,王,网格员,,g1\nli,李,调解员,d1,\n"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored(url: str) -> Context:
    return build(Settings(database_url=url))


def test_preview_apply_and_again(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="gbk")
    code, out, err = run(capsys, "import", "units", str(units))
    assert code == 0, err
    assert "importing it would give 5 rows: created 5, updated 0, unchanged 0" in out
    ctx = stored(url)
    with ctx.cw.store.transaction(write=False) as tx:
        assert units_by_code(tx) == {}
    ctx.close()
    code, out, err = run(capsys, "import", "units", str(units), "--apply")
    assert code == 0 and "imported units from units.csv: 5 rows: created 5" in out
    code, out, _ = run(capsys, "import", "units", str(units), "--apply")
    assert "created 0, updated 0, unchanged 5" in out

    users = tmp_path / "users.csv"
    users.write_text(USERS, encoding="utf-8-sig")
    code, out, err = run(capsys, "import", "users", str(users), "--apply", "--actor", "ops")
    assert code == 0, err
    ctx = stored(url)
    with ctx.cw.store.transaction(write=False) as tx:
        assert set(user_lines(tx)) == {"wang", "li"}
    ctx.close()


def test_problems_by_row_and_column_and_nothing_written(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(UNITS + "g2,第2网格,,网格,g2\n", encoding="utf-8")
    for extra in ((), ("--apply",)):
        code, _, err = run(capsys, "import", "units", str(bad), *extra)
        assert code == 1
        assert "units.csv: row 7, 上级单位编码: own_parent" in err
    ctx = stored(url)
    with ctx.cw.store.transaction(write=False) as tx:
        assert units_by_code(tx) == {}
    ctx.close()
    code, _, err = run(capsys, "import", "units", str(bad), "--role", "supervisor")
    assert code == 1 and "error: this needs one of the roles: admin" in err


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], ext: str
) -> None:
    units = tmp_path / "in.csv"
    units.write_text(UNITS, encoding="utf-8")
    run(capsys, "import", "units", str(units), "--apply")
    out_file = tmp_path / f"units.{ext}"
    code, out, _ = run(capsys, "export", "units", str(out_file))
    assert code == 0 and f"exported 5 units to {out_file}" in out
    code, out, _ = run(capsys, "import", "units", str(out_file), "--apply")
    assert code == 0 and "created 0, updated 0, unchanged 5" in out
