"""Security headers on every response: what a browser may run, frame and send along.

The pages run only the scripts served from /static (no inline script, no inline event
handler), so a stored text that slips past escaping still cannot run. No page may be framed
(clickjacking: `frame-ancestors` for current browsers, `X-Frame-Options` for older ones).
Content types are not sniffed, and other sites are not told which page a link was on.
Inline styles stay allowed: Mermaid draws its diagrams with them, and a style runs no code.

The JSON API needs nothing from a browser: its policy allows nothing. The interactive API
documentation (FastAPI's Swagger UI page) is built from a CDN and an inline script that
FastAPI writes; it shows no stored data and gets a policy of its own.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PREFIX = "/api/docs"

COMMON: tuple[tuple[str, str], ...] = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
)


def policy_for(path: str) -> str:
    if path.startswith(DOCS_PREFIX):
        return DOCS_POLICY
    if path.startswith("/api/"):
        return API_POLICY
    return PAGE_POLICY


def headers_for(path: str) -> dict[str, str]:
    """The security headers of a response to `path`."""
    return {"content-security-policy": policy_for(path), **dict(COMMON)}


def _encoded(policy: str) -> list[tuple[bytes, bytes]]:
    pairs = [("content-security-policy", policy), *COMMON]
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


ENCODED = {policy: _encoded(policy) for policy in (PAGE_POLICY, API_POLICY, DOCS_POLICY)}


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response that does not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = ENCODED[policy_for(scope["path"])]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((n, v) for n, v in extra if n not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
