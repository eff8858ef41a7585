"""How times, spans and deadlines are shown, by the page's language (Babel's locale data):
dates and moments in the workroom's time zone, durations, countdowns, colour classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta

from api.pages.i18n import translate
from engine.durations import Duration, DurationError, parse_duration

DUE_SOON = timedelta(hours=24)

# The page's language → Babel's locale. Moments read year first in Chinese, as forms and
# registers write them; English spells the month out, so 03/04 never reads two ways.
LOCALES = {"zh": "zh_CN", "en": "en"}
MOMENT = {"zh": "yyyy-MM-dd HH:mm", "en": "d MMM yyyy, HH:mm"}
MOMENT_SECONDS = {"zh": "yyyy-MM-dd HH:mm:ss", "en": "d MMM yyyy, HH:mm:ss"}
DAY = {"zh": "yyyy-MM-dd", "en": "d MMM yyyy"}
Unit = Literal["day", "hour", "minute"]
Width = Literal["narrow", "short"]
UNIT_SECONDS: dict[Unit, int] = {"day": 86400, "hour": 3600, "minute": 60}
JOINER = {"zh": "", "en": " "}
WIDTH: dict[str, Width] = {"zh": "narrow", "en": "short"}


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["zh"])


def _lang(lang: str) -> str:
    return lang if lang in LOCALES else "zh"


def local(moment: datetime | None, tz: str, with_seconds: bool = False, lang: str = "zh") -> str:
    """A moment in the workroom's time zone: `2026-11-23 09:00`, `23 Nov 2026, 09:00`."""
    if moment is None:
        return ""
    pattern = (MOMENT_SECONDS if with_seconds else MOMENT)[_lang(lang)]
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(tz), locale=locale_of(lang))


def day(value: date | None, lang: str = "zh") -> str:
    """A date: `2026-11-23`, `23 Nov 2026`."""
    if value is None:
        return ""
    return format_date(value, DAY[_lang(lang)], locale=locale_of(lang))


def _unit(n: int, unit: Unit, lang: str) -> str:
    return format_timedelta(
        timedelta(seconds=UNIT_SECONDS[unit] * n),
        granularity=unit,
        threshold=10**9,  # never rounded up to a larger unit: the parts do that
        format=WIDTH[_lang(lang)],
        locale=locale_of(lang),
    )


def span(delta: timedelta, lang: str) -> str:
    """A duration in the two largest units: `2天3小时`, `2 days 3 hr`, `45 min`."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(_unit(days, "day", lang))
    if hours and len(parts) < 2:
        parts.append(_unit(hours, "hour", lang))
    if (minutes or not parts) and len(parts) < 2 and not days:
        parts.append(_unit(minutes, "minute", lang))
    return JOINER[_lang(lang)].join(parts)


def duration_text(duration: Duration, lang: str) -> str:
    """A definition's duration ("7 days", "15 working days") in the page's words."""
    if lang == "en":
        return str(duration)
    return translate(lang, f"duration.{duration.unit}", n=duration.amount)


def duration_words(text: str, lang: str) -> str:
    """A duration as written ("+2 hours", "7d") in the page's words; any other text as is."""
    try:
        return duration_text(parse_duration(text.strip().lstrip("+")), lang)
    except DurationError:
        return text


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline as the pages show it: when, how long left, and its colour status."""

    at: datetime
    status: str  # overdue | soon | ok
    text: str
    at_text: str
    at_iso: str

    @property
    def css(self) -> str:
        return f"due-{self.status}"


def due(at: datetime, now: datetime, lang: str, tz: str) -> Due:
    left = at - now
    if left <= timedelta(0):
        status = "overdue"
        text = translate(lang, "due.overdue", span=span(left, lang))
    else:
        status = "soon" if left <= DUE_SOON else "ok"
        text = translate(lang, "due.left", span=span(left, lang))
    return Due(at, status, text, local(at, tz, lang=lang), at.isoformat())


def _pattern(unit: Unit, lang: str) -> str:
    """A unit's pattern for the countdown script: `{n}天`, `{n} days`."""
    return _unit(7, unit, lang).replace("7", "{n}", 1)


def due_texts(lang: str) -> dict[str, object]:
    """The texts the countdown script needs to redraw deadline badges."""
    return {
        "overdue": translate(lang, "due.overdue"),
        "left": translate(lang, "due.left"),
        "d": _pattern("day", lang),
        "h": _pattern("hour", lang),
        "min": _pattern("minute", lang),
        "joiner": JOINER[_lang(lang)],
        "soon_hours": DUE_SOON.total_seconds() / 3600,
        "status": {s: translate(lang, f"due.status.{s}") for s in ("overdue", "soon", "ok")},
    }
