"""Uploaded photos are readable by the server's user only: 0600 files in a 0700 folder."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request

from api.pages.uploads import REFERENCE_PREFIX, store_photo

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_stored_photo_and_a_new_uploads_folder_are_owner_only(tmp_path: Path) -> None:
    app = Starlette()
    folder = tmp_path / "var" / "uploads"
    app.state.uploads_dir = folder
    request = Request({"type": "http", "app": app, "method": "POST", "headers": []})
    old_umask = os.umask(0o022)  # a usual umask: 0644 files, 0755 folders unless asked
    try:
        reference = asyncio.run(store_photo(request, UploadFile(io.BytesIO(PNG), filename="p.png")))
    finally:
        os.umask(old_umask)
    stored = folder / reference.removeprefix(REFERENCE_PREFIX)
    assert stored.read_bytes() == PNG
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
