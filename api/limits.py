"""Request size limits, enforced before a handler reads the body."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON
from engine.casework.hotline_import import MAX_BYTES as HOTLINE_MAX_BYTES
from engine.sheets import MAX_BYTES

API_MAX_BODY = 1 << 20  # 1 MiB: JSON bodies and definition sources
PAGE_MAX_BODY = 16 << 20  # 16 MiB: page forms with a photo
# Unit-tree and user files: the sheet reader's cap (engine.sheets.MAX_BYTES) and the
# multipart wrapping around it.
IMPORT_MAX_BODY = MAX_BYTES + (64 << 10)
IMPORT_PREFIX = "/api/import/"
# A hotline's export (engine.casework.hotline_import.MAX_BYTES), by the API or the page.
HOTLINE_MAX_BODY = HOTLINE_MAX_BYTES + (64 << 10)
HOTLINE_PREFIXES = ("/api/hotline/", "/admin/hotline/")
OPEN311_PREFIX = "/open311/"


class BodyTooLarge(HTTPException):
    """Raised while a body without Content-Length streams past the limit (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body may hold at most {limit} bytes")


class BodySizeLimit:
    """413 problem when a request body is larger than the limit of its path: by its
    Content-Length up front, or while it streams in without one."""

    def __init__(self, app: ASGIApp, api_max: int = API_MAX_BODY, page_max: int = PAGE_MAX_BODY):
        self.app = app
        self.api_max = api_max
        self.page_max = page_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(IMPORT_PREFIX):
            limit = max(self.api_max, IMPORT_MAX_BODY)
        elif path.startswith(HOTLINE_PREFIXES):
            limit = max(self.api_max, HOTLINE_MAX_BODY)
        else:
            api = path.startswith(("/api/", OPEN311_PREFIX))
            limit = self.api_max if api else self.page_max
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _reject(send, limit)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reject(send, limit)


async def _reject(send: Send, limit: int) -> None:
    body = (
        '{"type":"/problems/too-large","title":"Request too large","status":413,'
        f'"detail":"the body may hold at most {limit} bytes"}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
