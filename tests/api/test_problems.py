"""One error format: RFC 9457 problem details with field paths; size limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, cast

import httpx2 as httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc

from api.app import create_app
from api.pages.errors import PageRoute
from api.problems import PROBLEMS, Answer, answer
from engine.errors import CaseNotFoundError, EffectError
from tests.api.conftest import MEDIATION_INTAKE, World, make_world, page_login
from tests.conftest import PG_URL, fresh_pg_database


def test_unknown_route_is_a_problem(world: World) -> None:
    r = world.client.get("/api/nothing-here", headers=world.h("mediator"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/api/nothing-here",
    }


def test_validation_errors_name_field_paths(world: World) -> None:
    r = world.client.post(
        "/api/cases/1/actions/register",
        json={"expected_version": 0, "data": [], "extra": 1},
        headers=world.h("mediator"),
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/validation"
    assert {e["pointer"] for e in body["errors"]} == {
        "#/expected_version",
        "#/data",
        "#/extra",
    }


def test_query_errors_name_the_parameter(world: World) -> None:
    r = world.client.get("/api/cases?limit=0", headers=world.h("mediator"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "query:limit"


def test_malformed_json_is_a_problem(world: World) -> None:
    r = world.client.post(
        "/api/cases",
        content=b"{not json",
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


@pytest.fixture
def small(world: World) -> Iterator[TestClient]:
    app = create_app(
        world.ctx, uploads_dir=world.settings.uploads_dir, api_max_body=2048, page_max_body=4096
    )
    with TestClient(app) as client:
        yield client


def test_a_body_over_the_limit_is_413(world: World, small: TestClient) -> None:
    big = {"workflow": "mediation", "data": {"description": "x" * 5000}}
    r = small.post("/api/cases", json=big, headers=world.h("mediator"))
    assert r.status_code == 413
    assert r.json()["type"] == "/problems/too-large"
    assert world.client.get("/api/cases", headers=world.h("mediator")).json()["total"] == 0


def test_a_streamed_body_over_the_limit_is_413(world: World, small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"workflow": "mediation", "data": {"description": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    r = small.post(
        "/api/cases",
        content=chunks(),
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


def test_pages_get_a_larger_limit(world: World, small: TestClient) -> None:
    r = small.post("/no-such-page", content=b"x" * 3000)
    assert r.status_code != 413
    r = small.post("/no-such-page", content=b"x" * 5000)
    assert r.status_code == 413


# One table, resolved by the MRO ----------------------------------------------------------


def test_an_error_answers_as_its_nearest_class_in_the_table() -> None:
    class LateEffect(EffectError):
        pass

    a = answer(LateEffect("close", "n", "too late"))
    assert (a.status, a.slug) == (422, "effect-failed")
    assert answer(CaseNotFoundError(7)).detail == "no such case"
    assert answer(LookupError("secret internals")) == Answer(
        500, "internal", "Internal server error", "the error was logged"
    )
    assert all(issubclass(cls, BaseException) for cls in PROBLEMS)


def problem_of(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


@pytest.fixture
def lenient(world: World) -> Iterator[TestClient]:
    """A client that answers a server error as the server would, instead of raising it."""
    with TestClient(
        create_app(world.ctx, uploads_dir=world.settings.uploads_dir), raise_server_exceptions=False
    ) as client:
        yield client


def test_an_unexpected_error_is_a_500_problem_document(world: World, lenient: TestClient) -> None:
    def fail() -> None:
        # The error an effect raises that computes a number too long to write as text.
        str(10**8000)

    app = cast(FastAPI, lenient.app)
    app.add_api_route("/api/fail", fail)
    body = problem_of(lenient.get("/api/fail", headers=world.h("mediator")), 500)
    assert body["type"] == "/problems/internal"
    assert "digits" not in body["detail"]  # the server's text stays in its log


def test_an_unexpected_error_on_a_page_is_a_500_page(world: World, lenient: TestClient) -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    router = APIRouter(route_class=PageRoute)
    router.add_api_route("/page-that-fails", fail)
    cast(FastAPI, lenient.app).include_router(router)
    r = lenient.get("/page-that-fails")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("text/html")
    assert "boom" not in r.text


SQUARES = """\
name: squares
version: 1
title: {zh: 平方, en: Squares}
initial: open
fields:
  n:
    type: int
    default: 1000000000
    label: {zh: 数, en: Number}
states:
  open:
    label: {zh: 进行中, en: Open}
    roles: [mediator]
  closed:
    label: {zh: 结束, en: Closed}
    final: true
transitions:
  - action: square
    label: {zh: 平方, en: Square}
    from: open
    to: open
    set:
      n: "n * n"
  - action: close
    label: {zh: 结案, en: Close}
    from: open
    to: closed
