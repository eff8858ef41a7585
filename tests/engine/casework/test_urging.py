"""催办 (engine.casework.urging): recorded, notified, counted, idempotent, visible only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from engine.casework.board import BoardQuery, overdue_board
from engine.casework.cases import case_view
from engine.casework.context import Casework
from engine.casework.errors import InvalidUrgeError, NotPermittedError
from engine.casework.notifications import claim_deliveries
from engine.casework.rates import RateQuery, compute_rates
from engine.casework.urging import URGE, urge
from engine.clock import ManualClock
from engine.errors import CaseNotFoundError, ConflictError, IdempotencyKeyReusedError
from engine.model import Actor, Notification
from engine.store.repository import SqlTransaction
from engine.store.urges import urged_cases
from tests.engine.casework.conftest import TREE, person
from tests.engine.casework.test_board import _grid, _labour


def test_an_urge_is_recorded_notified_and_counted(cw: Casework, clock: ManualClock) -> None:
    grid, labour = _grid(cw), _labour(cw)
    clock.advance(timedelta(days=20))
    before = {c.id: cw.service.get_case(c.id) for c in (grid, labour)}
    done = urge(cw, person("supervisor"), [labour.id, grid.id], "请尽快处理")
    assert done.case_ids == (labour.id, grid.id) and not done.replayed
    for case_id, was in before.items():
        now = cw.service.get_case(case_id)
        assert now.state == was.state and now.entered_seq == was.entered_seq
        assert now.version == was.version + 1 and now.last_seq == was.last_seq + 1
        last = cw.service.history(case_id)[-1]
        assert (last.action, last.from_state, last.to_state) == (URGE, was.state, was.state)
        assert last.actor == "supervisor" and last.note == "请尽快处理"
        assert last.seq == now.last_seq and last.case_version == now.version
    sent = {
        (n.case_id, n.kind, n.role, n.unit, n.person)
        for n in claim_deliveries(cw, clock.now(), 100)
        if n.kind == URGE
    }
    assert sent == {
        (labour.id, URGE, "org_admin", "union", None),
        (labour.id, URGE, "mediator", "union", "mediator"),
        (grid.id, URGE, "org_admin", "cm1", None),  # the community holding it at tier 1
    }
    clock.advance(timedelta(hours=1))
    urge(cw, person("admin"), [labour.id], "")
    with cw.store.transaction(write=False) as tx:
        counts = urged_cases(tx, [grid.id, labour.id])
    assert counts[grid.id].urges == 1 and counts[labour.id].urges == 2
    assert counts[labour.id].last_urged_at == clock.now()
    board = {i.case.id: i for i in overdue_board(cw, person("supervisor"), BoardQuery()).items}
    assert board[labour.id].urges == 2 and board[labour.id].last_urged_at == clock.now()
    # An urge changes nothing a workflow reads: the case is still overdue, and can move on.
    assert case_view(cw, person("supervisor"), labour.id).overdue


def test_the_rates_count_each_urged_case_once(cw: Casework) -> None:
    a, b = _labour(cw), _labour(cw)
    before = compute_rates(cw, person("admin"), TREE, RateQuery()).total.urged
    urge(cw, person("supervisor"), [a.id], "")
    urge(cw, person("supervisor"), [a.id, b.id], "")
    assert compute_rates(cw, person("admin"), TREE, RateQuery()).total.urged == before + 2


def test_a_retried_urge_is_not_applied_twice(cw: Casework, clock: ManualClock) -> None:
    a, b = _labour(cw), _labour(cw)
    first = urge(cw, person("supervisor"), [a.id, b.id], "催办", idem_key="k1")
    again = urge(cw, person("supervisor"), [a.id, b.id], "催办", idem_key="k1")
    assert again.replayed and again.at == first.at
    with cw.store.transaction(write=False) as tx:
        assert {c.urges for c in urged_cases(tx, [a.id, b.id]).values()} == {1}
    assert [e.action for e in cw.service.history(a.id)].count(URGE) == 1
    with pytest.raises(IdempotencyKeyReusedError):  # the same key for another selection
        urge(cw, person("supervisor"), [a.id, b.id, _labour(cw).id], "催办", idem_key="k1")
    # Another user's key is their own.
    assert not urge(cw, person("admin"), [a.id], "", idem_key="k1").replayed


def test_a_case_the_user_does_not_see_is_not_found_and_nothing_is_written(
    cw: Casework,
) -> None:
    grid, labour = _grid(cw), _labour(cw)
    with pytest.raises(CaseNotFoundError):  # the union's admin does not see the grid case
        urge(cw, person("org_admin"), [labour.id, grid.id], "")
    with pytest.raises(CaseNotFoundError):
        urge(cw, person("supervisor"), [labour.id, 999_999], "")
    with cw.store.transaction(write=False) as tx:
        assert urged_cases(tx, [grid.id, labour.id]) == {}
    assert URGE not in [e.action for e in cw.service.history(labour.id)]
    with pytest.raises(NotPermittedError):  # a mediator sees the case but may not urge
        urge(cw, person("mediator"), [labour.id], "")
    assert urge(cw, person("org_admin"), [labour.id], "").case_ids == (labour.id,)


def test_bad_requests_write_nothing(cw: Casework) -> None:
    labour = _labour(cw)
    with pytest.raises(InvalidUrgeError) as empty:
        urge(cw, person("supervisor"), [], "")
    assert empty.value.field == "case_ids"
    with pytest.raises(InvalidUrgeError) as long:
        urge(cw, person("supervisor"), [labour.id], "催" * 501)
    assert long.value.field == "note"
    closed = cw.service.fire(labour.id, "withdraw", Actor("mediator", "mediator"), {}).case
    assert closed.closed_at is not None
    with pytest.raises(InvalidUrgeError) as done:
        urge(cw, person("supervisor"), [closed.id], "")
    assert done.value.field == "case_ids"
    assert URGE not in [e.action for e in cw.service.history(labour.id)]


def test_a_form_opened_before_an_urge_is_refused_as_stale(cw: Casework) -> None:
    """An urge writes the case's history: an action on the version read before it is a
    conflict (409), never a lost or doubled history entry."""
    labour = _labour(cw)
    urge(cw, person("supervisor"), [labour.id], "")
    with pytest.raises(ConflictError):
        cw.service.fire(
            labour.id,
            "terminate",
            Actor("mediator", "mediator"),
            {},
            expected_version=labour.version,
        )


def test_a_selection_is_urged_in_one_transaction(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the second case's notice cannot be written, the first case is not urged either."""
    a, b = _labour(cw), _labour(cw)
    written: list[int] = []
    original = SqlTransaction.add_notifications

    def second_fails(tx: SqlTransaction, notes: Sequence[Notification]) -> None:
        written.append(notes[0].case_id)
        if len(written) == 2:
            raise RuntimeError("outbox refused")
        original(tx, notes)

    monkeypatch.setattr(SqlTransaction, "add_notifications", second_fails)
    with pytest.raises(RuntimeError):
        urge(cw, person("supervisor"), [a.id, b.id], "")
    assert written == [a.id, b.id]
    with cw.store.transaction(write=False) as tx:
        assert urged_cases(tx, [a.id, b.id]) == {}
    assert URGE not in [e.action for e in cw.service.history(a.id)]
    assert cw.service.get_case(a.id).version == a.version
