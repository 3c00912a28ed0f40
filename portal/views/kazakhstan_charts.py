"""Figures of the Kazakhstan overview that the shared chart module has no shape for: execution
to date month by month, as a share of the annual plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from portal.views.charts import COLORS, FONT, plain


def execution(
    series: Sequence[dict[str, Any]],
    months: Sequence[str],
    fmt: Callable[[Decimal | None], str],
    hidden_after: int | None = None,
) -> dict[str, Any]:
    """One line per series: each month's execution to date as % of the annual plan.

    `series` items have `name` and `points` ({month, rate}); a month without a rate is a gap.
    Series after the first `hidden_after` start hidden (a click on the legend shows them)."""
    data = []
    for index, s in enumerate(series):
        points = [p for p in s["points"] if p["rate"] is not None]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": plain(s["name"]),
                "x": [months[p["month"] - 1] for p in points],
                "y": [float(p["rate"] * 100) for p in points],
                "text": [fmt(p["rate"]) for p in points],
                "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
                "line": {"color": COLORS[index % len(COLORS)], "width": 3 if index == 0 else 2},
                **(
                    {"visible": "legendonly"}
                    if hidden_after is not None and index >= hidden_after
                    else {}
                ),
            }
        )
    return {
        "data": data,
        "layout": {
            "font": FONT,
            "margin": {"t": 10, "r": 10, "b": 40, "l": 10},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            # Room for a legend of many series below the plot.
            "height": 320 + 22 * len(series),
            "hovermode": "closest",
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"automargin": True, "categoryorder": "array", "categoryarray": list(months)},
            "yaxis": {"automargin": True, "range": [0, 105], "ticksuffix": "%"},
        },
    }