"""


def test_an_effect_that_computes_a_huge_number_is_refused_with_a_problem(
    world: World, lenient: TestClient
) -> None:
    """Squaring 10⁹ nine times gives 4,608 digits and more: too many to store as text."""
    published = lenient.post(
        "/api/definitions",
        json={"source": SQUARES, "reason": "平方测试", "based_on": 0},
        headers=world.h("supervisor"),
    )
    assert published.status_code == 201, published.text
    opened = lenient.post("/api/cases", json={"workflow": "squares"}, headers=world.h("mediator"))
    assert opened.status_code == 201, opened.text
    case = opened.json()["case"]
    for _ in range(10):
        r = lenient.post(
            f"/api/cases/{case['id']}/actions/square",
            json={"expected_version": case["version"]},
            headers=world.h("mediator"),
        )
        if r.status_code != 200:
            break
        case = r.json()["case"]
    assert r.status_code in (422, 500)
    problem_of(r, r.status_code)
    after = lenient.get(f"/api/cases/{case['id']}", headers=world.h("mediator"))
    assert after.json()["case"]["version"] == case["version"]  # nothing of it was stored


# Text that cannot be stored, searched text ------------------------------------------------

BAD_TEXT = [pytest.param("a\\ud800b", id="lone-surrogate"), pytest.param("a\\u0000b", id="nul")]


@pytest.mark.parametrize("escaped", BAD_TEXT)
def test_text_no_store_can_hold_is_422_at_parse_time(any_world: World, escaped: str) -> None:
    body = (
        '{"workflow": "mediation", "data": {"category": "family", "source": "walk_in",'
        f' "notice_given": true, "description": "{escaped}"}}}}'
    )
    r = any_world.client.post(
        "/api/cases",
        content=body.encode(),
        headers=any_world.h("mediator", **{"Content-Type": "application/json"}),
    )
    problem = problem_of(r, 422)
    assert problem["errors"][0]["pointer"] == "#/data"
    assert "(at description)" in problem["errors"][0]["detail"]
    assert any_world.client.get("/api/cases", headers=any_world.h("mediator")).json()["total"] == 0


@pytest.mark.parametrize("escaped", BAD_TEXT)
def test_a_key_no_store_can_hold_is_422(world: World, escaped: str) -> None:
    r = world.client.post(
        "/api/cases",
        content=f'{{"workflow": "mediation", "data": {{"{escaped}": 1}}}}'.encode(),
        headers=world.h("mediator", **{"Content-Type": "application/json"}),
    )
    problem_of(r, 422)


@pytest.mark.parametrize("q", ["²", "①", "٣", "99999999999999999999999"])
def test_any_search_text_is_answered(world: World, q: str) -> None:
    assert open_case(world.client, world).status_code == 201
    r = world.client.get("/api/cases", params={"q": q}, headers=world.h("mediator"))
    assert r.status_code == 200
    assert r.json()["total"] == 0
    everything = world.client.get("/api/cases", headers=world.h("mediator"))
    assert everything.json()["total"] == 1


def test_nul_in_search_text_is_never_a_server_error(any_world: World) -> None:
    """SQLite searches for it; PostgreSQL cannot hold it in text and refuses it (422)."""
    r = any_world.client.get("/api/cases", params={"q": "a\x00b"}, headers=any_world.h("mediator"))
    if any_world.ctx.store.sqlite:
        assert r.status_code == 200
    else:
        assert problem_of(r, 422)["type"] == "/problems/unstorable-value"


def test_percent_and_underscore_in_search_text_match_themselves(any_world: World) -> None:
    for text in ("调解成功率100%", "a_b 分配", "ab 分配"):
        data = {**MEDIATION_INTAKE, "description": text}
        r = any_world.client.post(
            "/api/cases",
            json={"workflow": "mediation", "data": data},
            headers=any_world.h("mediator"),
        )
        assert r.status_code == 201

    def found(q: str) -> int:
        r = any_world.client.get("/api/cases", params={"q": q}, headers=any_world.h("mediator"))
        assert r.status_code == 200
        return int(r.json()["total"])

    assert found("%") == 1
    assert found("100%") == 1
    assert found("_") == 1
    assert found("a_b") == 1
    assert found("\\") == 0
    assert found("分配") == 2


# Pages --------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(world: World) -> TestClient:
    r = page_login(world.client, "mediator")
    assert r.status_code == 303
    return world.client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/cases/99999999999999999999", 404),
        ("/cases/0", 404),
        ("/workroom?offset=99999999999999999999", 422),
        ("/workroom?q=%C2%B2", 200),
        ("/workroom?q=%E2%91%A0", 200),
        ("/workroom?q=%25", 200),
    ],
)
def test_pages_answer_out_of_range_numbers_and_any_search_text(
    signed_in: TestClient, path: str, status: int
) -> None:
    r = signed_in.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")


# The database cannot be written or reached: 503 with Retry-After, then it recovers -----------


def with_pragma(world: World, pragma: str) -> Callable[[], None]:
    """Every new connection of the world's SQLite database runs `pragma`; returns the undo.
    The store's kept and pooled connections are closed so that the next request connects."""
    engine = world.ctx.store.engine

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(pragma)

    event.listen(engine, "connect", on_connect)
    engine.dispose()

    def undo() -> None:
        event.remove(engine, "connect", on_connect)
        engine.dispose()

    return undo


