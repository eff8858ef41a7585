"""The pure rules of duplicate suggestions (engine.duplicates): cells, distances, bigrams,
band keys, phone numbers."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import duplicates as d


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=18.0, max_value=53.0),
    lng=st.floats(min_value=73.0, max_value=135.0),
    bearing=st.floats(min_value=0.0, max_value=6.283),
    metres=st.floats(min_value=0.0, max_value=49.9),
)
def test_a_point_within_the_radius_lies_in_a_cell_looked_up(
    lat: float, lng: float, bearing: float, metres: float
) -> None:
    other_lat = lat + metres * math.cos(bearing) / d.M_PER_DEG
    other_lng = lng + metres * math.sin(bearing) / (d.M_PER_DEG * math.cos(math.radians(lat)))
    if d.distance_m(lat, lng, other_lat, other_lng) <= 50:
        assert d.cell_of(other_lat, other_lng) in d.cells_near(lat, lng, 50)


def test_the_default_radius_looks_up_about_nine_cells() -> None:
    for lat in (18.3, 31.2, 39.9, 53.0):
        assert 4 <= len(d.cells_near(lat, 116.4, 50)) <= 9
    assert len(d.cells_near(39.9, 116.4, 500)) > 100  # a larger radius: more cells


def test_distance_in_metres() -> None:
    one_degree = d.distance_m(39.0, 116.0, 40.0, 116.0)
    assert abs(one_degree - d.M_PER_DEG) < 1
    assert d.distance_m(39.9, 116.4, 39.9, 116.4) == 0


def test_chinese_text_compares_by_bigrams() -> None:
    a = d.grams("和平里小区3号楼门口垃圾堆放，无人清理。")
    b = d.grams("和平里小区３号楼门口垃圾堆放无人清理")  # full-width digit, no punctuation
    assert a == b and "垃圾" in a and "，" not in "".join(a)
    c = d.grams("和平里小区3号楼门口垃圾堆放很久了，无人清理，气味难闻")
    assert d.similar(a, c) and d.similarity(a, c).containment > 0.9
    unrelated = d.grams("东城路口路灯损坏夜间无照明")
    assert not d.similar(a, unrelated)
    assert d.grams("") == frozenset() and d.grams("灯") == frozenset({"灯"})


def test_similar_texts_share_a_band_and_the_workflow_scopes_them() -> None:
    text = d.grams("和平里小区3号楼门口垃圾堆放无人清理")
    near = d.grams("和平里小区3号楼门口垃圾堆放无人清理了")
    assert set(d.bands("grid", text)) & set(d.bands("grid", near))
    assert not set(d.bands("grid", text)) & set(d.bands("mediation", text))
    assert d.bands("grid", frozenset()) == []
    assert len(d.bands("grid", text)) <= d.BANDS


def test_unrelated_texts_rarely_share_a_band() -> None:
    rng = random.Random(7)
    words = "道路积水路灯损坏垃圾堆放噪音扰民违章搭建消防通道占用井盖缺失树木倒伏"
    texts = ["".join(rng.sample(words, 12)) for _ in range(200)]
    keys = [set(d.bands("grid", d.grams(t))) for t in texts]
    meets = sum(1 for i in range(200) for j in range(i) if keys[i] & keys[j])
    assert meets < 200 * 199 / 2 * 0.2


def test_phone_numbers_compare_in_one_form() -> None:
    assert d.normalise_phone("+86 139-0000-1111") == "13900001111"
    assert d.normalise_phone("0086 13900001111") == "13900001111"
    assert d.normalise_phone("１３９００００１１１１") == "13900001111"
    assert d.normalise_phone("12") is None
