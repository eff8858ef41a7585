"""Duplicate suggestions (engine.casework.duplicates): by place and category, by text, by
caller; open cases only, within the window, among those the user sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.casework.cases import open_case
from engine.casework.context import Casework
from engine.casework.duplicates import Probe, check_rules, suggest, suggest_for_case
from engine.casework.errors import InvalidProbeError
from engine.casework.grid_reports import GridReport, report
from engine.casework.parties import NewParty
from engine.clock import ManualClock
from engine.model import Case
from engine.store.parties import phone_index
from engine.store.tables import PartyRow
from tests.engine.casework.conftest import person

HERE = (39.9500, 116.4000)
NEAR = (39.9502, 116.4003)  # about 33 m away
FAR = (39.9530, 116.4000)  # about 330 m away
TEXT = "和平里小区3号楼门口垃圾堆放，无人清理"


def _report(
    cw: Casework,
    place: tuple[float, float] | None,
    description: str = TEXT,
    category: str = "sanitation",
    phone: str | None = None,
) -> Case:
    reporter = NewParty("reporter", "王五", phone=phone) if phone else None
    r = GridReport(
        "g1", category, "blue", "和平里3号楼", description, place=place, reporter=reporter
    )
    return report(cw, person("grid_member"), r).case


def _ids(cw: Casework, probe: Probe, who: str = "supervisor") -> list[int]:
    return [s.case.id for s in suggest(cw, person(who), probe)]


def test_a_case_nearby_of_the_same_category_is_suggested(cw: Casework) -> None:
    near = _report(cw, NEAR, description="路面有一堆建筑垃圾")
    _report(cw, FAR, description="路面有一堆建筑垃圾")
    _report(cw, NEAR, description="路灯不亮", category="road_facility")
    probe = Probe("grid_escalation", "sanitation", "门口有垃圾", *HERE)
    found = suggest(cw, person("supervisor"), probe)
    assert [s.case.id for s in found] == [near.id]
    assert found[0].distance_m is not None and 20 < found[0].distance_m < 50
    assert found[0].text_score is None and not found[0].same_caller


def test_very_similar_text_is_suggested_wherever_it_is(cw: Casework) -> None:
    similar = _report(cw, None)
    _report(cw, None, description="东城路口路灯损坏，夜间无照明")
    found = suggest(cw, person("supervisor"), Probe("grid_escalation", None, TEXT + "，气味难闻"))
    assert [s.case.id for s in found] == [similar.id]
    assert found[0].text_score is not None and found[0].text_score > 0.8


def test_the_same_caller_is_suggested_by_the_phone_hash(cw: Casework) -> None:
    theirs = _report(cw, None, description="噪音扰民", phone="13900001111")
    _report(cw, None, description="井盖缺失", phone="13900002222")
    probe = Probe("grid_escalation", None, "楼下施工", phone="+86 139 0000 1111")
    assert _ids(cw, probe) == [theirs.id]
    with cw.store.transaction(write=False) as tx:
        column = PartyRow.__table__.c.phone_index  # type: ignore[attr-defined]
        stored = tx.conn.execute(select(column)).scalars().all()
    # The keyed hashes, never the numbers (a hash of a random key may hold "1111" by chance:
    # one run in 600 did, so the numbers' whole digits are looked for).
    phones = ("13900001111", "13900002222")
    assert len(stored) == 2 and set(stored) == {phone_index(cw.sealer, n) for n in phones}
    assert all(s and len(s) == 64 and not any(n in s for n in phones) for s in stored)


def test_an_open_case_is_not_its_own_duplicate_by_its_caller(cw: Casework) -> None:
    first = _report(cw, None, description="噪音扰民", phone="13900001111")
    second = _report(cw, None, description="井盖缺失", phone="139 0000 1111")
    found = suggest_for_case(cw, person("supervisor"), second.id)
    assert [(s.case.id, s.same_caller) for s in found] == [(first.id, True)]


def test_closed_old_and_hidden_cases_are_not_suggested(cw: Casework, clock: ManualClock) -> None:
    old = _report(cw, NEAR)
    clock.advance(timedelta(days=8))
    probe = Probe("grid_escalation", "sanitation", TEXT, *HERE)
    assert _ids(cw, probe) == []  # opened before the window
    fixed = report(
        cw,
        person("grid_member"),
        GridReport("g1", "sanitation", "blue", "3号楼", TEXT, fixed_on_spot=True, place=NEAR),
    ).case
    assert fixed.closed_at is not None and _ids(cw, probe) == []
    fresh = _report(cw, NEAR)
    assert _ids(cw, probe) == [fresh.id]
    assert _ids(cw, probe, "org_admin") == []  # the trade union does not see grid cases
    assert old.id not in _ids(cw, probe)


def test_an_open_case_shows_the_cases_it_may_repeat(cw: Casework) -> None:
    first = _report(cw, NEAR)
    second = _report(cw, HERE)
    found = suggest_for_case(cw, person("supervisor"), second.id)
    assert [s.case.id for s in found] == [first.id]
    assert found[0].distance_m is not None and found[0].text_score == 1.0


def test_mediation_intake_is_indexed_through_open_case(cw: Casework) -> None:
    data = {"category": "family", "source": "walk_in", "description": "邻居装修噪音纠纷"}
    first = open_case(cw, person("mediator"), "mediation", dict(data), org_unit="union")
    found = suggest(
        cw, person("mediator"), Probe("mediation", "family", "邻居装修噪音纠纷，多次协商未果")
    )
    assert [s.case.id for s in found] == [first.case.id]


@pytest.mark.parametrize(
    ("probe", "field"),
    [
        (Probe("grid_escalation", lat=91.0, lng=116.0), "lat"),
        (Probe("grid_escalation", lat=39.0), "lng"),
        (Probe("grid_escalation", description="长" * 5000), "description"),
    ],
)
def test_a_malformed_probe_is_refused(cw: Casework, probe: Probe, field: str) -> None:
    with pytest.raises(InvalidProbeError) as err:
        suggest(cw, person("supervisor"), probe)
    assert err.value.field == field


def test_a_point_off_the_globe_opens_nothing(cw: Casework) -> None:
    with pytest.raises(InvalidProbeError):
        _report(cw, (39.9, 200.0))
    with cw.store.transaction(write=False) as tx:
        assert tx.get_case(1) is None


def test_the_rules_have_bounds() -> None:
    assert check_rules(None, None).radius_m == 50 and check_rules(None, None).window_days == 7
    assert check_rules(120, 30).radius_m == 120
    for radius, window in ((0, 7), (501, 7), (50, 0), (50, 91)):
        with pytest.raises(InvalidProbeError):
            check_rules(radius, window)