def open_case(client: TestClient, world: World) -> httpx.Response:
    return client.post(
        "/api/cases",
        json={"workflow": "mediation", "data": MEDIATION_INTAKE},
        headers=world.h("mediator"),
    )


def assert_unavailable(r: httpx.Response) -> None:
    body = problem_of(r, 503)
    assert body["type"] == "/problems/unavailable"
    assert int(r.headers["retry-after"]) > 0


def test_a_read_only_database_is_503_and_recovers(world: World, lenient: TestClient) -> None:
    """SQLite refuses every write as SQLITE_READONLY, as for a read-only file or mount."""
    undo = with_pragma(world, "PRAGMA query_only = ON")
    assert_unavailable(open_case(lenient, world))
    assert lenient.get("/api/cases", headers=world.h("mediator")).status_code == 200
    undo()
    assert open_case(lenient, world).status_code == 201


def test_a_full_disk_is_503_and_recovers(world: World, lenient: TestClient) -> None:
    """SQLite refuses to grow the file as SQLITE_FULL, as on a full disk."""
    engine = world.ctx.store.engine
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    undo = with_pragma(world, f"PRAGMA max_page_count = {pages}")
    big = {**MEDIATION_INTAKE, "description": "满" * 200_000}
    r = lenient.post(
        "/api/cases", json={"workflow": "mediation", "data": big}, headers=world.h("mediator")
    )
    assert_unavailable(r)
    undo()
    assert open_case(lenient, world).status_code == 201


def test_a_read_only_database_on_a_page_is_a_503_page(world: World, lenient: TestClient) -> None:
    undo = with_pragma(world, "PRAGMA query_only = ON")
    r = page_login(lenient, "mediator")
    undo()
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("text/html")
    assert int(r.headers["retry-after"]) > 0


def test_database_errors_are_told_apart_by_their_code() -> None:
    """A write to a read-only file (SQLITE_READONLY) is an outage; a statement the database
    does not understand (SQLITE_ERROR) is a fault of the server."""
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as readonly:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(sqlite3.OperationalError) as fault:
        conn.execute("SELECT * FROM no_such_table")
    conn.close()
    wrapped = sa_exc.OperationalError("INSERT …", {}, readonly.value)
    assert answer(wrapped).status == 503
    assert answer(readonly.value).status == 503
    assert answer(fault.value).status == 500
    assert answer(sa_exc.OperationalError("SELECT …", {}, fault.value)).status == 500


@pytest.fixture
def pg_outage(password_hash: str) -> Iterator[tuple[World, str]]:
    urls = fresh_pg_database()
    url = next(urls)
    w, ctx = make_world(url, password_hash)
    try:
        with w.client:
            yield w, url.rsplit("/", 1)[1]
    finally:
        ctx.close()
        for _ in urls:  # drop the database
            pass


def admin_sql(sql: str) -> None:
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(sql)
    admin.dispose()


def test_a_read_only_postgresql_is_503_and_recovers(pg_outage: tuple[World, str]) -> None:
    """A standby or `default_transaction_read_only` refuses writes with SQLSTATE 25006."""
    world, name = pg_outage
    with TestClient(
        create_app(world.ctx, uploads_dir=world.settings.uploads_dir), raise_server_exceptions=False
    ) as client:
        admin_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        world.ctx.store.engine.dispose()  # new sessions take the setting
        assert_unavailable(open_case(client, world))
        admin_sql(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        world.ctx.store.engine.dispose()
        assert open_case(client, world).status_code == 201


def test_cut_postgresql_connections_are_503_then_recover(pg_outage: tuple[World, str]) -> None:
    world, name = pg_outage
    with TestClient(
        create_app(world.ctx, uploads_dir=world.settings.uploads_dir), raise_server_exceptions=False
    ) as client:
        assert open_case(client, world).status_code == 201  # the store keeps its connection
        admin_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        assert_unavailable(open_case(client, world))
        assert open_case(client, world).status_code == 201
