"""Transitions per second through HTTP, and latency at a fixed request rate.

A server (uvicorn, loopback, in a subprocess) serves the API on a fresh database; async httpx
clients sign in and move mediation cases with ``POST /api/cases/{id}/actions/record_session``
(an internal transition: each one is a full firing — version check, update, event, commit).

1. Throughput: C concurrent clients, each on its own cases, fire as fast as they can.
2. Latency: an open-loop schedule at a fixed rate (default 300 requests/s); p50 / p99 of
   the time from the scheduled send to the full response.

The last stdout line is one JSON object.

    python -m bench.http_load --quick
    python -m bench.http_load --workers 2 --db postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.databases import database

# Where `python -m bench.http_load` runs its server and client processes from.
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
OPEN_DATA = {"category": "family", "source": "walk_in", "description": "d", "notice_given": True}
TO_MEDIATION: list[tuple[str, dict[str, Any]]] = [
    ("register", {}),
    (
        "start_mediation",
        {
            "risk_level": "low",
            "in_scope": True,
            "organisation": "union",
            "mediator": "bench",
            "domestic_violence": False,
            "crime_risk": False,
        },
    ),
]
SESSION = {"data": {"session_mode": "private"}}
GRACE_S = 10.0


# -- server -------------------------------------------------------------------------------------
def prepare(db: str) -> None:
    """Migrate the database and create the demo areas and one mediator."""
    from api.auth import hash_password
    from engine.store.users import save_user
    from fengqiao.context import build
    from fengqiao.demo import seed_units
    from fengqiao.settings import Settings

    ctx = build(Settings(database_url=db))
    seed_units(ctx)
    with ctx.cw.store.transaction() as tx:
        save_user(
            tx,
            username="bench",
            password_hash=hash_password(PASSWORD),
            display_name="bench",
            role="mediator",
            unit="union",
            grid_units=[],
            lang="zh",
            at=ctx.cw.clock.now(),
        )
    ctx.close()


def serve(db: str, port: int, workers: int) -> None:
    """Run the API with uvicorn (called in the server subprocess)."""
    import uvicorn

    os.environ["FENGQIAO_DATABASE_URL"] = db
    uvicorn.run(
        "fengqiao.asgi:from_env",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def _cpu_of(pid: int) -> float:
    """CPU seconds used so far by a process and its children (Linux /proc), 0 elsewhere."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    except (OSError, ValueError):
        return 0.0
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.http_load",
            "--serve",
            "--db",
            db,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"},
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/openapi.json", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server did not start")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


# -- clients ------------------------------------------------------------------------------------
class Cases:
    """Cases in mediation with the version each was last seen at; one user at a time each."""

    def __init__(self) -> None:
        self.free: asyncio.Queue[tuple[int, int]] = asyncio.Queue()

    async def make(self, client: httpx.AsyncClient, n: int) -> None:
        async def one() -> None:
            r = await client.post("/api/cases", json={"workflow": "mediation", "data": OPEN_DATA})
            r.raise_for_status()
            case = r.json()["case"]
            version = case["version"]
            for action, data in TO_MEDIATION:
                r = await client.post(
                    f"/api/cases/{case['id']}/actions/{action}",
                    json={"expected_version": version, "data": data},
                )
                r.raise_for_status()
                version = r.json()["case"]["version"]
            await self.free.put((case["id"], version))

        for start in range(0, n, 50):
            await asyncio.gather(*(one() for _ in range(min(50, n - start))))


class Poster(Protocol):
    async def post_json(
        self, path: str, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]: ...


