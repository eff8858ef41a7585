"""Texts in Chinese and English; how a request picks its language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.requests import Request

from api.catalogs import check, texts
from api.pages.i18n import request_lang, translate
from api.pages.templating import TEMPLATES_DIR

API = Path(__file__).resolve().parents[2] / "api"
# A key as a literal: t("queue.title"), t('queue.title', n=3), translate(lang, "due.left").
TEMPLATE_KEY = re.compile(r"""\bt\(['"]([a-z_.]*[a-z_])['"]\s*[,)]""")
CODE_KEY = re.compile(r"""\b(?:t|translate\(\w+,)\s*\(?['"]([a-z_]+\.[a-z_.]*[a-z_])['"]\s*[,)]""")


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


def test_both_catalogs_hold_the_same_keys_with_the_same_placeholders() -> None:
    assert check() == []
    assert texts("zh").keys() == texts("en").keys()


def test_every_key_the_templates_use_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        used |= set(TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")))
    assert used and used - set(texts("zh")) == set()


def test_every_key_the_page_code_names_exists() -> None:
    used: set[str] = set()
    for path in API.rglob("*.py"):
        code = path.read_text(encoding="utf-8")
        used |= {m.group(1) for m in CODE_KEY.finditer(code)}
    assert len(used) > 20 and used - set(texts("zh")) == set()


def test_translate_fills_placeholders_and_falls_back_to_the_key() -> None:
    assert translate("en", "case.title", id=7) == "Case #7"
    assert translate("zh", "case.title", id=7) == "案件 #7"
    assert translate("zh", "no.such.key") == "no.such.key"
    assert translate("fr", "nav.login") == "登录"  # an unknown language reads Chinese
