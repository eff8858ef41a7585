"""Photo sniffing, server-drawn charts, and assets served by the app itself."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.pages.charts import bar_chart, percent
from api.pages.templating import STATIC_DIR, TEMPLATES_DIR
from api.pages.uploads import sniff


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        pytest.param(b"\xff\xd8\xff\xe0" + b"\0" * 12, "jpg", id="jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "png", id="png"),
        pytest.param(b"RIFF\0\0\0\0WEBPVP8 ", "webp", id="webp"),
        pytest.param(b"GIF89a" + b"\0" * 10, None, id="gif"),
        pytest.param(b"<svg xmlns=", None, id="svg"),
    ],
)
def test_sniff(head: bytes, ext: str | None) -> None:
    assert sniff(head) == ext


def test_bar_chart_draws_one_bar_per_group_and_escapes_labels() -> None:
    svg = str(bar_chart("响应率", [("工会", 0.5), ("<b>", None)]))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert svg.count('fill="#0b5cad"') == 1  # the group without data draws no bar
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "50.0%" in svg and "—" in svg
    assert percent(0.9876) == "98.8%"


def test_assets_are_served_by_the_app(app: FastAPI) -> None:
    client = TestClient(app)
    for path in (
        "css/app.css",
        "js/editor.js",
        "js/countdown.js",
        "js/diagram.js",
        "vendor/mermaid.min.js",
        "vendor/mermaid.LICENSE",
    ):
        assert client.get(f"/static/{path}").status_code == 200, path
    assert (STATIC_DIR / "vendor" / "mermaid.LICENSE").read_text().startswith("The MIT License")


def test_no_template_loads_anything_from_another_site() -> None:
    for path in TEMPLATES_DIR.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), path
