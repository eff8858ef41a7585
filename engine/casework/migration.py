"""Moving running cases onto another version of their workflow: one case, or a planned run
previewed case by case and then applied.

A run is planned (which workflow, from which version to which, a state map for the states the
target renamed or removed, which cases, why), previewed (a verdict per case, stored: can it
move, why not, its deadlines before and after; see engine.migration_check) and applied: only
the cases the preview accepted, in batches of one transaction each, each case moving entirely
or not at all (the batch's moves made in memory and written in bulk; see `_apply_batch`).
Each case is checked again inside its transaction (a case that changed since the preview is
refused, code ``changed``), moved with its timers re-armed by the target version, and
recorded in its history (event ``migrate``) and the audit log, in that transaction. The
move carries the idempotency key ``migrate:<run>:<case>``: applying again, after a crash or
concurrently, moves each case once and continues with what is left. Moving back is another
run, from the newer version to the older one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from engine.batch import SweepBatch
from engine.casework.access import scoped_key, visible_case
from engine.casework.context import Casework
from engine.casework.errors import (
    ConfirmationRequiredError,
    MigrationPlanError,
    UnknownMigrationError,
)
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.definition import Definition
from engine.errors import FengqiaoError, UnknownWorkflowError
from engine.migration_check import (
    CasePreview,
    Deadline,
    MigrationCheck,
    MigrationRun,
    PlanProblem,
    Refusal,
    changed,
    entered_by,
    failed,
    plan_problems,
)
from engine.model import Case, FireResult
from engine.ports import DuplicateKeyError, Transaction
from engine.store import audit
from engine.store import migration_runs as stored
from engine.store.repository import SqlTransaction

__all__ = [
    "ApplyReport",
    "CasePreview",
    "Deadline",
    "MigrationRun",
    "PlanRequest",
    "Refusal",
    "apply",
    "migrate_case",
    "plan",
    "preview",
    "preview_cases",
    "run",
    "runs",
]

PLANNED = "migration_planned"
PREVIEWED = "migration_previewed"
APPLIED = "migration_applied"
CASE_MIGRATED = "case_migrated"
REASON_MAX = 500
MAX_CASE_IDS = 100_000
PAGE = 2000  # cases read, checked and written per preview transaction
BATCH = 200  # cases moved per apply transaction (a savepoint each)
PREVIEW_LIMIT = 1000  # cases per page of `preview_cases`


@dataclass(frozen=True)
class PlanRequest:
    workflow: str
    from_version: int
    to_version: int
    reason: str  # required, 1..500 characters
    state_map: Mapping[str, str] = field(default_factory=dict)  # old state -> new state
    states: tuple[str, ...] = ()  # empty: every open state
    case_ids: tuple[int, ...] = ()  # empty: every open case (of those states)


@dataclass(frozen=True)
class ApplyReport:
    run: MigrationRun
    moved: int  # moved by this call
    already_moved: int  # moved before this call (an earlier, interrupted apply) or meanwhile
    refused: int  # the run's cases refused by the preview, or found changed at apply time
    failed: int  # the run's cases whose move failed
    seconds: float


def migrate_case(
    cw: Casework,
    user: User,
    case_id: int,
    to_version: int,
    *,
    to_state: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> FireResult:
    """Move a case the user sees onto `to_version` of its workflow (to `to_state` if given):
    one transaction, the move recorded in the case's history
    (engine.service.WorkflowService.migrate_case)."""
    visible_case(cw, user, case_id)
    require(user, Permission.MIGRATE_CASE)
    return cw.service.migrate_case(
        case_id,
        to_version,
        user.actor,
        to_state=to_state,
        expected_version=expected_version,
        idempotency_key=scoped_key(user, idempotency_key),
    )


# -- planning -------------------------------------------------------------------------------
def _definition(
    cw: Casework, name: str, version: int, problems: list[PlanProblem]
) -> Definition | None:
    try:
        return cw.registry.get(name, version)
    except UnknownWorkflowError:
        problems.append(
            PlanProblem(
                "unpublished",
                f"{name} v{version} is not published",
                {"workflow": name, "version": version},
            )
        )
        return None


def plan(cw: Casework, user: User, request: PlanRequest) -> MigrationRun:
    """Record a migration run after checking it: both versions published, the state map
    naming states of both, the states existing and the cases listed existing and seen by
    the user (one the user cannot see is not found, like a missing one); audited. Nothing
    is moved."""
    require(user, Permission.MIGRATE_CASE)
    problems: list[PlanProblem] = []
    reason = request.reason.strip()
    if not 1 <= len(reason) <= REASON_MAX:
        problems.append(
            PlanProblem(
                "reason", f"a reason of 1 to {REASON_MAX} characters is required", {"n": REASON_MAX}
            )
        )
    source = _definition(cw, request.workflow, request.from_version, problems)
    target = _definition(cw, request.workflow, request.to_version, problems)
    if source is not None and target is not None:
        problems += plan_problems(source, target, request.state_map, request.states)
    case_ids = tuple(dict.fromkeys(request.case_ids))
    if len(case_ids) > MAX_CASE_IDS:
        problems.append(
            PlanProblem(
                "too_many", f"at most {MAX_CASE_IDS} cases may be listed", {"n": MAX_CASE_IDS}
            )
        )
    states = tuple(dict.fromkeys(request.states))
    at = cw.clock.now()
    with cw.store.transaction() as tx:
        if case_ids and len(case_ids) <= MAX_CASE_IDS:
            unknown = stored.unknown_cases(tx, case_ids, user.scope)
            problems += [PlanProblem("no_case", f"no case {i}", {"id": i}) for i in unknown]
        if problems:
            raise MigrationPlanError(problems)
        selection = stored.Selection(request.workflow, request.from_version, states, case_ids)
        run_id = stored.create_run(
            tx,
            workflow=request.workflow,
            from_version=request.from_version,
            to_version=request.to_version,
            reason=reason,
            state_map=request.state_map,
            states=states,
            case_ids=case_ids,
            created_by=user.username,
            created_at=at,
            total=stored.count_selected(tx, selection, user.scope),
        )
        audit.record(
            tx,
            at=at,
            username=user.username,
            action=PLANNED,
            reason=f"run {run_id}: {request.workflow} v{request.from_version}"
            f" -> v{request.to_version}: {reason}",
        )
        created = stored.get_run(tx, run_id)
    assert created is not None
    return created


def runs(cw: Casework, user: User, workflow: str | None = None) -> list[MigrationRun]:
    """The migration runs, newest first (of one workflow if given)."""
    require(user, Permission.MIGRATE_CASE)
    with cw.store.transaction(write=False) as tx:
        return stored.list_runs(tx, workflow)


def run(cw: Casework, user: User, run_id: int) -> MigrationRun:
    require(user, Permission.MIGRATE_CASE)
    with cw.store.transaction(write=False) as tx:
        return _run_in(tx, run_id)


def _run_in(tx: SqlTransaction, run_id: int, *, lock: bool = False) -> MigrationRun:
    found = stored.get_run(tx, run_id, lock=lock)
    if found is None:
        raise UnknownMigrationError(run_id)
    return found


def _check(cw: Casework, r: MigrationRun) -> MigrationCheck:
    source = cw.registry.get(r.workflow, r.from_version)
    target = cw.registry.get(r.workflow, r.to_version)
    return MigrationCheck(source, target, r.state_map, cw.service.calendar)


# -- previewing -----------------------------------------------------------------------------
def preview(cw: Casework, user: User, run_id: int) -> MigrationRun:
    """Work out and store the verdict of every case the run selects, a page of cases per
    transaction (memory stays flat); previewing again replaces the verdicts. A run being
    applied or applied cannot be previewed again."""
    require(user, Permission.MIGRATE_CASE)
    with cw.store.transaction() as tx:
        r = _run_in(tx, run_id, lock=True)
        if r.status in ("applying", "applied"):
            raise MigrationPlanError(
                [
                    PlanProblem(
                        "run_status",
                        f"run {run_id} is {r.status}: plan a new run instead",
                        {"run": run_id, "status": r.status},
                    )
                ]
            )
        stored.clear_previews(tx, run_id)
        stored.set_status(tx, run_id, "planned")
    check = _check(cw, r)
    selection = stored.Selection(r.workflow, r.from_version, r.states, r.case_ids)
    now = cw.clock.now()
    total = movable = 0
    after = 0
    while True:
        with cw.store.transaction() as tx:
            page = stored.selected_page(tx, selection, after, PAGE)
            if not page:
                break
            after = page[-1].case.id
            if not selection.case_ids and not user.scope.everything:
                # Every open case of the version: those the previewing user sees (a listed
                # case was checked when the run was planned).
                hidden = set(stored.unknown_cases(tx, [s.case.id for s in page], user.scope))
                page = [s for s in page if s.case.id not in hidden]
            deadlines = stored.pending_before(tx, [s.case.id for s in page], now)
            items = []
            for case, action, changes in page:
                entry = entered_by(action, changes)
                v = check.judge(case, entry, deadlines.get(case.id, ()), now)
                items.append((v, case.version, entry))
                movable += v.movable
            if items:
                stored.insert_previews(tx, run_id, items)
        total += len(page)
    with cw.store.transaction() as tx:
        stored.set_previewed(
            tx, run_id, total=total, movable=movable, refused=total - movable, at=now
        )
        audit.record(
            tx,
            at=now,
            username=user.username,
            action=PREVIEWED,
            reason=f"run {run_id}: {movable} of {total} cases can move",
        )
        return _run_in(tx, run_id)


def preview_cases(
    cw: Casework,
    user: User,
    run_id: int,
    *,
    state: str | None = None,
    movable: bool | None = None,
    after_case_id: int = 0,
    limit: int = 100,
) -> list[CasePreview]:
    """A page of the run's cases by case id, after `after_case_id` (keyset paging), of one
    state and movable or not if asked."""
    require(user, Permission.MIGRATE_CASE)
    limit = max(1, min(limit, PREVIEW_LIMIT))
    with cw.store.transaction(write=False) as tx:
        _run_in(tx, run_id)
        return stored.previews(
            tx, run_id, state=state, movable=movable, after_case_id=after_case_id, limit=limit
        )


# -- applying -------------------------------------------------------------------------------
@contextmanager
def _savepoint(tx: SqlTransaction) -> Iterator[None]:
    """A savepoint on the driver connection (a case's move, all or nothing within its batch);
    SQLAlchemy's costs ~120 µs, the driver's ~2 µs."""
    cur = tx.cursor
    cur.execute("SAVEPOINT fq_migrate")
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK TO SAVEPOINT fq_migrate")
        cur.execute("RELEASE SAVEPOINT fq_migrate")
        raise
    cur.execute("RELEASE SAVEPOINT fq_migrate")


def move_key(run_id: int, case_id: int) -> str:
    """The idempotency key of a run's move of a case: applied twice, it moves the case once."""
    return f"migrate:{run_id}:{case_id}"


@dataclass
class _Tally:
    moved: int = 0
    already: int = 0
    refused: int = 0
    failed: int = 0


def apply(
    cw: Casework,
    user: User,
    run_id: int,
    *,
    confirm: bool,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> ApplyReport:
    """Move the cases the preview accepted; see the module's description. Resumable: applying
    a run again continues with the cases not moved yet. `progress`, if given, is told the
    cases moved so far after each batch is committed."""
    require(user, Permission.MIGRATE_CASE)
    if not confirm:
        raise ConfirmationRequiredError("applying a migration")
    began = time.perf_counter()
    batch = max(1, batch)
    with cw.store.transaction() as tx:
        r = _run_in(tx, run_id, lock=True)
        if r.status == "planned":
            raise MigrationPlanError(
                [
                    PlanProblem(
                        "no_preview",
                        f"run {run_id} has no preview yet: preview it first",
                        {"run": run_id},
                    )
                ]
            )
        if r.status == "previewed":
            stored.set_status(tx, run_id, "applying")
    already_before = r.moved
    check = _check(cw, r)
    tally = _Tally()
    after = 0
    while True:
        with cw.store.transaction() as tx:
            _run_in(tx, run_id, lock=True)  # one apply of the run at a time, batch by batch
            page = stored.to_apply(tx, run_id, after, batch)
            if not page:
                break
            now = cw.clock.now()
            marks = _apply_batch(cw, tx, user, r, check, page, now, tally)
            stored.mark_cases(tx, run_id, marks)
            moved = sum(1 for m in marks if m[1] == "moved")
            refused = sum(1 for m in marks if m[1] == "refused")
            stored.add_counts(
                tx, run_id, moved=moved, refused=refused, failed=len(marks) - moved - refused
            )
        after = page[-1].case_id
        if progress is not None:
            progress(already_before + tally.moved)
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        r = _run_in(tx, run_id, lock=True)
        if r.status != "applied" and stored.left_to_apply(tx, run_id) == 0:
            stored.set_status(tx, run_id, "applied", applied_at=now)
            audit.record(
                tx,
                at=now,
                username=user.username,
                action=APPLIED,
                reason=f"run {run_id}: {r.moved} moved, {r.refused} refused, {r.failed} failed",
            )
            r = _run_in(tx, run_id)
    return ApplyReport(
        run=r,
        moved=tally.moved,
        already_moved=already_before + tally.already,
        refused=r.refused,
        failed=r.failed,
        seconds=time.perf_counter() - began,
    )


_Mark = tuple[int, str, str, datetime | None]  # case id, status, refusals JSON, moved at


def _apply_batch(
    cw: Casework,
    tx: SqlTransaction,
    user: User,
    r: MigrationRun,
    check: MigrationCheck,
    page: list[stored.ToApply],
    now: datetime,
    tally: _Tally,
) -> list[_Mark]:
    """Move a batch's cases in its transaction; what to record of each.

    The cases are read in one query and moved in memory (engine.batch.SweepBatch: the same
    move, against memory), each all or nothing (a case whose move or audit entry fails is
    undone in memory and writes nothing), then written together, one statement per kind of
    row, under a savepoint: a handful of round trips for the batch instead of some ten a
    case. If the bulk write fails (a case changed since it was read, or the database
    refuses a row), nothing of it is kept and the batch is moved again case by case, each
    under a savepoint of the database, as the cases are now."""
    ids = [item.case_id for item in page]
    cases = tx.get_cases(ids)
    batch = SweepBatch(tx, dict(cases), tx.existing_keys([move_key(r.id, i) for i in ids]))
    entries = audit.Entries()
    counted = _Tally()
    marks = []
    for item in page:
        case = cases.get(item.case_id)
        moving = copy(case) if case is not None else None  # the batch keeps the one read
        marks.append(
            _apply_one(
                cw, batch, batch.savepoint, entries, user, r, check, item, moving, now, counted
            )
        )
    cur = tx.cursor
    cur.execute("SAVEPOINT fq_migrate_batch")
    try:
        batch.flush()
        audit.write_entries(tx, entries)
    except Exception:
        cur.execute("ROLLBACK TO SAVEPOINT fq_migrate_batch")
        cur.execute("RELEASE SAVEPOINT fq_migrate_batch")
        cases = tx.get_cases(ids)
        return [
            _apply_one(
                cw,
                tx,
                partial(_savepoint, tx),
                tx,
                user,
                r,
                check,
                item,
                cases.get(item.case_id),
                now,
                tally,
            )
            for item in page
        ]
    cur.execute("RELEASE SAVEPOINT fq_migrate_batch")
    tally.moved += counted.moved
    tally.already += counted.already
    tally.refused += counted.refused
    tally.failed += counted.failed
    return marks


def _apply_one(
    cw: Casework,
    tx: Transaction,
    savepoint: Callable[[], AbstractContextManager[None]],
    entries: SqlTransaction | audit.Entries,
    user: User,
    r: MigrationRun,
    check: MigrationCheck,
    item: stored.ToApply,
    case: Case | None,
    now: datetime,
    tally: _Tally,
) -> _Mark:
    """Move one case (`case`, as the batch read it) in `tx` (the batch's transaction, or
    the batch in memory), under `savepoint`, its audit entry written to `entries`; what to
    record of it."""
    key = move_key(r.id, item.case_id)
    if case is not None and case.version != item.case_version:
        done = tx.event_by_key(key)
        if done is not None:  # moved by an apply of this run that committed meanwhile
            tally.already += 1
            return (item.case_id, "moved", "[]", done.at)
    if case is None or case.version != item.case_version:
        tally.refused += 1
        actual = case.version if case is not None else -1
        refusal = stored.refusals_out([changed(item.case_version, actual)])
        return (item.case_id, "refused", refusal, None)
    verdict = check.verdict(case, item.entered_by, (), now)
    if not verdict.movable or verdict.to_state is None:
        tally.refused += 1
        return (item.case_id, "refused", stored.refusals_out(verdict.refusals), None)
    note = (
        f"migrated {r.workflow} v{r.from_version} -> v{r.to_version}"
        f" ({case.state} -> {verdict.to_state}), run {r.id}"
    )
    try:
        with savepoint():
            cw.service.move_in(
                tx,
                case,
                check.target,
                verdict.to_state,
                user.actor,
                idempotency_key=key,
                note=note,
                entered_by=item.entered_by,
            )
            audit.record_on_cursor(
                entries,
                at=now,
                username=user.username,
                action=CASE_MIGRATED,
                case_id=case.id,
                reason=f"{note}: {r.reason}",
            )
    except DuplicateKeyError:
        tally.already += 1
        return (item.case_id, "moved", "[]", now)
    except FengqiaoError as exc:
        tally.failed += 1
        return (item.case_id, "failed", stored.refusals_out([failed(str(exc))]), None)
    tally.moved += 1
    return (item.case_id, "moved", "[]", now)
