"""How times, spans and deadlines are shown: local time, countdowns, colour classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.pages.i18n import translate

DUE_SOON = timedelta(hours=24)


def local(moment: datetime | None, tz: str, with_seconds: bool = False) -> str:
    """A moment in the workroom's time zone, as `2026-11-23 09:00`."""
    if moment is None:
        return ""
    fmt = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return moment.astimezone(ZoneInfo(tz)).strftime(fmt)


def span(delta: timedelta, lang: str) -> str:
    """A duration in the two largest units: `2 d 3 h`, `45 min`."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(translate(lang, "span.d", n=days))
    if hours and len(parts) < 2:
        parts.append(translate(lang, "span.h", n=hours))
    if (minutes or not parts) and len(parts) < 2 and not days:
        parts.append(translate(lang, "span.min", n=minutes))
    joiner = "" if lang == "zh" else " "
    return joiner.join(parts)


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
    return Due(at, status, text, local(at, tz), at.isoformat())


def due_texts(lang: str) -> dict[str, object]:
    """The texts the countdown script needs to redraw deadline badges."""
    return {
        "overdue": translate(lang, "due.overdue"),
        "left": translate(lang, "due.left"),
        "d": translate(lang, "span.d"),
        "h": translate(lang, "span.h"),
        "min": translate(lang, "span.min"),
        "joiner": "" if lang == "zh" else " ",
        "soon_hours": DUE_SOON.total_seconds() / 3600,
        "status": {s: translate(lang, f"due.status.{s}") for s in ("overdue", "soon", "ok")},
    }
