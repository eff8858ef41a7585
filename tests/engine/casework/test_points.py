"""Points end to end (seeds 002, 003): public-benefit work recorded, verified and awarded;
redeemed with a community partner, never below zero (also two redemptions at once on
PostgreSQL); a mistaken entry undone by a counter-entry; the mass organisations scored per
quarter with additions and deductions, and ranked."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from engine.casework import cases, points
from engine.casework.context import Casework
from engine.casework.errors import (
    AlreadyCorrectedError,
    InsufficientPointsError,
    InvalidPointsError,
    NotPermittedError,
    UnknownPointsEntryError,
)
from engine.clock import ManualClock
from engine.errors import GuardFailedError, IdempotencyKeyReusedError, RoleNotAllowedError
from engine.points import ASSESSMENT, PERSON, UNIT, PointEntry, PointsEffectError
from engine.store import points as ledger_store
from engine.store.audit import audit_log
from tests.engine.casework.conftest import person

ACTIVITY: dict[str, Any] = {
    "participant": "王大妈",
    "participant_kind": "resident",
    "activity": "volunteering",
    "activity_date": "2026-11-20",
    "description": "社区垃圾分类督导志愿服务半天",
    "proposed_points": 30,
}


def awarded(cw: Casework, data: dict[str, Any] | None = None) -> int:
    """Record a piece of public-benefit work and have the community verify it; the case id."""
    opened = cases.open_case(
        cw, person("grid_member"), "public_points", {**ACTIVITY, **(data or {})}, grid_unit="g1"
    )
    result = cases.fire(
        cw, person("handler"), opened.case.id, "verify", {}, expected_version=opened.case.version
    )
    assert result.case.state == "awarded"
    return opened.case.id


def balance(cw: Casework, account: str = "王大妈") -> int | None:
    page = points.ledger(cw, person("handler"), account_kind=PERSON, account=account)
    return page.balance


def test_verified_work_is_awarded_with_the_case_and_step_that_made_it(cw: Casework) -> None:
    case_id = awarded(cw)
    page = points.ledger(cw, person("supervisor"), account_kind=PERSON, account="王大妈")
    assert page.balance == 30
    (entry,) = page.entries
    assert (entry.amount, entry.category, entry.case_id, entry.action) == (
        30,
        "volunteering",
        case_id,
        "verify",
    )
    history = cw.service.history(case_id)
    assert entry.seq == history[-1].seq and history[-1].action == "verify"
    assert entry.actor == "handler" and entry.reason_zh == "公益活动换积分"
    assert points.ledger(cw, person("supervisor"), case_id=case_id).entries == (entry,)


def test_a_refused_verification_writes_no_points(cw: Casework) -> None:
    opened = cases.open_case(
        cw,
        person("grid_member"),
        "public_points",
        {**ACTIVITY, "activity_date": None},
        grid_unit="g1",
    )
    with pytest.raises(GuardFailedError):
        cases.fire(cw, person("handler"), opened.case.id, "verify", {}, expected_version=None)
    rejected = cases.fire(
        cw,
        person("handler"),
        opened.case.id,
        "reject",
        {"reject_reason": "活动未经社区组织"},
        expected_version=None,
    )
    assert rejected.case.state == "rejected"
    assert balance(cw) == 0
    assert points.ledger(cw, person("handler")).entries == ()


def test_redemption_with_a_partner_takes_points_and_never_overdraws(cw: Casework) -> None:
    awarded(cw)
    entry = points.redeem(
        cw,
        person("grid_member"),
        account_kind=PERSON,
        account="王大妈",
        amount=20,
        partner="惠民超市",
        note="大米一袋",
    )
    assert (entry.amount, entry.category, entry.partner) == (-20, "redemption", "惠民超市")
    assert balance(cw) == 10
    with pytest.raises(InsufficientPointsError) as refused:
        points.redeem(
            cw,
            person("grid_member"),
            account_kind=PERSON,
            account="王大妈",
            amount=11,
            partner="惠民超市",
        )
    assert (refused.value.balance, refused.value.asked) == (10, 11)
    assert balance(cw) == 10
    with pytest.raises(InsufficientPointsError):
        points.redeem(
            cw, person("grid_member"), account_kind=PERSON, account="无名", amount=1, partner="p"
        )
    with cw.store.transaction(write=False) as tx:
        actions = [r.action for r in tx.conn.execute(audit_log.select())]
    assert actions == ["points_redeemed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": True}, "amount"),
        ({"partner": "  "}, "partner"),
        ({"account": ""}, "account"),
        ({"account_kind": "family"}, "account_kind"),
        ({"note": "长" * 501}, "note"),
    ],
)
def test_a_redemption_that_does_not_fit_writes_nothing(
    cw: Casework, changes: dict[str, Any], field: str
) -> None:
    awarded(cw)
    asked: dict[str, Any] = {
        "account_kind": PERSON,
        "account": "王大妈",
        "amount": 5,
        "partner": "惠民超市",
        **changes,
    }
    with pytest.raises(InvalidPointsError) as refused:
        points.redeem(cw, person("grid_member"), **asked)
    assert refused.value.field == field
    assert balance(cw) == 30


def test_only_the_listed_roles_redeem_and_correct(cw: Casework) -> None:
    case_id = awarded(cw)
    with pytest.raises(NotPermittedError):
        points.redeem(
            cw, person("mediator"), account_kind=PERSON, account="王大妈", amount=1, partner="p"
        )
    (entry,) = points.ledger(cw, person("handler"), case_id=case_id).entries
    with pytest.raises(NotPermittedError):
        points.correct(cw, person("grid_member"), entry.id, "记错了")
    with pytest.raises(NotPermittedError):
        points.ledger(cw, person("mediator"))


def test_a_mistaken_award_is_undone_by_a_counter_entry_with_its_reason(cw: Casework) -> None:
    case_id = awarded(cw)
    (entry,) = points.ledger(cw, person("supervisor"), case_id=case_id).entries
    counter = points.correct(cw, person("supervisor"), entry.id, "重复登记")
    assert (counter.amount, counter.corrects, counter.note, counter.case_id) == (
        -30,
        entry.id,
        "重复登记",
        case_id,
    )
    assert balance(cw) == 0
    listed = points.ledger(cw, person("supervisor"), account_kind=PERSON, account="王大妈")
    assert [e.id for e in listed.entries] == [counter.id, entry.id]  # the entry stays
    with pytest.raises(AlreadyCorrectedError):
        points.correct(cw, person("supervisor"), entry.id, "again")
    with pytest.raises(AlreadyCorrectedError):
        points.correct(cw, person("supervisor"), counter.id, "undo the undo")
    with pytest.raises(UnknownPointsEntryError):
        points.correct(cw, person("supervisor"), 9999, "none")
    with pytest.raises(InvalidPointsError):
        points.correct(cw, person("supervisor"), entry.id, " ")


def test_a_counter_entry_may_not_take_spent_points_below_zero(cw: Casework) -> None:
    case_id = awarded(cw)
    points.redeem(
        cw, person("handler"), account_kind=PERSON, account="王大妈", amount=25, partner="家电维修"
    )
    (award,) = points.ledger(cw, person("supervisor"), case_id=case_id).entries
    with pytest.raises(InsufficientPointsError):
        points.correct(cw, person("supervisor"), award.id, "登记错误")
    redemption = points.ledger(cw, person("supervisor"), account="王大妈").entries[0]
    refund = points.correct(cw, person("supervisor"), redemption.id, "伙伴未能提供服务")
    assert refund.amount == 25 and balance(cw) == 30


def test_the_ledger_cannot_be_changed_nor_emptied(cw: Casework) -> None:
    awarded(cw)
    for statement in ("UPDATE points_ledger SET amount = 999", "DELETE FROM points_ledger"):
        with pytest.raises(Exception, match="append-only"), cw.store.transaction() as tx:
            tx.conn.execute(text(statement))
    assert balance(cw) == 30


def test_two_redemptions_at_once_never_overdraw(cw: Casework, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: nothing to race")
    awarded(cw)  # 30 points
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def redeem() -> None:
        barrier.wait()
        try:
            points.redeem(
                cw, person("handler"), account_kind=PERSON, account="王大妈", amount=10, partner="p"
            )
            outcomes.append("ok")
        except InsufficientPointsError:
            outcomes.append("refused")

    for _ in range(3):  # each round: 4 at once
        threads = [threading.Thread(target=redeem) for _ in range(4)]
        barrier.reset()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert outcomes.count("ok") == 3
    assert balance(cw) == 0


def audited(cw: Casework) -> list[str]:
    with cw.store.transaction(write=False) as tx:
        return [r.action for r in tx.conn.execute(audit_log.select())]


def redeem_with(
    cw: Casework, key: str | None, amount: int = 10, who: str = "handler"
) -> PointEntry:
    return points.redeem(
        cw,
        person(who),
        account_kind=PERSON,
        account="王大妈",
        amount=amount,
        partner="惠民超市",
        note="大米一袋",
        idempotency_key=key,
    )


def test_a_retried_redemption_is_applied_once(cw: Casework, clock: ManualClock) -> None:
    awarded(cw)  # 30 points
    first = redeem_with(cw, "form-1")
    clock.advance(timedelta(minutes=1))
    again = redeem_with(cw, "form-1")
    assert again == first
    assert balance(cw) == 20 and audited(cw) == ["points_redeemed"]
    with pytest.raises(IdempotencyKeyReusedError):
        redeem_with(cw, "form-1", amount=5)  # the same key with another request
    other = redeem_with(cw, "form-1", who="grid_member")  # keys are each user's own
    assert other.id != first.id and balance(cw) == 10
    assert redeem_with(cw, None, amount=5).id != redeem_with(cw, None, amount=5).id
    assert balance(cw) == 0  # without a key each request is its own redemption


def test_a_retried_counter_entry_is_applied_once(cw: Casework) -> None:
    case_id = awarded(cw)
    (award,) = points.ledger(cw, person("admin"), case_id=case_id).entries
    first = points.correct(cw, person("admin"), award.id, "重复登记", "fix-1")
    again = points.correct(cw, person("admin"), award.id, "重复登记", "fix-1")
    assert again == first and balance(cw) == 0
    assert audited(cw) == ["points_corrected"]
    with pytest.raises(IdempotencyKeyReusedError):
        points.correct(cw, person("admin"), award.id, "另一个理由", "fix-1")
    with pytest.raises(IdempotencyKeyReusedError):  # a redemption's key is not a correction's
        redeem_with(cw, "fix-1", who="admin")
    with pytest.raises(AlreadyCorrectedError):
        points.correct(cw, person("admin"), award.id, "重复登记", "fix-2")


def test_a_retry_that_loses_the_race_answers_the_first_entry(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both tries pass the lookup before either has written: the unique index refuses the
    second's entry, its transaction rolls back, and it answers the first's."""
    awarded(cw)
    first = redeem_with(cw, "form-1")
    real = ledger_store.by_key
    looked: list[str] = []

    def not_yet(tx: Any, key: str) -> PointEntry | None:
        looked.append(key)
        return None if len(looked) == 1 else real(tx, key)

    monkeypatch.setattr(ledger_store, "by_key", not_yet)
    assert redeem_with(cw, "form-1") == first
    assert len(looked) >= 2 and balance(cw) == 20 and audited(cw) == ["points_redeemed"]
    looked.clear()
    with pytest.raises(IdempotencyKeyReusedError):
        redeem_with(cw, "form-1", amount=5)


