"""Migration runs in the store: the cases a run selects in keyset pages, previews written and
read back exactly, the cases left to apply (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.migration_check import Deadline, Refusal, Verdict
from engine.model import Actor
from engine.service import WorkflowService
from engine.store import migration_runs as runs
from engine.store.repository import SqlStore
from tests.migration_versions import NEW, OLD

AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
MEDIATOR = Actor("mediator", "mediator")
INTAKE = {"category": "family", "source": "walk_in", "description": "d", "notice_given": True}


def _run(store: SqlStore) -> int:
    with store.transaction() as tx:
        return runs.create_run(
            tx,
            workflow="mediation",
            from_version=OLD,
            to_version=NEW,
            reason="r",
            state_map={"intake": "reception"},
            states=[],
            case_ids=[],
            created_by="supervisor",
            created_at=AT,
            total=0,
        )


def test_selection_pages_by_id_with_states_and_listed_cases(
    store: SqlStore, service: WorkflowService
) -> None:
    ids = [service.open_case("mediation", MEDIATOR, INTAKE).case.id for _ in range(5)]
    service.fire(ids[1], "register", MEDIATOR, {})
    service.fire(ids[3], "party_refuses", MEDIATOR, {})  # closed: not among the open ones
    everything = runs.Selection("mediation", OLD)
    with store.transaction(write=False) as tx:
        assert runs.count_selected(tx, everything) == 4
        first = runs.selected_page(tx, everything, 0, 3)
        rest = runs.selected_page(tx, everything, first[-1].case.id, 3)
        assert [s.case.id for s in first + rest] == [ids[0], ids[1], ids[2], ids[4]]
        assert first[1].entry_action == "register" and first[0].entry_action == "open"
        assert first[0].case.data["category"] == "family"
        assessed = runs.selected_page(tx, runs.Selection("mediation", OLD, ("assessment",)), 0, 9)
        assert [s.case.id for s in assessed] == [ids[1]]
        listed = runs.Selection("mediation", OLD, (), (ids[3], ids[0]))
        assert [s.case.id for s in runs.selected_page(tx, listed, 0, 9)] == [ids[0], ids[3]]
        assert runs.unknown_cases(tx, [ids[0], 987_654]) == [987_654]


def test_previews_are_stored_and_read_back_exactly(
    store: SqlStore, service: WorkflowService
) -> None:
    a, b = (service.open_case("mediation", MEDIATOR, INTAKE).case.id for _ in range(2))
    run_id = _run(store)
    due = AT + timedelta(days=15, microseconds=7)
    moves = Verdict(a, "intake", "reception", True, (), (Deadline("w", due, False),), ())
    stays = Verdict(
        b,
        "intake",
        None,
        False,
        (Refusal("no_state", "没有", "none"),),
        (),
        (Deadline("w", due, True),),
    )
    with store.transaction() as tx:
        runs.insert_previews(tx, run_id, [(moves, 1, "open"), (stays, 1, "open")])
    with store.transaction(write=False) as tx:
        stored = runs.previews(tx, run_id)
        assert [(p.case_id, p.status, p.movable) for p in stored] == [
            (a, "previewed", True),
            (b, "refused", False),
        ]
        assert (
            stored[0].before == (Deadline("w", due, False),) and stored[0].to_state == "reception"
        )
        assert stored[1].refusals == (Refusal("no_state", "没有", "none"),)
        assert stored[1].after == (Deadline("w", due, True),)
        assert [p.case_id for p in runs.previews(tx, run_id, movable=False)] == [b]
        assert runs.states_of(tx, run_id) == {"intake": 2}
        (left,) = runs.to_apply(tx, run_id, 0, 10)
        assert (left.case_id, left.case_version, left.entered_by, left.to_state) == (
            a,
            1,
            "open",
            "reception",
        )
    with store.transaction() as tx:
        runs.mark_cases(tx, run_id, [(a, "moved", "[]", AT)])
        runs.add_counts(tx, run_id, moved=1, refused=0, failed=0)
        assert runs.to_apply(tx, run_id, 0, 10) == []
        assert runs.left_to_apply(tx, run_id) == 0
        got = runs.get_run(tx, run_id)
        assert got is not None and got.moved == 1 and got.state_map == {"intake": "reception"}
