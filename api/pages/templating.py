"""The Jinja2 environment of the pages: templates, static URLs and the shared context."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from api.pages.formatting import duration_words, local
from api.pages.i18n import LANGS, request_lang, translator
from api.pages.messages import engine_text

API_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = API_DIR / "templates"
STATIC_DIR = API_DIR / "static"


def _common(request: Request) -> dict[str, Any]:
    lang = getattr(request.state, "lang", None) or request_lang(request)

    def msg(text: object, names: Mapping[str, str] | None = None) -> str:
        """An engine message in the page's language (api.pages.messages)."""
        return engine_text(lang, str(text), names)

    def when(moment: datetime | None, tz: object, seconds: bool = False) -> str:
        """A moment in the time zone `tz` (a name or a ZoneInfo), by the page's language."""
        return local(moment, str(tz), seconds, lang=lang)

    def dur(text: str) -> str:
        """A duration as written ("+2 hours") in the page's words."""
        return duration_words(text, lang)

    return {
        "lang": lang,
        "t": translator(lang),
        "langs": LANGS,
        "msg": msg,
        "when": when,
        "dur": dur,
    }


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_common])
    templates.env.globals["static_version"] = _static_version()
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def _static_version() -> str:
    """A short stamp for asset URLs so a browser fetches changed files again."""
    newest = max((p.stat().st_mtime for p in STATIC_DIR.rglob("*") if p.is_file()), default=0.0)
    return str(int(newest))


templates = make_templates()
