"""Merging a duplicate into the case it repeats, and splitting it back
(engine.casework.merging): both histories kept, the reporter told, the rates count once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.casework.cases import case_view, fire
from engine.casework.context import Casework
from engine.casework.errors import CaseClosedError, MergeRefusedError, NotPermittedError
from engine.casework.merging import MERGE_INTO, MERGED_FROM, SPLIT_FROM, SPLIT_OFF, merge, split
from engine.casework.notifications import claim_deliveries
from engine.clock import ManualClock
from engine.errors import CaseNotFoundError
from engine.store.tables import AuditRow, RateFactRow, TimerRow
from tests.engine.casework.conftest import person
from tests.engine.casework.test_board import _grid, _labour


def _facts(cw: Casework, case_id: int) -> tuple[int, int]:
    t = RateFactRow.__table__  # type: ignore[attr-defined]
    with cw.store.transaction(write=False) as tx:
        row = tx.conn.execute(select(t.c.excluded, t.c.counted).where(t.c.case_id == case_id))
        excluded, counted = row.one()
    return excluded, counted


def _timers(cw: Casework, case_id: int) -> list[str]:
    t = TimerRow.__table__  # type: ignore[attr-defined]
    with cw.store.transaction(write=False) as tx:
        rows = tx.conn.execute(select(t.c.status).where(t.c.case_id == case_id).order_by(t.c.id))
        return [r.status for r in rows]


def test_merge_then_split_keeps_both_histories(cw: Casework, clock: ManualClock) -> None:
    kept, dup = _grid(cw, "blue"), _grid(cw, "blue")
    assert "pending" in _timers(cw, dup.id)
    boss = person("supervisor")
    clock.advance(timedelta(minutes=5))
    merged = merge(cw, boss, dup.id, kept.id, "同一处垃圾")
    assert merged.closed_at == clock.now() and merged.state == dup.state
    assert merged.data["merged_into"] == str(kept.id)
    assert "pending" not in _timers(cw, dup.id) and "held" in _timers(cw, dup.id)
    dup_last = cw.service.history(dup.id)[-1]
    kept_last = cw.service.history(kept.id)[-1]
    assert (dup_last.action, dup_last.note) == (MERGE_INTO, "同一处垃圾")
    assert (kept_last.action, kept_last.changes) == (MERGED_FROM, {"case": dup.id})
    assert _facts(cw, dup.id)[0] == 1 and _facts(cw, kept.id)[0] == 0  # counted once
    told = [
        (n.case_id, n.role, n.person)
        for n in claim_deliveries(cw, clock.now(), 100)
        if n.kind == MERGE_INTO
    ]
    assert told == [(dup.id, "reporter", "grid_member")]
    assert case_view(cw, boss, dup.id).actions == []
    with pytest.raises(CaseClosedError):
        fire(cw, person("handler"), dup.id, "sign_for", {}, expected_version=None)

    clock.advance(timedelta(hours=1))
    back = split(cw, boss, dup.id, "不是同一件事")
    assert back.closed_at is None and back.state == dup.state and "merged_into" not in back.data
    assert "held" not in _timers(cw, dup.id) and "pending" in _timers(cw, dup.id)
    assert [e.action for e in cw.service.history(dup.id)][-2:] == [MERGE_INTO, SPLIT_FROM]
    assert [e.action for e in cw.service.history(kept.id)][-2:] == [MERGED_FROM, SPLIT_OFF]
    assert _facts(cw, dup.id)[0] == 0
    audit = AuditRow.__table__  # type: ignore[attr-defined]
    with cw.store.transaction(write=False) as tx:
        actions = tx.conn.execute(
            select(audit.c.action).where(audit.c.case_id == dup.id).order_by(audit.c.id)
        ).scalars()
        assert list(actions) == ["case_merged", "case_split"]
    assert cw.service.fire_due_timers().fired >= 1  # the deadline missed meanwhile fires


def test_what_cannot_be_merged_or_split(cw: Casework) -> None:
    a, b, labour = _grid(cw), _grid(cw), _labour(cw)
    boss = person("supervisor")
    with pytest.raises(MergeRefusedError):
        merge(cw, boss, a.id, a.id)
    with pytest.raises(MergeRefusedError):
        merge(cw, boss, a.id, labour.id)  # another workflow
    with pytest.raises(MergeRefusedError):
        split(cw, boss, a.id)  # not merged
    with pytest.raises(NotPermittedError):
        merge(cw, person("handler"), a.id, b.id)
    with pytest.raises(CaseNotFoundError):
        merge(cw, person("org_admin"), a.id, b.id)  # the union does not see grid cases
    merge(cw, boss, a.id, b.id)
    with pytest.raises(MergeRefusedError):
        merge(cw, boss, b.id, a.id)  # a is closed as merged
    assert cw.service.get_case(b.id).closed_at is None
