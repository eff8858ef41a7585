"""Bar charts drawn on the server as SVG: they show without any script."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 180
BAR_WIDTH = 360
VALUE_WIDTH = 70
INK = "#1b1f24"
COLOURS = ("#0b5cad", "#1d6b36", "#7a4b00", "#6f2da8", "#a3141b", "#00616f")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bar_chart(
    title: str, bars: Sequence[tuple[str, float | None]], colour_index: int = 0
) -> Markup:
    """Horizontal bars of rates in [0, 1], one per group; `None` is drawn as "no data"."""
    colour = COLOURS[colour_index % len(COLOURS)]
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP + 24
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="700" fill="{INK}">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 24 + GAP + i * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT - 6
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" font-size="13" text-anchor="end" '
            f'fill="{INK}">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            'fill="#eef1f5"/>'
        )
        if value is not None:
            w = round(BAR_WIDTH * max(0.0, min(1.0, value)), 1)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{text_y}" font-size="13" '
            f'fill="{INK}">{percent(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
