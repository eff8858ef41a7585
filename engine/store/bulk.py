"""Many cases at once, for benchmarks and load tests: copies of a case made through the service.

A copy has the template's state, data, history and pending timers (shifted in time if asked),
so sweeping it runs exactly the code a real case of that kind runs. Rows go in with one
statement per table and chunk on the driver cursor; case ids are allocated under a table
lock, so nothing else may write cases meanwhile (this is for seeding, not for production).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from engine.model import Case
from engine.store.repository import SqlStore
from engine.store.statements import CASE_COLUMNS

CHUNK = 10_000


def clone_case(
    store: SqlStore, case_id: int, copies: int, shift: timedelta = timedelta(0)
) -> list[int]:
    """Insert `copies` copies of a case with its history and pending timers; their timers
    fall due `shift` later than the template's. Returns the new case ids."""
    with store.transaction(write=False) as tx:
        template = tx.get_case(case_id)
        history = tx.events(case_id)
        pending = tx.timers(case_id, pending_only=True)
    if template is None:
        raise LookupError(f"no case {case_id}")
    hot = store.hot
    marks = ["?" if store.sqlite else "%s"] * 16
    if not store.sqlite:
        marks[4] = "%s::jsonb"  # data, the fifth of CASE_COLUMNS
    insert_case = f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({', '.join(marks)})"
    case_rest = _case_params(store, template)
    event_rests = [hot.event_params(replace(e, idem_key=None))[1:] for e in history]
    timer_rests = [
        (
            t.name,
            t.kind,
            t.action,
            hot.dt_out(t.fire_at + shift),
            t.armed_seq,
            t.status,
            t.occurrence,
        )
        for t in pending
    ]
    ids: list[int] = []
    for start in range(0, copies, CHUNK):
        n = min(CHUNK, copies - start)
        with store.transaction() as tx:
            cur = tx.cursor
            if not store.sqlite:
                cur.execute("LOCK TABLE cases IN EXCLUSIVE MODE")
            cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases")
            first = int(cur.fetchone()[0]) + 1
            new = list(range(first, first + n))
            cur.executemany(insert_case, [(i, *case_rest) for i in new])
            cur.executemany(hot.insert_event, [(i, *r) for i in new for r in event_rests])
            cur.executemany(hot.insert_timer, [(i, *r) for i in new for r in timer_rests])
            tx.touch(new)
            if not store.sqlite:
                cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (new[-1],))
        ids += new
    return ids


def _case_params(store: SqlStore, c: Case) -> tuple[object, ...]:
    """Every column of CASE_COLUMNS but the id."""
    dt, js = store.hot.dt_out, store.hot.json_out
    return (
        c.workflow,
        c.workflow_version,
        c.state,
        js(c.data),
        c.version,
        dt(c.opened_at),
        dt(c.updated_at),
        dt(c.state_entered_at),
        c.last_seq,
        c.entered_seq,
        c.org_unit,
        c.grid_unit,
        c.assignee,
        c.opened_by,
        dt(c.closed_at),
    )
