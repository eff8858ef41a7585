"""Exports over HTTP on SQLite and PostgreSQL: the list's filters and the user's visibility,
CSV with a byte order mark and .xlsx, the board and the rates for their readers, audited;
the response streams."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from engine.store import audit
from engine.store.bulk import clone_case
from engine.tabular import BOM
from tests.api.conftest import MEDIATION_INTAKE, World

ASSESS = {
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}
TO_MEDIATION = [("register", "mediator", {}), ("start_mediation", "mediator", ASSESS)]


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode(), newline="")))


def ids_of(body: bytes) -> list[int]:
    return [int(r[0]) for r in rows_of(body)[1:]]


def exports_audited(w: World) -> list[tuple[str, dict[str, Any]]]:
    with w.ctx.store.transaction(write=False) as tx:
        found = audit.entries(tx, limit=100)
    return [(e.username, json.loads(e.reason)) for e in found if e.action == "export"]


def test_the_case_list_exports_with_its_filters_and_nothing_hidden(any_world: World) -> None:
    w = any_world
    registered = w.open("mediation", MEDIATION_INTAKE, org_unit="union", steps=TO_MEDIATION[:1])
    fresh = w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    west = w.open("mediation", MEDIATION_INTAKE, by="mediator_west", org_unit="union-west")
    r = w.client.get("/api/cases/export.csv", headers=w.h("mediator"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="cases-')
    assert ids_of(r.content) == [fresh.id, registered.id]
    assert rows_of(r.content)[0][0] == "案件编号"
    assert b"\r\n" in r.content
    r = w.client.get(
        "/api/cases/export.csv",
        params={"state": registered.state, "workflow": "mediation", "lang": "en"},
        headers=w.h("mediator"),
    )
    assert ids_of(r.content) == [registered.id]
    assert rows_of(r.content)[0][:3] == ["Case", "Workflow", "State"]
    listed = w.client.get("/api/cases", params={"q": "拆迁"}, headers=w.h("mediator_west"))
    exported = w.client.get(
        "/api/cases/export.csv", params={"q": "拆迁"}, headers=w.h("mediator_west")
    )
    assert [c["id"] for c in listed.json()["items"]] == ids_of(exported.content) == [west.id]
    assert "王" not in exported.content.decode("utf-8-sig")
    assert [who for who, _ in exports_audited(w)] == ["mediator_west", "mediator", "mediator"]
    assert exports_audited(w)[0][1] == {
        "what": "cases",
        "format": "csv",
        "filters": {"text": "拆迁"},
        "rows": 1,
    }


def test_the_list_and_its_export_agree_on_every_filter(any_world: World) -> None:
    w = any_world
    w.open("mediation", MEDIATION_INTAKE, org_unit="union", steps=TO_MEDIATION)
    w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    w.advance(timedelta(days=40))
    w.open("mediation", MEDIATION_INTAKE, org_unit="union", steps=TO_MEDIATION)
    for params in (
        {"overdue": "true"},
        {"overdue": "false", "due_within": "720"},
        {"status": "open", "mine": "true"},
        {"status": "closed"},
        {"org": "union", "workflow": "mediation"},
    ):
        listed = w.client.get("/api/cases", params=params, headers=w.h("org_admin")).json()
        exported = w.client.get("/api/cases/export.csv", params=params, headers=w.h("org_admin"))
        assert ids_of(exported.content) == sorted(
            (c["id"] for c in listed["items"]), reverse=True
        ), params


def test_xlsx_holds_the_rows_of_the_csv(any_world: World) -> None:
    w = any_world
    ids = [w.open("mediation", MEDIATION_INTAKE, org_unit="union").id for _ in range(3)]
    r = w.client.get("/api/cases/export.xlsx", headers=w.h("mediator"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    got = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert got[0][:2] == ["案件编号", "流程"]
    assert [row[0] for row in got[1:]] == sorted(ids, reverse=True)
    assert {row[1] for row in got[1:]} == {"人民调解"}


def test_the_board_exports_for_its_readers_only(any_world: World) -> None:
    w = any_world
    late = w.open("mediation", MEDIATION_INTAKE, org_unit="union", steps=TO_MEDIATION)
    w.advance(timedelta(days=40))
    w.open("mediation", MEDIATION_INTAKE, org_unit="union", steps=TO_MEDIATION)
    r = w.client.get("/api/board/export.csv", headers=w.h("org_admin"))
    assert r.status_code == 200 and ids_of(r.content) == [late.id]
    assert (
        w.client.get(
            "/api/board/export.csv", params={"workflow": "labor_dispute"}, headers=w.h("org_admin")
        ).content
        == r.content.split(b"\r\n")[0] + b"\r\n"
    )
    assert w.client.get("/api/board/export.xlsx", headers=w.h("mediator")).status_code == 403
    union = w.client.get(
        "/api/board/export.csv", params={"unit": "union"}, headers=w.h("org_admin")
    )
    assert ids_of(union.content) == [late.id]
    nowhere = w.client.get("/api/board/export.csv", params={"unit": "x"}, headers=w.h("org_admin"))
    assert nowhere.status_code == 422
    assert [x["what"] for _, x in exports_audited(w)] == ["board", "board", "board"]


def test_the_rates_export_as_the_rates_answer(any_world: World) -> None:
    w = any_world
    w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    w.open("mediation", MEDIATION_INTAKE, org_unit="women")
    params = {"group_by": "organisation", "rank_by": "resolution"}
    rates = w.client.get("/api/rates", params=params, headers=w.h("supervisor")).json()
    r = w.client.get("/api/rates/export.csv", params=params, headers=w.h("supervisor"))
    rows = rows_of(r.content)
    assert [(row[0], int(row[3])) for row in rows[1:]] == [
        *((g["key"], g["cases"]) for g in rates["groups"]),
        ("all", rates["total"]["cases"]),
    ]
    assert rows[-1][1] == "合计"
    xlsx = w.client.get("/api/rates/export.xlsx", params=params, headers=w.h("supervisor"))
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    assert len(list(sheet.iter_rows())) == len(rows)
    assert w.client.get("/api/rates/export.csv", headers=w.h("mediator")).status_code == 403
    bad = w.client.get(
        "/api/rates/export.csv", params={"from": "2026-01-01T00:00"}, headers=w.h("supervisor")
    )
    assert bad.status_code == 422


def test_an_unknown_format_or_no_login_is_refused(world: World) -> None:
    assert world.client.get("/api/cases/export.pdf", headers=world.h("mediator")).status_code == 422
    assert world.client.get("/api/cases/export.csv").status_code == 401
    assert exports_audited(world) == []


def test_the_csv_streams_chunks_before_its_end(world: World) -> None:
    """Through the ASGI app itself: the body comes in several messages, the first ones
    marked as followed by more, so the first rows leave before the last are read."""
    first = world.open("mediation", MEDIATION_INTAKE, org_unit="union")
    clone_case(world.ctx.store, first.id, 1099)
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/cases/export.csv",
        "raw_path": b"/api/cases/export.csv",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", world.h("mediator")["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }

    async def run() -> None:
        done = asyncio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays until the whole body was sent
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await world.client.app(scope, receive, send)  # type: ignore[arg-type]

    asyncio.run(run())
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert messages[0]["status"] == 200
    assert len(bodies) >= 4 and all(m.get("more_body") for m in bodies[:-1])
    data = b"".join(m["body"] for m in bodies)
    assert bodies[0]["body"].startswith(BOM) and len(ids_of(data)) == 1100
