"""Parties' personal data sealed at rest (PIPL: encryption where stored).

Each value (name, phone, ID number, address) is encrypted on its own with AES-256-GCM under the
installation's party key, with a fresh nonce, and bound to its case and field: a sealed phone
cannot be moved into another case's row or into the name column without failing to open.
Stored as ``fq1:`` + base64url(nonce + ciphertext). A database dump or backup then holds no
readable personal data; the key lives outside the database (``FENGQIAO_PARTY_KEY``, or a key
file created on first start for the embedded default).

Values stored before sealing (no prefix) are read as they are; ``fengqiao db seal-parties``
seals them, and ``fengqiao db rotate-party-key`` reseals everything under a new key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "fq1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value that does not open: another installation's key, or tampered with."""


class Sealer:
    """Seals and opens personal-data values under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"the party key must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)
        # The blind index's own key, derived from the party key: a keyed hash of a value
        # that can be compared without the value (and without the key, nothing to compare).
        self._index_key = hmac.new(key, b"fengqiao blind index v1", hashlib.sha256).digest()

    @classmethod
    def from_text(cls, text: str) -> Sealer:
        """A key as written by `new_key_text` (base64url of 32 bytes)."""
        try:
            key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError("the party key is not base64url text") from exc
        return cls(key)

    def seal(self, value: str | None, case_id: int, field: str) -> str | None:
        if value is None:
            return None
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), _bound(case_id, field))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str | None, case_id: int, field: str) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value  # absent, or stored before sealing
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _bound(case_id, field))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealError(
                f"the {field} of a party of case {case_id} does not open with this party key"
            ) from exc
        return plain.decode("utf-8")

    def blind_index(self, value: str, purpose: str) -> str:
        """A keyed hash (HMAC-SHA256, hex) of `value` for `purpose`: equal values give equal
        hashes under one key, and the hash tells nothing of the value without the key."""
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    @staticmethod
    def is_sealed(value: str | None) -> bool:
        return value is None or value.startswith(PREFIX)


def _bound(case_id: int, field: str) -> bytes:
    return f"party:{case_id}:{field}".encode()


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_from_file(path: Path) -> str:
    """The key in `path`; a new one written there (readable by this user only, in a folder
    only this user can enter if the folder is new) if there is none. Two processes starting
    together agree on one."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = new_key_text()
    # Written whole aside, then linked into place: a process that finds the file never reads
    # it half written, and of two creators the first link wins.
    tmp = _written_aside(path, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return text


def replace_key_file(path: Path, text: str) -> None:
    """Put `text` in `path` in place of the key there (written aside, then renamed over it)."""
    Sealer.from_text(text)
    os.replace(_written_aside(path, text), path)


def _written_aside(path: Path, text: str) -> Path:
    """`text` in a new file beside `path`, readable by this user only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")
    return tmp
