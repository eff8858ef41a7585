"""Uploaded unit-tree and user files kept between their preview and their import: under the
uploads folder in ``imports/``, named by the SHA-256 of their content (the form that imports
names the file by that hash, never by a path), readable by the server's user only, removed
once imported or after KEEP_S."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from starlette.datastructures import UploadFile

from engine.sheets import MAX_BYTES

KEEP_S = 3600.0
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 16


def _folder(uploads: Path) -> Path:
    folder = uploads / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _forget_old(folder: Path, now: float) -> None:
    for path in folder.glob("*.upload"):
        try:
            if now - path.stat().st_mtime > KEEP_S:
                path.unlink(missing_ok=True)
        except OSError:
            continue


async def keep(uploads: Path, upload: UploadFile, cap: int = MAX_BYTES) -> str:
    """Store the upload (at most `cap` bytes and one more: a larger file is cut there, and
    its preview says it is too large); its token, the hash of what was kept."""
    folder = _folder(uploads)
    _forget_old(folder, time.time())
    digest = hashlib.sha256()
    partial = folder / f"{os.urandom(8).hex()}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    with os.fdopen(fd, "wb") as out:
        while size <= cap and (chunk := await upload.read(_CHUNK)):
            chunk = chunk[: cap + 1 - size]
            size += len(chunk)
            digest.update(chunk)
            out.write(chunk)
    token = digest.hexdigest()
    partial.replace(folder / f"{token}.upload")
    return token


def kept(uploads: Path, token: str) -> Path | None:
    """The kept file of a token, if the token is a hash and the file is still there."""
    if not _TOKEN.match(token):
        return None
    path = uploads / "imports" / f"{token}.upload"
    return path if path.is_file() else None


def forget(uploads: Path, token: str) -> None:
    path = kept(uploads, token)
    if path is not None:
        path.unlink(missing_ok=True)


class _Report(Protocol):
    @property
    def clean(self) -> bool: ...


R = TypeVar("R", bound=_Report)


def preview_kept(uploads: Path, token: str, preview: Callable[[BinaryIO], R]) -> R:
    """Preview the file kept under `token`; a file with problems is forgotten at once (it
    will not be imported)."""
    path = kept(uploads, token)
    assert path is not None
    with path.open("rb") as source:
        report = preview(source)
    if not report.clean:
        forget(uploads, token)
    return report


def still_kept(uploads: Path, token: str) -> Path | None:
    """The kept file of a token if it is still there with the content previewed."""
    path = kept(uploads, token)
    return path if path is not None and _same_file(path, token) else None


def _same_file(path: Path, token: str) -> bool:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest() == token
