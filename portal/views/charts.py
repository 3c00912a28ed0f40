"""Plotly figures as plain data for the page's own script to draw.

Labels are untrusted: plotly reads a little HTML in text, so `&`, `<` and `>` are turned into
entities that it shows as the characters themselves. Amounts are drawn from floats but every
number a reader sees is formatted from the exact Decimal here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
# Dark enough for white labels at WCAG AA contrast (at least 4.5:1).
COLORS = ["#1f5f8b", "#a84a12", "#2e6b30", "#6a3d9a", "#7a5a00", "#00697a", "#ad1457"]
MAX_BLOCKS = 100


def plain(text: str) -> str:
    """A label as plotly must receive it to show it as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _layout(**extra: Any) -> dict[str, Any]:
    return {
        "font": FONT,
        "margin": {"t": 10, "r": 10, "b": 40, "l": 10},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        **extra,
    }


def treemap(
    blocks: Sequence[dict[str, Any]], root: str, fmt: Callable[[Decimal], str]
) -> dict[str, Any]:
    """One level of a tree: a block per item (positive amounts only), linked to its page."""
    shown = [b for b in blocks if b["amount"] > 0][:MAX_BLOCKS]
    total = sum((b["amount"] for b in shown), Decimal(0))
    return {
        "data": [
            {
                "type": "treemap",
                "ids": ["root", *[f"n{i}" for i in range(len(shown))]],
                "labels": [plain(root), *[plain(b["label"]) for b in shown]],
                "parents": ["", *["root"] * len(shown)],
                "values": [float(total), *[float(b["amount"]) for b in shown]],
                "text": [fmt(total), *[fmt(b["amount"]) for b in shown]],
                "customdata": ["", *[b.get("href") or "" for b in shown]],
                "branchvalues": "total",
                "textinfo": "label+text",
                "hovertemplate": "%{label}<br>%{text}<extra></extra>",
                "marker": {
                    "colors": ["#ffffff", *[COLORS[i % len(COLORS)] for i in range(len(shown))]]
                },
                "pathbar": {"visible": False},
                "tiling": {"pad": 2},
            }
        ],
        "layout": _layout(margin={"t": 0, "r": 0, "b": 0, "l": 0}, height=420),
    }


def bars(items: Sequence[dict[str, Any]], fmt: Callable[[Decimal], str]) -> dict[str, Any]:
    """Horizontal bars, largest on top."""
    rows = list(reversed(items))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [plain(_short(r["label"])) for r in rows],
                "x": [float(r["amount"]) for r in rows],
                "text": [fmt(r["amount"]) for r in rows],
                "textposition": "auto",
                "hovertemplate": "%{y}<br>%{text}<extra></extra>",
                "marker": {"color": COLORS[0]},
            }
        ],
        "layout": _layout(
            height=max(220, 28 * len(rows) + 60),
            margin={"t": 10, "r": 10, "b": 30, "l": 10},
            yaxis={"automargin": True},
            xaxis={"showticklabels": False},
        ),
    }


def lines(series: Sequence[dict[str, Any]], fmt: Callable[[Decimal], str]) -> dict[str, Any]:
    """One line per series over the years; estimates drawn dotted, apart from actuals."""
    data = []
    for index, s in enumerate(series):
        color = COLORS[index % len(COLORS)]
        for estimate in (False, True):
            points = [p for p in s["points"] if p["estimate"] == estimate]
            if not points:
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": plain(s["name"] + (s["estimate_suffix"] if estimate else "")),
                    "x": [p["year"] for p in points],
                    "y": [float(p["amount"]) for p in points],
                    "text": [fmt(p["amount"]) for p in points],
                    "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
                    "line": {"color": color, "dash": "dot" if estimate else "solid"},
                    "marker": {"symbol": "circle-open" if estimate else "circle"},
                }
            )
    return {
        "data": data,
        "layout": _layout(
            height=360,
            hovermode="x unified",
            legend={"orientation": "h", "y": -0.2},
            yaxis={"automargin": True, "rangemode": "tozero"},
            xaxis={"automargin": True},
        ),
    }


def grouped(
    labels: Sequence[str],
    columns: Sequence[tuple[str, Sequence[Decimal | None]]],
    fmt: Callable[[Decimal], str],
) -> dict[str, Any]:
    """Side-by-side bars per item: one colour per column (plan and actual, before and after)."""
    ys = [plain(_short(label)) for label in reversed(labels)]
    data = []
    for index, (name, values) in enumerate(columns):
        shown = list(reversed(values))
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": plain(name),
                "y": ys,
                "x": [float(v) if v is not None else None for v in shown],
                "text": [fmt(v) if v is not None else "" for v in shown],
                "textposition": "none",
                "hovertemplate": "%{y}<br>%{text}<extra>%{fullData.name}</extra>",
                "marker": {"color": COLORS[index % len(COLORS)]},
            }
        )
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            height=max(240, 44 * len(labels) + 80),
            legend={"orientation": "h", "y": -0.12},
            yaxis={"automargin": True},
            xaxis={"automargin": True},
        ),
    }


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
