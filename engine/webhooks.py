"""Status back to the source: what a client system's webhook receives when a case it opened
changes state, how the body is signed, when a failed delivery is tried again, and which
webhook URLs are accepted (docs/WEBHOOKS.md).

The body is compact JSON, its keys sorted, UTF-8. The signature header is
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``: the timestamp is the
attempt's, so a receiver can refuse an old replay; the delivery id (``X-Fengqiao-Delivery``)
stays the same from attempt to attempt, so a receiver can drop what it has already taken.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

STATE_CHANGED = "case.state_changed"
SIGNATURE_HEADER = "X-Fengqiao-Signature"
DELIVERY_HEADER = "X-Fengqiao-Delivery"
EVENT_HEADER = "X-Fengqiao-Event"
MAX_URL = 500
MAX_ATTEMPTS = 8  # then the delivery is failed for good (dead), until an admin redelivers it
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
TOLERANCE = timedelta(minutes=5)  # how old a signature a receiver should accept
# Names that always mean this machine or a private network.
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")
# A label a resolver may read as a number: 2130706433, 0x7f.1 and the like are 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")


@dataclass(frozen=True, slots=True)
class StateChange:
    """A case's state changed in a transaction, for a webhook to its source."""

    delivery_id: str
    source: str
    ticket: str
    case_id: int
    sequence: int  # the case's history sequence number of the change: grows per case
    old_state: str
    new_state: str
    closed: bool
    at: datetime


def body(change: StateChange) -> bytes:
    """The JSON a client system receives, as bytes (kept as sent: every attempt sends the same)."""
    doc = {
        "id": change.delivery_id,
        "event": STATE_CHANGED,
        "source": change.source,
        "external_id": change.ticket,
        "case_id": change.case_id,
        "sequence": change.sequence,
        "old_state": change.old_state,
        "new_state": change.new_state,
        "status": "closed" if change.closed else "open",
        "timestamp": change.at.isoformat(),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + payload`` under the client's secret."""
    message = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, payload: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, payload)}"


def verify(
    secret: str, header: str, payload: bytes, now: datetime, tolerance: timedelta = TOLERANCE
) -> bool:
    """Whether `header` signs `payload` under `secret` and is at most `tolerance` old: what a
    receiver checks (docs/WEBHOOKS.md has the same in a few lines)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or "v1" not in parts:
        return False
    if abs(now.timestamp() - int(stamp)) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(parts["v1"], signature(secret, int(stamp), payload))


def retry_delay(failures: int, rng: random.Random) -> timedelta:
    """How long to wait after the `failures`-th failed attempt: doubling from FIRST_DELAY up to
    MAX_DELAY, with jitter (between half and all of it) so that a receiver that was down is
    not hit by every delivery at once when it comes back."""
    full: timedelta = min(FIRST_DELAY * 2 ** max(failures - 1, 0), MAX_DELAY)
    return full * (0.5 + rng.random() / 2)


def url_problem(url: str, *, allow_private: bool = False) -> str | None:
    """Why `url` cannot be a webhook URL (None: it can). Only http and https, a host, no user
    name or password in it; unless `allow_private`, no host that is this machine or a private
    network: loopback, private, link-local, shared and reserved addresses and local names."""
    if not url or len(url) > MAX_URL or not url.isprintable() or " " in url:
        return f"a URL of 1 to {MAX_URL} characters without spaces"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https"):
        return "only http:// and https:// URLs"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "the URL names no host"
    if parts.username is not None or parts.password is not None:
        return "no user name or password in the URL"
    if parts.fragment:
        return "no fragment (#) in the URL"
    if allow_private:
        return None
    if host == "localhost" or host.endswith(_LOCAL_NAMES):
        return "a private host: allowed only when private hosts are allowed"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if all(_NUMERIC_LABEL.fullmatch(label) for label in host.lower().split(".")):
            return "an address written as a number: write it as a.b.c.d"
        return None  # a name: what it resolves to is the network's business
    if not address.is_global or address.is_multicast:
        return "a private address: allowed only when private hosts are allowed"
    return None