def test_two_retries_at_once_redeem_once(cw: Casework, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: nothing to race")
    awarded(cw)
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def retry() -> None:
        barrier.wait()
        answers.append(redeem_with(cw, "form-1").id)

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4 and len(set(answers)) == 1
    assert balance(cw) == 20 and audited(cw) == ["points_redeemed"]


QUARTER_START = datetime(2026, 10, 1, tzinfo=UTC)


def scoring_case(cw: Casework, organisation: str) -> int:
    opened = cases.open_case(
        cw, person("supervisor"), "quarterly_scoring", {"quarter": "2026Q4"}, org_unit=organisation
    )
    return opened.case.id


def score(cw: Casework, case_id: int, action: str, item: str, n: int, why: str) -> None:
    data = {"item": item, "points": n, "description": why}
    cases.fire(cw, person("supervisor"), case_id, action, data, expected_version=None)


def test_the_quarter_ranks_every_organisation_by_its_items(
    cw: Casework, clock: ManualClock
) -> None:
    union = scoring_case(cw, "union")
    women = scoring_case(cw, "women")
    cases.fire(
        cw,
        person("org_admin"),
        union,
        "report_work",
        {"item": "publicity", "description": "区报刊发调解工作报道 2 篇"},
        expected_version=None,
    )
    score(cw, union, "add_points", "publicity", 10, "区报 2 篇")
    score(cw, union, "add_points", "dispute_resolution", 15, "化解劳动争议 5 件")
    score(cw, union, "deduct_points", "activities", 5, "活动未按计划开展")
    score(cw, women, "add_points", "hardship_aid", 12, "帮扶困难妇女 6 户")
    with pytest.raises(GuardFailedError):
        cases.fire(
            cw,
            person("supervisor"),
            scoring_case(cw, "women"),
            "close_quarter",
            {"summary": "无"},
            expected_version=None,
        )
    closed = cases.fire(
        cw, person("supervisor"), union, "close_quarter", {"summary": "良好"}, expected_version=None
    )
    assert closed.case.state == "assessed"
    assert closed.case.data["additions"] == 25 and closed.case.data["deductions"] == 5

    ranking = points.ranking(cw, person("org_admin"), "2026q4")
    assert str(ranking.quarter) == "2026Q4"
    assert [(u.code, u.total, u.rank) for u in ranking.units] == [
        ("union", 20, 1),
        ("women", 12, 2),
    ]
    assert ranking.units[0].items == {
        "publicity": 10,
        "activities": -5,
        "hardship_aid": 0,
        "funding": 0,
        "dispute_resolution": 15,
    }
    union_entries = points.ledger(cw, person("supervisor"), book=ASSESSMENT, case_id=union)
    assert {e.account for e in union_entries.entries} == {"union"}
    assert all(e.case_id == union and e.seq for e in union_entries.entries)

    # The next quarter starts from nothing; a counter-entry counts when it is made.
    clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    assert points.ranking(cw, person("supervisor")).quarter.number == 1
    assert {u.total for u in points.ranking(cw, person("supervisor")).units} == {0}
    deducted = next(e for e in union_entries.entries if e.amount < 0)
    points.correct(cw, person("supervisor"), deducted.id, "活动已补办")
    assert points.ranking(cw, person("supervisor"), "2027Q1").units[0].items["activities"] == 5
    assert points.ranking(cw, person("supervisor"), "2026Q4").units[0].total == 20
    with pytest.raises(InvalidPointsError):
        points.ranking(cw, person("supervisor"), "2026Q5")


def test_only_the_supervisor_scores_and_an_organisation_sees_its_case(cw: Casework) -> None:
    union = scoring_case(cw, "union")
    assert cases.case_view(cw, person("org_admin"), union).case.id == union
    with pytest.raises(RoleNotAllowedError):
        cases.fire(
            cw,
            person("org_admin"),
            union,
            "add_points",
            {"item": "publicity", "points": 10, "description": "自评"},
            expected_version=None,
        )
    assert points.ranking(cw, person("org_admin"), "2026Q4").units[0].total == 0


def test_a_points_effect_that_cannot_be_worked_out_refuses_the_step(cw: Casework) -> None:
    opened = cases.open_case(
        cw,
        person("grid_member"),
        "public_points",
        {**ACTIVITY, "participant": "  "},
        grid_unit="g1",
    )
    with pytest.raises(PointsEffectError, match="no person in 'participant'"):
        cases.fire(cw, person("handler"), opened.case.id, "verify", {}, expected_version=None)
    assert cw.service.get_case(opened.case.id).state == "recorded"
    assert points.balances(cw, person("handler")) == []


def test_balances_list_every_account_highest_first(cw: Casework) -> None:
    awarded(cw)
    awarded(
        cw,
        {"participant": "夕阳红志愿队", "participant_kind": "organisation", "proposed_points": 50},
    )
    listed = points.balances(cw, person("handler"))
    assert [(b.account, b.balance) for b in listed] == [("夕阳红志愿队", 50), ("王大妈", 30)]
    assert points.balances(cw, person("handler"), account_kind=UNIT) == []