class RawPoster:
    """Keep-alive HTTP/1.1 on plain asyncio streams, one connection per request in flight.

    The load generator of the throughput phase: httpx spends ~1 ms of CPU a request here, on
    the same two CPUs as the server; writing the request bytes and reading one
    Content-Length-framed response costs a few tens of microseconds. Like `wrk`, it measures
    the server rather than the client library.
    """

    def __init__(self, base: str, token: str) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.prefix = (
            f"Host: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened: list[asyncio.StreamWriter] = []

    async def post_json(
        self, path: str, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        reader, writer = await self._connection()
        body = json.dumps(payload).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        writer.write(
            b"POST "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + self.prefix
            + extra
            + b"Content-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            data = await reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            writer.close()
            raise httpx.TransportError(str(exc)) from exc
        self.idle.append((reader, writer))
        return status, json.loads(data) if data else None

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """An idle connection the server has not closed (uvicorn closes them after 5 s of
        quiet), or a new one."""
        while self.idle:
            reader, writer = self.idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.opened.append(writer)
        return reader, writer

    async def aclose(self) -> None:
        for writer in self.opened:
            writer.close()


async def fire_once(client: Poster, cases: Cases) -> bool:
    case_id, version = await cases.free.get()
    try:
        status, body = await client.post_json(
            f"/api/cases/{case_id}/actions/record_session",
            {"expected_version": version, **SESSION},
            {"Idempotency-Key": uuid.uuid4().hex},
        )
    except httpx.HTTPError:
        await cases.free.put((case_id, version))
        return False
    if status == 200:
        version = body["case"]["version"]
    await cases.free.put((case_id, version))
    return status == 200


async def throughput(client: Poster, cases: Cases, clients: int, seconds: float) -> dict[str, Any]:
    done = 0
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors
        while time.perf_counter() < stop:
            if await fire_once(client, cases):
                done += 1
            else:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    return {
        "transitions": done,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "transitions_per_s": round(done / elapsed, 1),
    }


async def fixed_rate(client: Poster, cases: Cases, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: request i is due at start + i / rate, whether or not earlier ones are back.
    A request still open `GRACE_S` after the schedule ends counts with the time it waited."""
    latencies: list[float] = []
    errors = 0
    n = int(rate * seconds)
    start = time.perf_counter() + 0.1
    pending: dict[int, float] = {}

    async def one(i: int) -> None:
        nonlocal errors
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        pending[i] = scheduled
        ok = await fire_once(client, cases)
        del pending[i]
        latencies.append((time.perf_counter() - scheduled) * 1000)
        if not ok:
            errors += 1

    tasks = [asyncio.ensure_future(one(i)) for i in range(n)]
    _, late = await asyncio.wait(tasks, timeout=seconds + GRACE_S)
    now = time.perf_counter()
    unfinished = len(late)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    latencies += [(now - scheduled) * 1000 for scheduled in pending.values()]
    latencies += [(now - start) * 1000] * max(0, unfinished - len(pending))
    elapsed = now - start
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": n,
        "errors": errors,
        "unfinished": unfinished,
        "achieved_rps": round((n - unfinished) / elapsed, 1),
        "p50_ms": round(q[49], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(max(latencies), 2),
    }


async def signed_in(base: str, clients: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    client = httpx.AsyncClient(base_url=base, limits=limits, timeout=30)
    r = await client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return client


async def client_worker(base: str, clients: int, seconds: float, start_at: float) -> None:
    """One load process of the throughput phase: warm up until `start_at` (wall clock),
    then fire for `seconds`; prints its counts as JSON."""
    client = await signed_in(base, clients)
    raw = RawPoster(base, client.headers["Authorization"].removeprefix("Bearer "))
    try:
        cases = Cases()
        await cases.make(client, clients * 2)
        await throughput(raw, cases, clients, max(0.5, start_at - time.time()))
        print(json.dumps(await throughput(raw, cases, clients, seconds)))
    finally:
        await raw.aclose()
        await client.aclose()


def throughput_in_processes(base: str, procs: int, clients: int, seconds: float) -> dict[str, Any]:
    """The throughput phase from `procs` client processes at once: one Python process cannot
    send more than a few hundred requests a second through httpx."""
    start_at = time.time() + 8.0
    each = max(1, clients // procs)
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.http_load",
                "--client-worker",
                "--base",
                base,
                "--clients",
                str(each),
                "--seconds",
                str(seconds),
                "--start-at",
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(procs)
    ]
    results = [
        json.loads(c.communicate(timeout=seconds + 120)[0].decode().splitlines()[-1])
        for c in children
    ]
    done = sum(r["transitions"] for r in results)
    return {
        "transitions": done,
        "errors": sum(r["errors"] for r in results),
        "seconds": round(seconds, 2),
        "transitions_per_s": round(done / seconds, 1),
        "client_processes": procs,
    }


async def run(base: str, clients: int, rate: float, seconds: float, procs: int) -> dict[str, Any]:
    if procs > 1:
        tput = await asyncio.to_thread(throughput_in_processes, base, procs, clients, seconds)
    client = await signed_in(base, clients)
    try:
        cases = Cases()
        await cases.make(client, clients * 2)
        raw = RawPoster(base, client.headers["Authorization"].removeprefix("Bearer "))
        try:
            await throughput(raw, cases, clients, min(2.0, seconds / 3))  # warm-up
            if procs <= 1:
                tput = await throughput(raw, cases, clients, seconds)
            lat = await fixed_rate(raw, cases, rate, seconds)
        finally:
            await raw.aclose()
    finally:
        await client.aclose()
    return {"throughput": tput, "fixed_rate": lat}


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--db", help="PostgreSQL URL (a scratch database is created); default a fresh SQLite file"
    )
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (throughput)")
    p.add_argument("--rate", type=float, default=300.0, help="requests/s (latency phase)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    p.add_argument("--quick", action="store_true", help="short phases: under 60 s in all")
    p.add_argument(
        "--client-procs", type=int, default=2, help="client processes of the throughput phase"
    )
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--client-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--base", help=argparse.SUPPRESS)
    p.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.db, args.port, args.workers)
        return
    if args.client_worker:
        asyncio.run(client_worker(args.base, args.clients, args.seconds, args.start_at))
        return
    seconds = 8.0 if args.quick else args.seconds
    with database(args.db) as db:
        prepare(db)
        proc, base = start_server(db, args.workers)
        server_cpu = _cpu_of(proc.pid)
        client_cpu = time.process_time()
        started = time.perf_counter()
        try:
            result = asyncio.run(run(base, args.clients, args.rate, seconds, args.client_procs))
        finally:
            wall = time.perf_counter() - started
            server_cpu = _cpu_of(proc.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
            proc.terminate()
            proc.wait(timeout=30)
    out = {
        "bench": "http",
        "db": "postgresql" if db.startswith("postgres") else "sqlite",
        "workers": args.workers,
        "clients": args.clients,
        "cpus": os.cpu_count(),
        "transitions_per_s": result["throughput"]["transitions_per_s"],
        "rate_rps": args.rate,
        "p50_ms": result["fixed_rate"]["p50_ms"],
        "p99_ms": result["fixed_rate"]["p99_ms"],
        "server_cpu_share": round(server_cpu / wall, 2),
        "client_cpu_share": round(client_cpu / wall, 2),
        "client_processes": args.client_procs,
        **{
            f"throughput_{k}": v
            for k, v in result["throughput"].items()
            if k != "transitions_per_s"
        },
        **{
            f"fixed_rate_{k}": v
            for k, v in result["fixed_rate"].items()
            if k not in ("p50_ms", "p99_ms")
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
