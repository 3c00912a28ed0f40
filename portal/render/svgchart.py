"""A static picture of a chart, drawn on the server without a browser.

It reads the same plotly figure the page draws (portal/views/charts.py) and writes plain SVG:
a squarified treemap, horizontal (grouped) bars or lines over years, with the title, the
subtitle and the source line around it. PNG is made from that SVG with CairoSVG when it is
installed. Every figure shown is the text the page formats from the exact amounts.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 1200, 630
PAD = 40
FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
INK, MUTED, GRID = "#1a1a1a", "#4a4a4a", "#d0d4d9"


class NoRenderer(RuntimeError):
    """PNG needs CairoSVG and the cairo library; the message says what to install."""


@dataclass(frozen=True)
class Frame:
    """The words around a chart."""

    title: str
    subtitle: str
    source: str


def _label(text: Any) -> str:
    # The figure holds labels as plotly needs them (`&amp;` for `&`): back to plain text.
    return html.unescape(str(text))


def _fit(text: str, width: float, size: float, em: float = 0.6) -> str:
    """Cut a text to about `width` pixels at a font `size` (an average glyph is `em` wide)."""
    most = max(1, int(width / (size * em)))
    return text if len(text) <= most else text[: max(1, most - 1)] + "…"


def _text(x: float, y: float, text: str, size: float = 14, **attrs: Any) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{escape(text)}</text>'


def squarify(values: Sequence[float], x: float, y: float, w: float, h: float) -> list[tuple]:
    """Rectangles for values (largest first) filling the box, as square as can be."""
    rects: list[tuple[float, float, float, float]] = []
    items = [v for v in values if v > 0]
    total = sum(items)
    if not items or w <= 0 or h <= 0:
        return rects
    scale = w * h / total
    areas = [v * scale for v in items]

    def worst(row: list[float], side: float) -> float:
        s = sum(row)
        return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)

    row: list[float] = []
    i = 0
    while i < len(areas):
        side = min(w, h)
        candidate = [*row, areas[i]]
        if not row or worst(candidate, side) <= worst(row, side):
            row = candidate
            i += 1
            continue
        x, y, w, h = _lay(row, x, y, w, h, rects)
        row = []
    if row:
        _lay(row, x, y, w, h, rects)
    return rects


def _lay(
    row: list[float], x: float, y: float, w: float, h: float, out: list[tuple]
) -> tuple[float, float, float, float]:
    s = sum(row)
    if w >= h:  # a column on the left
        cw = s / h if h else 0
        cy = y
        for a in row:
            ch = a / cw if cw else 0
            out.append((x, cy, cw, ch))
            cy += ch
        return x + cw, y, w - cw, h
    rh = s / w if w else 0  # a row on top
    cx = x
    for a in row:
        cw = a / rh if rh else 0
        out.append((cx, y, cw, rh))
        cx += cw
    return x, y + rh, w, h - rh


def _treemap(trace: dict[str, Any], box: tuple[float, float, float, float]) -> list[str]:
    x0, y0, w, h = box
    labels = [_label(t) for t in trace["labels"][1:]]
    values = list(trace["values"][1:])
    texts = list(trace["text"][1:])
    colors = list(trace["marker"]["colors"][1:])
    order = sorted(range(len(values)), key=lambda i: -values[i])
    rects = squarify([values[i] for i in order], x0, y0, w, h)
    out = []
    for (rx, ry, rw, rh), i in zip(rects, order, strict=False):
        out.append(
            f'<rect x="{rx + 1:.1f}" y="{ry + 1:.1f}" width="{max(rw - 2, 0):.1f}" '
            f'height="{max(rh - 2, 0):.1f}" fill={quoteattr(colors[i])}/>'
        )
        if rw > 60 and rh > 38:
            size = 16 if rw > 220 and rh > 70 else 13
            out.append(
                _text(
                    rx + 8,
                    ry + 8 + size,
                    _fit(labels[i], rw - 16, size),
                    size,
                    fill="#ffffff",
                    font_weight="bold",
                )
            )
            out.append(_text(rx + 8, ry + 14 + 2 * size, texts[i], size, fill="#ffffff"))
    return out


def _bars(traces: list[dict[str, Any]], box: tuple[float, float, float, float]) -> list[str]:
    x0, y0, w, h = box
    names = [_label(t) for t in reversed(traces[0]["y"])]  # the figure lists them bottom up
    count = len(names)
    if not count:
        return []
    values = [[v for v in reversed(t["x"])] for t in traces]
    texts = [list(reversed(t["text"])) for t in traces]
    colors = [t["marker"]["color"] for t in traces]
    legend = len(traces) > 1
    if legend:
        h -= 28
    label_w = w * 0.34
    plot_x, plot_w = x0 + label_w + 10, w - label_w - 130
    top = max((v for vs in values for v in vs if v is not None), default=0) or 1
    band = h / count
    bar = min(26.0, (band - 4) / len(traces))
    size = min(14, max(9, band * 0.45))
    out = []
    for row, name in enumerate(names):
        by = y0 + row * band + (band - bar * len(traces)) / 2
        out.append(
            _text(
                plot_x - 8,
                by + bar * len(traces) / 2 + size / 3,
                _fit(name, label_w, size),
                size,
                text_anchor="end",
                fill=INK,
            )
        )
        for k in range(len(traces)):
            v = values[k][row]
            if v is None:
                continue
            bw = max(v, 0) / top * plot_w
            out.append(
                f'<rect x="{plot_x:.1f}" y="{by + k * bar:.1f}" width="{bw:.1f}" '
                f'height="{bar - 1:.1f}" fill={quoteattr(colors[k])}/>'
            )
            out.append(
                _text(
                    plot_x + bw + 6,
                    by + k * bar + bar / 2 + size / 3,
                    str(texts[k][row]),
                    min(size, bar),
                    fill=MUTED,
                )
            )
    if legend:
        lx = plot_x
        for k, t in enumerate(traces):
            name = _label(t.get("name", ""))
            out.append(
                f'<rect x="{lx:.1f}" y="{y0 + h + 10:.1f}" width="14" height="14" '
                f"fill={quoteattr(colors[k])}/>"
            )
            out.append(_text(lx + 20, y0 + h + 22, _fit(name, 360, 13), 13, fill=INK))
            lx += 40 + min(len(name), 60) * 7.5
    return out


def _lines(
    traces: list[dict[str, Any]],
    box: tuple[float, float, float, float],
    tick: Callable[[float], str],
) -> list[str]:
    x0, y0, w, h = box
    h -= 30  # the legend
    years = sorted({x for t in traces for x in t["x"]})
    values = [v for t in traces for v in t["y"] if v is not None]
    if not years or not values:
        return []
    high = max(max(values), 0) or 1
    low = min(min(values), 0)
    left = x0 + 90
    plot_w = w - 100

    def px(year: float) -> float:
        span = (years[-1] - years[0]) or 1
        return left + (year - years[0]) / span * plot_w

    def py(value: float) -> float:
        return y0 + h - 25 - (value - low) / ((high - low) or 1) * (h - 35)

    out = []
    for step in range(5):
        value = low + (high - low) * step / 4
        y = py(value)
        out.append(
            f'<line x1="{left:.1f}" x2="{left + plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
        )
        out.append(_text(left - 8, y + 4, tick(value), 12, text_anchor="end", fill=MUTED))
    every = max(1, len(years) // 12)
    for year in years[::every]:
        out.append(_text(px(year), y0 + h - 5, str(year), 12, text_anchor="middle", fill=MUTED))
    lx = left
    for t in traces:
        color = t["line"]["color"]
        dash = ' stroke-dasharray="4 4"' if t["line"].get("dash") == "dot" else ""
        points = " ".join(
            f"{px(x):.1f},{py(y):.1f}"
            for x, y in zip(t["x"], t["y"], strict=False)
            if y is not None
        )
        out.append(
            f'<polyline points="{points}" fill="none" stroke={quoteattr(color)} '
            f'stroke-width="2.5"{dash}/>'
        )
        for x, y in zip(t["x"], t["y"], strict=False):
            if y is not None:
                out.append(
                    f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill={quoteattr(color)}/>'
                )
        name = _label(t.get("name", ""))
        out.append(
            f'<line x1="{lx:.1f}" x2="{lx + 22:.1f}" y1="{y0 + h + 18:.1f}" '
            f'y2="{y0 + h + 18:.1f}" stroke={quoteattr(color)} stroke-width="3"{dash}/>'
        )
        out.append(_text(lx + 28, y0 + h + 23, _fit(name, 300, 13), 13, fill=INK))
        lx += 50 + min(len(name), 45) * 7.5
    return out


def svg(
    figure: dict[str, Any],
    frame: Frame,
    tick: Callable[[float], str],
    shape: Callable[[str], str] | None = None,
    rtl: bool = False,
) -> str:
    """The chart as an SVG document of WIDTH x HEIGHT; `shape` lays out right-to-left text
    for renderers without bidi support; `tick` formats an axis value."""
    traces = figure.get("data") or []
    body: list[str] = []
    box = (PAD, 130.0, WIDTH - 2 * PAD, HEIGHT - 130 - 60)
    if traces and traces[0].get("type") == "treemap":
        body = _treemap(traces[0], box)
    elif traces and traces[0].get("type") == "bar":
        body = _bars(traces, box)
    elif traces:
        body = _lines(traces, box, tick)
    anchor = "end" if rtl else "start"
    tx = WIDTH - PAD if rtl else PAD
    head = [
        _text(
            tx,
            62,
            _fit(frame.title, WIDTH - 2 * PAD, 30, 0.68),
            30,
            font_weight="bold",
            fill=INK,
            text_anchor=anchor,
        ),
        _text(
            tx, 98, _fit(frame.subtitle, WIDTH - 2 * PAD, 17), 17, fill=MUTED, text_anchor=anchor
        ),
        _text(
            tx,
            HEIGHT - 22,
            _fit(frame.source, WIDTH - 2 * PAD, 14),
            14,
            fill=MUTED,
            text_anchor=anchor,
        ),
    ]
    parts = [*head, *body]
    if shape is not None:
        parts = [_shape_text(p, shape) for p in parts]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family={quoteattr(FONT)}>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def _shape_text(part: str, shape: Callable[[str], str]) -> str:
    if not part.startswith("<text"):
        return part
    start = part.index(">") + 1
    end = part.rindex("</text>")
    inner = html.unescape(part[start:end])
    return part[:start] + escape(shape(inner)) + part[end:]


def visual_order(text: str) -> str:
    """Right-to-left runs in drawing order, for cairo, which draws text as it is stored."""
    if not any("\u0590" <= ch <= "\u08ff" for ch in text):
        return text
    try:
        from bidi import get_display
    except ImportError:  # without python-bidi a Hebrew label is drawn mirrored, not lost
        return text
    return str(get_display(text))


def png(document: str) -> bytes:
    """The SVG as PNG (CairoSVG); NoRenderer when it or the cairo library is missing."""
    try:
        import cairosvg
    except (ImportError, OSError) as error:
        raise NoRenderer(
            "PNG images need the Python package 'cairosvg' and the cairo library "
            "(Debian: apt-get install libcairo2); the SVG image works without them"
        ) from error
    return bytes(cairosvg.svg2png(bytestring=document.encode("utf-8")))
