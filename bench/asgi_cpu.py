"""Server CPU per firing through the API, in one process: the ASGI app called directly.

No sockets, no uvicorn, no client library: each request is an ASGI call with the headers an
HTTP client sends, so the process CPU per firing is what the application itself costs
(routing, dependencies, validation, the firing with its commit, the response). It is the
figure to compare two versions of the application by, where `bench/http_load.py` depends on how
the box shares its CPUs between the server and its clients.

Requests are `POST /api/cases/{id}/actions/record_session` with `expected_version` and an
`Idempotency-Key`, one at a time, on a fresh SQLite database (WAL, synchronous=FULL). The last
stdout line is one JSON object: `cpu_us` and `wall_us` per firing (the best of the rounds).

`--tree N` adds a district tree of N units (bench/trees.py) under the demo city before the
start, to compare a firing's cost in a small tree and in a large one; `--reload S` sets how
often the API reloads the unit tree (30 s in service), to count those reloads in.

    python -m bench.asgi_cpu --quick
    python -m bench.asgi_cpu --quick --tree 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from typing import Any

from bench.databases import database
from bench.http_load import OPEN_DATA, PASSWORD, SESSION, TO_MEDIATION, prepare

BASE_HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"accept", b"*/*"),
    (b"accept-encoding", b"gzip, deflate"),
    (b"connection", b"keep-alive"),
    (b"user-agent", b"bench"),
    (b"content-type", b"application/json"),
]


class Caller:
    """Calls an ASGI app as uvicorn would, one request at a time."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.auth: list[tuple[bytes, bytes]] = []

    async def post(
        self, path: str, payload: dict[str, Any], extra: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        raw = json.dumps(payload).encode()
        headers = [
            *BASE_HEADERS,
            (b"content-length", str(len(raw)).encode()),
            *self.auth,
            *((k.lower().encode(), v.encode()) for k, v in (extra or {}).items()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        body = b"".join(chunks)
        return status, json.loads(body) if body else None


async def measure(app: Any, firings: int, rounds: int) -> dict[str, Any]:
    caller = Caller(app)
    status, body = await caller.post("/api/auth/login", {"username": "bench", "password": PASSWORD})
    assert status == 200, body
    caller.auth = [(b"authorization", f"Bearer {body['token']}".encode())]
    cases: list[list[int]] = []
    for _ in range(20):
        status, body = await caller.post("/api/cases", {"workflow": "mediation", "data": OPEN_DATA})
        assert status in (200, 201), body
        case_id, version = body["case"]["id"], body["case"]["version"]
        for action, data in TO_MEDIATION:
            status, body = await caller.post(
                f"/api/cases/{case_id}/actions/{action}",
                {"expected_version": version, "data": data},
            )
            assert status == 200, body
            version = body["case"]["version"]
        cases.append([case_id, version])
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(firings):
            case = cases[i % len(cases)]
            status, body = await caller.post(
                f"/api/cases/{case[0]}/actions/record_session",
                {"expected_version": case[1], **SESSION},
                {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert status == 200, body
            case[1] = body["case"]["version"]
        cpu.append((time.process_time() - c0) / firings * 1e6)
        wall.append((time.perf_counter() - w0) / firings * 1e6)
    return {
        "bench": "asgi_cpu",
        "firings": firings * rounds,
        "cpu_us": round(min(cpu), 1),
        "wall_us": round(min(wall), 1),
        "cpu_us_rounds": [round(x, 1) for x in cpu],
    }


def add_tree(db: str, total: int) -> int:
    """Add a tree of `total` units under the demo city; how many units there are now."""
    from bench.trees import big_tree
    from engine.store.units import all_units, save_units
    from fengqiao.context import build
    from fengqiao.settings import Settings

    ctx = build(Settings(database_url=db))
    with ctx.cw.store.transaction() as tx:
        save_units(tx, big_tree(total, "c-fq"))
        count = len(all_units(tx))
    ctx.close()
    return count


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--firings", type=int, default=3000, help="firings per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="3 rounds of 1,000 firings (~10 s)")
    p.add_argument("--tree", type=int, default=0, help="add a tree of this many units")
    p.add_argument("--reload", type=float, default=None, help="unit-tree reload interval, s")
    args = p.parse_args()
    firings, rounds = (1000, 3) if args.quick else (args.firings, args.rounds)
    with database(None) as db:
        prepare(db)
        units = add_tree(db, args.tree) if args.tree else None
        os.environ["FENGQIAO_DATABASE_URL"] = db
        from fengqiao.asgi import from_env

        app = from_env()
        if args.reload is not None:
            app.state.units.reload_after_s = args.reload
        try:
            result = asyncio.run(measure(app, firings, rounds))
        finally:
            app.state.ctx.close()
        if units is not None:
            result["units"] = units
    print(json.dumps(result))


if __name__ == "__main__":
    main()
