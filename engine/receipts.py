"""The public intake form's receipt numbers: short, unguessable, easy to read out and type.

Twelve characters of Crockford's base32 (no I, L, O or U): 60 random bits, so guessing a
receipt in use is hopeless even with millions of cases. Shown in groups of four; typed in any
case, with or without spaces and dashes, and with O, I and L read as 0, 1 and 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """A receipt as shown to the resident: XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def parse(typed: str) -> str | None:
    """A typed receipt in its stored form, or None if it cannot be one."""
    code = "".join(ch for ch in typed.upper() if ch not in " -").translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
