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


TREND_WIDTH = 560
TREND_HEIGHT = 200
TREND_LEFT = 44
TREND_TOP = 28
TREND_BOTTOM = 36


def trend_chart(
    title: str, points: Sequence[tuple[str, float | None]], colour_index: int = 0
) -> Markup:
    """A rate in [0, 1] over periods as a line with dots; a period without data breaks the line
    and shows no dot. Labels under the axis, every other one when there are many."""
    colour = COLOURS[colour_index % len(COLOURS)]
    width = TREND_LEFT + TREND_WIDTH + 16
    height = TREND_TOP + TREND_HEIGHT + TREND_BOTTOM
    step = TREND_WIDTH / max(1, len(points) - 1) if len(points) > 1 else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="700" fill="{INK}">{escape(title)}</text>',
    ]
    for share in (0.0, 0.5, 1.0):
        y = round(TREND_TOP + TREND_HEIGHT * (1 - share), 1)
        parts.append(
            f'<line x1="{TREND_LEFT}" y1="{y}" x2="{TREND_LEFT + TREND_WIDTH}" y2="{y}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{TREND_LEFT - 6}" y="{y + 4}" font-size="11" text-anchor="end" '
            f'fill="{INK}">{int(share * 100)}%</text>'
        )
    runs: list[list[tuple[float, float]]] = [[]]
    every = 1 if len(points) <= 12 else 2
    for i, (label, value) in enumerate(points):
        x = round(TREND_LEFT + i * step, 1)
        if i % every == 0:
            parts.append(
                f'<text x="{x}" y="{TREND_TOP + TREND_HEIGHT + 16}" font-size="11" '
                f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
            )
        if value is None:
            runs.append([])
            continue
        y = round(TREND_TOP + TREND_HEIGHT * (1 - max(0.0, min(1.0, value))), 1)
        runs[-1].append((x, y))
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}">'
            f"<title>{escape(label)}: {percent(value)}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{x},{y}" for x, y in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
