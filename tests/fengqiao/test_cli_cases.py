"""All three shipped workflows driven from intake to closed with the command line alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fengqiao.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*args: str) -> dict[str, Any]:
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == 0, err
        result: dict[str, Any] = json.loads(out)
        return result

    return run


def test_mediation_from_the_command_line(cli: Any) -> None:
    intake = {
        "category": "neighbour",
        "source": "grid",
        "description": "噪音",
        "notice_given": True,
    }
    case_id = cli("cases", "open", "mediation", "--data", json.dumps(intake))["case"]["id"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("register", {}),
        (
            "start_mediation",
            {
                "risk_level": "low",
                "in_scope": True,
                "organisation": "committee",
                "mediator": "li",
                "domestic_violence": False,
                "crime_risk": False,
            },
        ),
        (
            "reach_agreement",
            {
                "agreement_form": "written",
                "agreement_terms": "t",
                "performance_deadline": "2026-12-20",
            },
        ),
        ("apply_confirmation", {}),
        ("record_visit", {"performance": "performed", "satisfaction": 4, "lingering_risk": False}),
        ("close_case", {}),
    ]
    for action, data in steps:
        view = cli("cases", "fire", str(case_id), action, "--data", json.dumps(data))
    assert view["case"]["state"] == "closed"
    assert [e["action"] for e in view["history"]][-1] == "close_case"
    assert cli("cases", "show", str(case_id))["case"]["version"] == len(steps) + 1


def test_grid_escalation_from_the_command_line_with_timers_run_due(cli: Any) -> None:
    case_id = cli("cases", "open", "grid_escalation", "--role", "grid_member")["case"]["id"]
    report = {
        "grid_unit": "g-7",
        "location": "东门",
        "category": "road_facility",
        "severity": "red",
        "description": "井盖缺失",
    }
    view = cli(
        "cases",
        "fire",
        str(case_id),
        "report",
        "--role",
        "grid_member",
        "--data",
        json.dumps(report),
    )
    due = view["pending_timers"][0]["fire_at"]
    swept = cli("timers", "run-due", "--now", "2099-01-01T00:00:00+08:00")
    assert swept["fired"] >= 1, due
    view = cli("cases", "show", str(case_id))
    assert view["case"]["data"]["tier"] >= 2
    for action, role, data in [
        ("sign_for", "handler", {"handling_unit": "street-1"}),
        ("resolve", "handler", {"resolution": "已补装"}),
        ("verify_ok", "grid_member", {"rating": 5}),
    ]:
        view = cli(
            "cases", "fire", str(case_id), action, "--role", role, "--data", json.dumps(data)
        )
    assert view["case"]["state"] == "closed"


def test_labour_dispute_from_the_command_line(cli: Any) -> None:
    intake = {
        "dispute_type": "wages",
        "applicant_side": "worker",
        "application_form": "oral",
        "description": "欠薪",
        "mediation_org": "union_workroom",
        "mediator": "zhou",
    }
    case_id = cli("cases", "open", "labor_dispute", "--data", json.dumps(intake))["case"]["id"]
    for action, data in [
        ("accept", {}),
        (
            "reach_agreement",
            {"agreement_terms": "分两期支付", "performance_deadline": "2026-12-15"},
        ),
        ("sign_agreement", {"agreement_signed": True}),
        ("confirm_performed", {"performance": "performed", "satisfaction": 5}),
    ]:
        view = cli("cases", "fire", str(case_id), action, "--data", json.dumps(data))
    assert view["case"]["state"] == "closed"


def test_errors_are_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    assert main(["cases", "fire", "99", "register"]) == 1
    assert "case 99 not found" in capsys.readouterr().err
    assert main(["cases", "open", "mediaton"]) == 1
    assert "did you mean 'mediation'" in capsys.readouterr().err
    assert main(["cases", "open", "mediation", "--data", "{bad"]) == 2


def test_cases_open_and_fire_take_now_like_timers_run_due(cli: Any) -> None:
    opened = cli(
        "cases",
        "open",
        "grid_escalation",
        "--role",
        "grid_member",
        "--now",
        "2026-12-01T09:00:00+08:00",
    )
    assert opened["case"]["opened_at"] == "2026-12-01 01:00:00+00:00"
    report = {
        "grid_unit": "g-7",
        "location": "东门",
        "category": "road_facility",
        "severity": "red",
        "description": "井盖缺失",
    }
    view = cli(
        "cases",
        "fire",
        str(opened["case"]["id"]),
        "report",
        "--role",
        "grid_member",
        "--data",
        json.dumps(report),
        "--now",
        "2026-12-01T09:05:00+08:00",
    )
    deadlines = [t["fire_at"] for t in view["pending_timers"] if t["kind"] == "deadline"]
    assert deadlines == ["2026-12-01 01:15:00+00:00"]  # 10 minutes after the report


def test_the_cli_refuses_an_organisation_unit_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'u.db'}")
    assert main(["cases", "open", "mediation", "--org", "no-such-unit"]) == 1
    assert "unit 'no-such-unit' does not exist" in capsys.readouterr().err
    assert main(["cases", "open", "grid_escalation", "--role", "grid_member", "--grid", "g-x"]) == 1
    assert "unit 'g-x' does not exist" in capsys.readouterr().err
    assert main(["cases", "show", "1"]) == 1  # nothing was opened
    assert "case 1 not found" in capsys.readouterr().err
