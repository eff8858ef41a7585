"""Masking of names, phones, ID numbers and addresses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from api.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_value
from api.presenters import ANONYMOUS, party_out
from engine.casework.parties import PartyRecord


@pytest.mark.parametrize(
    ("fn", "value", "masked"),
    [
        pytest.param(mask_name, "王秀英", "王**", id="name"),
        pytest.param(mask_name, "李", "李*", id="one-char-name"),
        pytest.param(mask_phone, "13812345678", "138****5678", id="mobile"),
        pytest.param(mask_phone, "1234", "****", id="short-phone"),
        pytest.param(mask_phone, None, None, id="no-phone"),
        pytest.param(mask_id_number, "110101196505121234", "1101**********1234", id="id"),
        pytest.param(mask_id_number, "1234567", "*******", id="short-id"),
        pytest.param(mask_address, "东城区和平里七区3号楼", "东城区和平里****", id="address"),
        pytest.param(mask_value, 42, "***", id="number"),
        pytest.param(mask_value, "", "", id="empty"),
    ],
)
def test_masks(fn: object, value: object, masked: object) -> None:
    assert callable(fn)
    assert fn(value) == masked


def test_an_anonymous_reporters_phone_is_fully_hidden_from_the_handling_unit() -> None:
    reporter = PartyRecord(
        id=1,
        case_id=1,
        party_role="reporter",
        name="王小明",
        phone="13812345678",
        id_number="110101199003077777",
        address="东城区和平里三号楼二单元",
        sensitive=False,
        anonymous=True,
        created_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    shown = party_out(reporter, masked=True)
    assert shown.name == ANONYMOUS
    # Not even the last four digits, the region code or the district: nothing to trace.
    assert (shown.phone, shown.id_number, shown.address) == (None, None, None)
    named = party_out(replace(reporter, anonymous=False), masked=True)
    assert named.phone == "138****5678"
