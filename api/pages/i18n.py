"""Page texts in Chinese (the default) and English, and how a request picks its language.

The texts live in the catalogs (`api.catalogs`, `api/locale/<lang>/LC_MESSAGES/messages.po`);
workflow texts (states, actions, fields) come from the definitions.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from api.catalogs import LANGS, texts

__all__ = [
    "LANGS",
    "LANG_COOKIE",
    "request_lang",
    "translate",
    "translator",
]

DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"


def translate(lang: str, key: str, /, **params: object) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled in."""
    text = texts("en" if lang == "en" else "zh").get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, /, **params: object) -> str:
        return translate(lang, key, **params)

    return t


def request_lang(request: Request, preferred: str | None = None) -> str:
    """`?lang=` wins, then the `lang` cookie, then the user's own setting, then Chinese."""
    for candidate in (
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        preferred,
    ):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG
