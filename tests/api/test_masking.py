"""Masking of names, phones, ID numbers and addresses."""

from __future__ import annotations

import pytest

from api.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_value


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
