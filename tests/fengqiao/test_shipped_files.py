"""One bad shipped file does not stop the others: `prepare` leaves it out, says where and what
to do (logged, kept on the Casework, shown by the health check), and every other workflow,
every published version and the sweep keep working."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

import fengqiao.context as context
from engine.casework import publishing
from engine.casework.identity import User
from engine.clock import ManualClock
from engine.errors import Problem
from engine.visibility import Visibility
from fengqiao.asgi import from_env
from fengqiao.settings import Settings
from tests.conftest import DEFINITIONS
from tests.fengqiao.conftest import edit, line_of
from tests.workflows.cases import INTAKE, MEDIATOR, grid_reported
from workflows.sweeping import drain

SUPERVISOR = User(1, "li", "李", "supervisor", None, [], scope=Visibility(everything=True))
TITLE = "en: People's mediation}"


def shipped_version(name: str) -> int:
    return int(
        (DEFINITIONS / f"{name}.yaml").read_text(encoding="utf-8").split("\nversion:")[1].split()[0]
    )


def test_a_shipped_file_changed_without_raising_its_version(
    settings: Settings, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    v = shipped_version("mediation")
    assert context.prepare(settings, clock) == []
    path = edit(settings, "mediation", TITLE, "en: People's mediation (pilot)}")
    with caplog.at_level(logging.WARNING, logger="fengqiao.definitions"):
        problems = context.prepare(settings, clock)
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(path, 'version:')}:10: version: mediation v{v} was published from"
        " this file on 2026-11-23 with other content: the file changed without raising its"
        f" version. This file is left out: cases keep their versions, new cases open on v{v}"
        f" (raise `version` to {v + 1})"
    ]
    assert caplog.messages[0] == str(problems[0])
    assert caplog.messages[1].startswith(
        f"1 shipped definition file(s) left out ({path}); every other workflow and every"
        " published version keep running."
    )
    cw = context.open_casework(settings, clock, problems)
    try:
        assert cw.definition_problems == tuple(problems)
        opened = cw.service.open_case("mediation", MEDIATOR, INTAKE, org_unit="women").case
        assert opened.workflow_version == v  # the published content, not the edited file
        assert "(pilot)" not in cw.registry.get("mediation", v).source
    finally:
        cw.close()
    edit(settings, "mediation", f"version: {v}", f"version: {v + 1}")  # as the hint says
    assert context.prepare(settings, clock) == []


def test_a_shipped_file_colliding_with_a_version_published_through_the_api(
    settings: Settings, clock: ManualClock
) -> None:
    v = shipped_version("mediation")
    context.prepare(settings, clock)
    cw = context.open_casework(settings, clock)
    try:
        source = cw.registry.latest("mediation").source
        trial = source.replace(TITLE, "en: People's mediation (trial)}", 1)
        assert (
            publishing.publish(cw, SUPERVISOR, trial, reason="试行", based_on=v).definition.version
            == v + 1
        )
    finally:
        cw.close()
    edit(settings, "mediation", TITLE, "en: People's mediation (pilot)}")
    path = edit(settings, "mediation", f"version: {v}", f"version: {v + 1}")
    problems = context.prepare(settings, clock)
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(path, 'version:')}:10: version: mediation v{v + 1} was published by"
        " li on 2026-11-23 (API or editor) with other content than this file. This file is left"
        f" out: cases keep their versions, new cases open on v{v + 1}"
        f" (raise `version` to {v + 2})"
    ]


def test_a_shipped_file_that_fails_to_load(settings: Settings, clock: ManualClock) -> None:
    yaml_error = edit(settings, "labor_dispute", "initial: intake", "initial: intake: x")
    invalid = edit(settings, "mediation", "initial: intake", "initial: intak")
    problems = context.prepare(settings, clock)
    assert [str(p) for p in problems] == [
        f"{yaml_error}:{line_of(yaml_error, 'initial:')}:16: YAML syntax error: mapping values"
        " are not allowed here",
        f"{invalid}:{line_of(invalid, 'initial:')}:10: initial: initial state 'intak' is not a"
        " state (did you mean 'intake'?)",
    ]
    cw = context.open_casework(settings, clock, problems)
    try:
        # The two bad files were never published; every other file was.
        assert cw.registry.names() == sorted(
            p.stem
            for p in DEFINITIONS.glob("*.yaml")
            if p.stem not in ("labor_dispute", "mediation")
        )
    finally:
        cw.close()


def test_the_other_workflows_keep_working_while_a_file_is_bad(
    settings: Settings, clock: ManualClock
) -> None:
    context.prepare(settings, clock)
    edit(settings, "mediation", TITLE, "en: People's mediation (pilot)}")
    problems = context.prepare(settings, clock)
    assert len(problems) == 1
    cw = context.open_casework(settings, clock, problems)
    try:
        reported = grid_reported(cw.service)  # open, then fire
        mediation = cw.service.open_case("mediation", MEDIATOR, INTAKE, org_unit="women").case
        assert cw.service.fire(mediation.id, "register", MEDIATOR).case.state == "assessment"
        clock.advance(timedelta(minutes=31))  # the grid case's deadline is due
        sweep = context.open_casework(settings, clock)  # what each sweep of the worker opens
        try:
            report = drain(lambda: sweep.service.fire_due_timers(limit=500))
        finally:
            sweep.close()
        assert report.fired >= 1 and report.retrying == report.failed == 0
        after = cw.service.get_case(reported.id)
        assert after.state != reported.state or after.data["tier"] != reported.data["tier"]
    finally:
        cw.close()


def test_the_asgi_factory_logs_the_problems_and_the_health_check_lists_them(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = edit(settings, "labor_dispute", "initial: intake", "initial: intake: x")
    for key in ("database_url", "definitions_dir", "party_key_file", "uploads_dir"):
        monkeypatch.setenv(f"FENGQIAO_{key.upper()}", str(getattr(settings, key)))
    with caplog.at_level(logging.WARNING, logger="fengqiao.definitions"):
        app = from_env()
    line = line_of(path, "initial:")
    assert caplog.messages[0] == (
        f"{path}:{line}:16: YAML syntax error: mapping values are not allowed here"
    )
    try:
        with TestClient(app) as client:
            response = client.get("/api/health")
    finally:
        app.state.ctx.close()
    assert response.status_code == 200  # every other workflow is served
    body = response.json()
    assert body["status"] == "warning"
    assert body["definitions"] == [
        {
            "file": str(path),
            "line": line,
            "col": 16,
            "key": "",
            "message": "YAML syntax error: mapping values are not allowed here",
            "hint": "",
        }
    ]


def test_the_problems_reach_the_casework_of_a_command(settings: Settings) -> None:
    edit(settings, "mediation", "initial: intake", "initial: intak")
    ctx = context.build(settings)
    try:
        assert [(p.key, p.line) for p in ctx.cw.definition_problems] == [
            ("initial", line_of(settings.definitions_dir / "mediation.yaml", "initial:"))
        ]
        assert all(isinstance(p, Problem) for p in ctx.cw.definition_problems)
    finally:
        ctx.close()
