"""A page that waits for the database does not hold up the others.

Another connection holds SQLite's write lock (as the worker's sweep or a second process
does); a case page's action, posted meanwhile, waits for it in SQLite's busy handler. Page
handlers run their database work off the event loop, so a page GET still answers at once;
run on the loop, that wait stalled every request of the process until the lock was released.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from engine.casework.context import Casework
from tests.pages.conftest import PASSWORDS
from tests.pages.live import LiveServer

PROMPT_S = 2.0  # the page GET must answer within this while the write lock is held
WAIT_S = 30.0  # bounds every other wait, so that a failure never hangs the run


@contextmanager
def signed_in(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=WAIT_S, follow_redirects=True) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        sent = {"username": username, "password": PASSWORDS[username], "csrf_token": token[1]}
        response = client.post("/login", data=sent)
        assert response.status_code == 200, response.text  # followed to the user's home page
        yield client


def test_a_page_answers_while_a_post_waits_for_the_write_lock(
    app: FastAPI, ctx: Casework, demo_cases: dict[str, int]
) -> None:
    database = ctx.store.engine.url.database
    assert database is not None
    writing = threading.Event()  # the server began a write transaction

    def watch(statement: str) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            writing.set()

    @event.listens_for(ctx.store.engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(watch)

    ctx.store.engine.dispose()  # every connection the server opens from here on is watched
    case_id = demo_cases["mediation:mediation"]
    with (
        LiveServer(app) as server,
        signed_in(server, "mediator") as poster,
        signed_in(server, "mediator") as reader,
    ):
        page = poster.get(f"/cases/{case_id}")
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        form = {
            "csrf_token": found[1],
            "action": "record_session",
            "version": str(ctx.service.get_case(case_id).version),
            "idem": uuid.uuid4().hex,
            "f_session_mode": "private",
        }
        assert reader.get("/workroom").status_code == 200
        posted: list[httpx.Response] = []

        def post() -> None:
            posted.append(poster.post(f"/cases/{case_id}/act", data=form))

        holder = sqlite3.connect(database, isolation_level=None, timeout=WAIT_S)
        holder.execute("BEGIN IMMEDIATE")
        writing.clear()
        poster_thread = threading.Thread(target=post, name="page-post")
        try:
            poster_thread.start()
            assert writing.wait(WAIT_S), "the posted action never began its write"
            try:
                answered = reader.get("/workroom", timeout=PROMPT_S)
            except httpx.TimeoutException:
                raise AssertionError(
                    f"a page GET waited more than {PROMPT_S} s behind a POST waiting for the"
                    " write lock"
                ) from None
            assert answered.status_code == 200
            assert not posted, "the POST went through while another connection held the lock"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            poster_thread.join(WAIT_S)
    assert [r.status_code for r in posted] == [200]  # followed to the case page
    assert posted[0].url.path == f"/cases/{case_id}"
    assert ctx.service.get_case(case_id).version == int(form["version"]) + 1
