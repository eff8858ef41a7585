"""Photos of grid reports: stored as files under the uploads folder; a case keeps only their
reference (``uploads/<random name>``), never the image itself. The folder, if created here,
is 0700 and each photo 0600: readable by the server's user only."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request

MAX_PHOTO_BYTES = 8 << 20
REFERENCE_PREFIX = "uploads/"
_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
_CHUNK = 1 << 16


class PhotoError(ValueError):
    """Raised when an upload is not a photo we keep: too large, or not JPEG/PNG/WebP."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def uploads_dir(request: Request) -> Path:
    """The uploads folder the app was created with (api.app.create_app)."""
    folder: Path = request.app.state.uploads_dir
    return folder


def sniff(head: bytes) -> str | None:
    """The file extension for a JPEG, PNG or WebP image, by its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


async def store_photo(request: Request, upload: UploadFile) -> str:
    """Save the upload under a random name; its reference for the case data."""
    head = await upload.read(16)
    ext = sniff(head)
    if ext is None:
        raise PhotoError("grid.photo_type")
    folder = uploads_dir(request)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    target = folder / name
    size = len(head)
    # Owner-only (0600): photos of disputes are personal data.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > MAX_PHOTO_BYTES:
                    raise PhotoError("grid.photo_too_big")
                out.write(chunk)
    except PhotoError:
        target.unlink(missing_ok=True)
        raise
    return REFERENCE_PREFIX + name


def photo_path(request: Request, reference: str) -> Path | None:
    """The stored file of a reference, if it is one of ours and exists."""
    if not reference.startswith(REFERENCE_PREFIX):
        return None
    name = reference[len(REFERENCE_PREFIX) :]
    if not _NAME.match(name):
        return None
    path = uploads_dir(request) / name
    return path if path.is_file() else None
