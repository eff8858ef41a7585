"""Texts in Chinese and English; how a request picks its language."""

from __future__ import annotations

import re

import pytest
from starlette.requests import Request

from api.pages.i18n import TEXTS, request_lang, translate
from api.pages.templating import TEMPLATES_DIR


def _request(query: str = "", cookie: str = "") -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


@pytest.mark.parametrize(
    ("query", "cookie", "preferred", "expected"),
    [
        pytest.param("", "", None, "zh", id="default-chinese"),
        pytest.param("", "", "en", "en", id="user-setting"),
        pytest.param("", "lang=en", "zh", "en", id="cookie-wins-over-setting"),
        pytest.param("lang=zh", "lang=en", None, "zh", id="query-wins"),
        pytest.param("lang=fr", "", None, "zh", id="unknown-ignored"),
    ],
)
def test_request_lang(query: str, cookie: str, preferred: str | None, expected: str) -> None:
    assert request_lang(_request(query, cookie), preferred) == expected


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, (zh, en) in TEXTS.items():
        assert zh and en, key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_the_templates_use_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        used |= set(
            re.findall(r"""\bt\('([a-z_.]*[a-z_])'\s*[,)]""", path.read_text(encoding="utf-8"))
        )
    assert used and used <= set(TEXTS)


def test_translate_fills_placeholders_and_falls_back_to_the_key() -> None:
    assert translate("en", "case.title", id=7) == "Case #7"
    assert translate("zh", "case.title", id=7) == "案件 #7"
    assert translate("zh", "no.such.key") == "no.such.key"
