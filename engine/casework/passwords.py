"""Passwords: the rules a new one must meet, and argon2id hashing.

A stored hash that is empty or not an argon2 hash (a user imported without a password) never
verifies: that user cannot log in until a password is set for them.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 256  # hashing a longer one would only cost time

# OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~40 ms a login on a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_ARGON2_PREFIX = "$argon2"


def problem_with(password: str) -> str:
    """What is wrong with `password` as a new password; empty if nothing."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    return ""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def usable(password_hash: str) -> bool:
    """Whether a stored hash can verify any password at all."""
    return password_hash.startswith(_ARGON2_PREFIX)


def verify_password(password_hash: str, password: str) -> bool:
    if not usable(password_hash):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
