"""Masking of personal data in lists and for roles without need."""

from __future__ import annotations

MASK = "*"


def mask_name(name: str) -> str:
    """张三丰 → 张**; "Li Ming" → "L*******"."""
    if not name:
        return name
    return name[0] + MASK * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return MASK * len(digits)
    keep_head = 3 if len(digits) >= 8 else 0
    return digits[:keep_head] + MASK * (len(digits) - keep_head - 4) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    """110101199003077777 → 1101**********7777 (region prefix and last four kept)."""
    if not value:
        return value
    if len(value) <= 8:
        return MASK * len(value)
    return value[:4] + MASK * (len(value) - 8) + value[-4:]


def mask_address(value: str | None) -> str | None:
    """Only the first six characters (district level) stay."""
    if not value:
        return value
    return value[:6] + MASK * 4 if len(value) > 6 else MASK * len(value)


def mask_value(value: object) -> object:
    """A personal workflow field's value, masked whatever its type."""
    if value is None or value == "":
        return value
    if isinstance(value, str):
        return mask_name(value)
    return "***"
