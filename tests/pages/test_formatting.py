"""Times, spans and deadline colours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.pages.formatting import day, due, due_texts, local, span

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "zh", "en"),
    [
        pytest.param(timedelta(seconds=20), "0分钟", "0 min", id="seconds"),
        pytest.param(timedelta(minutes=45), "45分钟", "45 min", id="minutes"),
        pytest.param(timedelta(hours=2, minutes=5), "2小时5分钟", "2 hr 5 min", id="hours"),
        pytest.param(timedelta(days=1, hours=1), "1天1小时", "1 day 1 hr", id="one-day"),
        pytest.param(timedelta(days=3, hours=4, minutes=9), "3天4小时", "3 days 4 hr", id="days"),
        pytest.param(-timedelta(hours=1), "1小时", "1 hr", id="negative"),
    ],
)
def test_span(delta: timedelta, zh: str, en: str) -> None:
    assert (span(delta, "zh"), span(delta, "en")) == (zh, en)


@pytest.mark.parametrize(
    ("delta", "status", "text"),
    [
        pytest.param(timedelta(days=3), "ok", "剩余 3天", id="ok"),
        pytest.param(timedelta(hours=5), "soon", "剩余 5小时", id="soon"),
        pytest.param(-timedelta(minutes=30), "overdue", "已逾期 30分钟", id="overdue"),
    ],
)
def test_due(delta: timedelta, status: str, text: str) -> None:
    d = due(NOW + delta, NOW, "zh", "Asia/Shanghai")
    assert (d.status, d.text, d.css) == (status, text, f"due-{status}")


def test_local_time_is_the_workrooms_in_the_pages_language() -> None:
    assert local(NOW, "Asia/Shanghai") == "2026-11-23 09:00"
    assert local(NOW, "Asia/Shanghai", lang="en") == "23 Nov 2026, 09:00"
    assert local(NOW, "Asia/Shanghai", True, lang="en") == "23 Nov 2026, 09:00:00"
    assert local(None, "Asia/Shanghai") == ""


def test_dates_by_language() -> None:
    assert (day(NOW.date(), "zh"), day(NOW.date(), "en")) == ("2026-11-23", "23 Nov 2026")
    assert day(None) == ""


def test_due_texts_for_the_countdown_script() -> None:
    texts = due_texts("en")
    assert texts["left"] == "{span} left" and texts["soon_hours"] == 24
    assert (texts["d"], texts["h"], texts["min"], texts["joiner"]) == (
        "{n} days",
        "{n} hr",
        "{n} min",
        " ",
    )
    zh = due_texts("zh")
    assert (zh["d"], zh["h"], zh["min"], zh["joiner"]) == ("{n}天", "{n}小时", "{n}分钟", "")
