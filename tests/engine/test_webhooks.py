"""The webhook's body, its signature (a known vector), the retry delays and the URLs a client
system may be given."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from engine.webhooks import (
    FIRST_DELAY,
    MAX_DELAY,
    StateChange,
    body,
    retry_delay,
    signature,
    signature_header,
    url_problem,
    verify,
)

AT = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
CHANGE = StateChange(
    delivery_id="0b7c4c64-3f0e-4b7e-9d59-6d2f4d1f9a10",
    source="wx-union",
    ticket="GD20261203000017",
    case_id=42,
    sequence=3,
    old_state="assessment",
    new_state="closed",
    closed=True,
    at=AT,
)


def test_the_body_is_compact_sorted_json_in_open311_terms() -> None:
    raw = body(CHANGE)
    assert raw == (
        b'{"case_id":42,"event":"case.state_changed","external_id":"GD20261203000017",'
        b'"id":"0b7c4c64-3f0e-4b7e-9d59-6d2f4d1f9a10","new_state":"closed",'
        b'"old_state":"assessment","sequence":3,"source":"wx-union","status":"closed",'
        b'"timestamp":"2026-12-03T08:30:00+00:00"}'
    )
    assert json.loads(raw)["status"] == "closed"


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    # Worked out once with another HMAC implementation:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expected = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
    assert signature("whsec_test", 1700000000, b'{"a":1}') == expected
    assert signature_header("whsec_test", 1700000000, b'{"a":1}') == (f"t=1700000000,v1={expected}")


def test_a_receiver_verifies_the_signature_and_its_age() -> None:
    raw = body(CHANGE)
    stamp = int(AT.timestamp())
    header = signature_header("s3cret", stamp, raw)
    assert verify("s3cret", header, raw, AT + timedelta(minutes=4))
    assert not verify("s3cret", header, raw, AT + timedelta(minutes=6))  # too old: a replay
    assert not verify("other", header, raw, AT)
    assert not verify("s3cret", header, raw + b" ", AT)
    assert not verify("s3cret", "v1=abc", raw, AT)


def test_the_delay_doubles_up_to_a_ceiling_with_jitter() -> None:
    rng = random.Random(7)
    delays = [retry_delay(n, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        full = min(FIRST_DELAY * 2 ** (n - 1), MAX_DELAY)
        assert full / 2 <= delay <= full
    assert delays[-1] <= MAX_DELAY
    # Jitter: two deliveries failing together are not tried again at the same moment.
    assert retry_delay(3, random.Random(1)) != retry_delay(3, random.Random(2))


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org/fengqiao",
        "http://12345.gov.example.cn:8080/status?x=1",
        "https://93.184.216.34/hook",
    ],
)
def test_public_http_urls_are_accepted(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.org/x", "only http"),
        ("file:///etc/passwd", "only http"),
        ("javascript:alert(1)", "only http"),
        ("https://", "no host"),
        ("https://user:pw@example.org/", "user name"),
        ("https://example.org/#x", "fragment"),
        ("https://example.org:99999/", "not a URL"),
        ("https://exa mple.org/", "without spaces"),
        ("http://localhost:8000/", "private host"),
        ("http://api.internal/", "private host"),
        ("http://127.0.0.1/", "private address"),
        ("http://10.1.2.3/", "private address"),
        ("http://192.168.1.5/", "private address"),
        ("http://169.254.169.254/latest/meta-data", "private address"),
        ("http://[::1]/", "private address"),
        ("http://0.0.0.0/", "private address"),
        ("http://2130706433/", "as a number"),
        ("http://0x7f.1/", "as a number"),
        ("https://" + "a" * 500 + ".org/", "characters"),
    ],
)
def test_bad_urls_are_refused(url: str, problem: str) -> None:
    found = url_problem(url)
    assert found is not None and problem in found


def test_private_hosts_are_accepted_when_allowed() -> None:
    assert url_problem("http://127.0.0.1:8123/hook", allow_private=True) is None
    assert url_problem("http://10.0.0.8/hook", allow_private=True) is None
    # …but never another scheme.
    assert url_problem("ftp://10.0.0.8/", allow_private=True) is not None
