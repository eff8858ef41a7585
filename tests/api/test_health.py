"""GET /api/health: 200 while every deadline fires, 503 from the sweep that first fails one
until the case no longer waits on it, and when due timers are left lying; no login needed.
The shipped definition files left out at start are listed (200, status "warning")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.errors import Problem
from engine.sweep import BACKOFF
from tests.api.conftest import World
from tests.workflows.cases import HANDLER, grid_reported, poison


def health(world: World) -> tuple[int, dict[str, Any]]:
    response = world.client.get("/api/health")  # no Authorization header
    return response.status_code, response.json()


def test_a_failing_deadline_fails_the_health_check_until_the_case_moves_on(
    any_world: World,
) -> None:
    w = any_world
    assert health(w) == (
        200,
        {
            "status": "ok",
            "timers": {"retrying": 0, "failed": 0, "oldest_due_s": 0.0, "late_after_s": 60.0},
            "definitions": [],
        },
    )
    bad = grid_reported(w.ctx.service)
    poison(w.ctx.store, bad.id)
    w.clock.advance(timedelta(minutes=31))
    assert w.ctx.service.fire_due_timers().retrying == 1

    response = w.client.get("/api/health")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/timers-stuck") and body["status"] == 503
    assert (body["timers"]["retrying"], body["timers"]["failed"]) == (1, 0)
    assert "4300" not in response.text and "escalation" not in response.text

    for wait in BACKOFF:  # every attempt fails: given up, and still failing the check
        w.clock.advance(wait)
        w.ctx.service.fire_due_timers()
    status, body = health(w)
    assert status == 503 and (body["timers"]["retrying"], body["timers"]["failed"]) == (0, 1)

    # Someone takes the case on by hand: no deadline is stuck any more.
    w.ctx.service.fire(bad.id, "sign_for", HANDLER, {"handling_unit": "cm-1"})
    assert health(w)[0] == 200


def test_due_timers_no_sweep_fires_fail_the_health_check(any_world: World) -> None:
    w = any_world
    grid_reported(w.ctx.service)
    w.clock.advance(timedelta(minutes=24, seconds=30))  # the reminder is 30 s late: fine
    status, body = health(w)
    assert status == 200 and body["timers"]["oldest_due_s"] == 30.0
    w.clock.advance(timedelta(seconds=31))  # more than four sweep intervals late
    status, body = health(w)
    assert status == 503 and body["timers"]["oldest_due_s"] == 61.0
    assert "61 s" in body["detail"]
    w.ctx.service.fire_due_timers()
    assert health(w)[0] == 200


LEFT_OUT = Problem(
    "definitions/mediation.yaml",
    18,
    10,
    "version",
    "mediation v2 was published from this file on 2026-11-23 with other content",
    "raise `version` to 3",
)


def test_the_shipped_files_left_out_are_listed(world: World) -> None:
    world.ctx.definition_problems = (LEFT_OUT,)
    status, body = health(world)
    assert status == 200 and body["status"] == "warning"
    assert body["definitions"] == [
        {
            "file": "definitions/mediation.yaml",
            "line": 18,
            "col": 10,
            "key": "version",
            "message": LEFT_OUT.message,
            "hint": "raise `version` to 3",
        }
    ]
    grid_reported(world.ctx.service)
    world.clock.advance(timedelta(minutes=30))  # timers left lying as well: 503, both listed
    status, body = health(world)
    assert status == 503 and body["definitions"][0]["hint"] == "raise `version` to 3"
