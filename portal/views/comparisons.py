"""The comparison parts of a dataset's explorer: over time, plan versus actual, revisions."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from flask_babel import gettext

from portal.db import get_session
from portal.queries import compare, datasets, explore
from portal.queries.errors import BadRequest
from portal.queries.params import Ref
from portal.views import charts
from portal.views.words import phase_name

TOP = 15


def label(node: dict[str, Any]) -> str:
    if node.get("code") and node["label"]:
        return f"{node['code']} {node['label']}"
    return str(node.get("label") or node.get("code") or "")


def level_name(names: list[str], level: int) -> str:
    return names[level - 1] if 0 < level <= len(names) else ""


def _same(s: explore.Series, sel: explore.Selection, *fields: str) -> bool:
    return all(getattr(s, f) == getattr(sel, f) for f in fields)


def over_time(
    chosen: datasets.Selected,
    sel: explore.Selection,
    all_series: list[explore.Series],
    base: list[Any],
    path: str,
    short: Any,
    api: Any,
) -> dict[str, Any] | None:
    here = [s for s in all_series if _same(s, sel, "direction", "role", "measure")]
    if len({s.year for s in here}) < 2:
        return None
    cuts = base + sel.cuts(without=("year", "phase", "period"))
    found = compare.over_time(get_session(), chosen, cuts)
    estimates = {(s.year, s.phase, s.period) for s in here if s.is_estimate}
    series = []
    for (phase, period), points in found.items():
        name = phase_name(phase) + (f" ({period})" if period else "")
        series.append(
            {
                "name": name,
                "estimate_suffix": " – " + gettext("estimate"),
                "points": [
                    {"year": y, "amount": a, "estimate": (y, phase, period) in estimates}
                    for y, a in points
                ],
            }
        )
    years = sorted({p["year"] for s in series for p in s["points"]})
    return {
        "series": series,
        "years": years,
        "chart": charts.lines(series, short),
        "downloads": api(
            "year",
            "|".join(p for p in (path, sel.cut_text(without=("year", "phase", "period"))) if p),
            order="year:asc",
            pagesize=1000,
        ),
    }


def _column(
    all_series: list[explore.Series], sel: explore.Selection, phase: str
) -> compare.Column | None:
    """The series of a phase in the selected year: the selected measure if it has the phase,
    else the first measure that does (a report may publish each phase as its own column)."""
    found = [
        s.measure
        for s in all_series
        if s.phase == phase and _same(s, sel, "year", "period", "direction", "role")
    ]
    if not found:
        return None
    return compare.Column(phase, sel.measure if sel.measure in found else found[0])


def _pair(
    chosen: datasets.Selected,
    sel: explore.Selection,
    base: list[Any],
    ref: Ref,
    columns: list[compare.Column],
    measures: dict[str, Any],
    fmt: Any,
    versions: dict[int, datasets.Selected] | None = None,
    names: list[str] | None = None,
) -> dict[str, Any]:
    rows, truncated = compare.side_by_side(
        get_session(), chosen, ref, base + sel.cuts(without=("phase", "measure")), columns, versions
    )
    down, up = compare.biggest_changes(rows)
    names = names or [_column_name(c, measures) for c in columns]
    biggest = sorted(
        rows, key=lambda r: -max((abs(v) for v in r.values if v is not None), default=Decimal(0))
    )[:TOP]
    chart = charts.grouped(
        [label(r.node) for r in biggest],
        [(n, [r.values[i] for r in biggest]) for i, n in enumerate(names)],
        partial(fmt, compact=True),
    )
    return {
        "columns": columns,
        "names": names,
        "rows": biggest,
        "down": down,
        "up": up,
        "count": len(rows),
        "truncated": truncated,
        "chart": chart,
    }


def _column_name(column: compare.Column, measures: dict[str, Any]) -> str:
    return f"{phase_name(column.phase)} · {measures[column.measure]['label']}"


def plan_actual(
    chosen: datasets.Selected,
    sel: explore.Selection,
    all_series: list[explore.Series],
    measures: dict[str, Any],
    base: list[Any],
    ref: Ref,
    path: str,
    fmt: Any,
    api: Any,
) -> dict[str, Any] | None:
    plan = _column(all_series, sel, "adjusted") or _column(all_series, sel, "approved")
    actual = _column(all_series, sel, "executed")
    if plan is None or actual is None:
        return None
    result = _pair(chosen, sel, base, ref, [plan, actual], measures, fmt)
    cut = "|".join(
        p
        for p in (
            path,
            sel.cut_text(without=("phase", "measure")),
            f"phase:{plan.phase};{actual.phase}",
            f"measure:{plan.measure};{actual.measure}",
        )
        if p
    )
    result["downloads"] = api(f"{ref.name}.{ref.level}|phase", cut, pagesize=1000)
    return result


def revisions(
    chosen: datasets.Selected,
    sel: explore.Selection,
    all_series: list[explore.Series],
    measures: dict[str, Any],
    base: list[Any],
    ref: Ref,
    fmt: Any,
    info: dict[str, Any],
) -> list[dict[str, Any]]:
    found = []
    approved = _column(all_series, sel, "approved")
    adjusted = _column(all_series, sel, "adjusted")
    if approved and adjusted:
        found.append(
            {"kind": "phases", **_pair(chosen, sel, base, ref, [approved, adjusted], measures, fmt)}
        )
    earlier = [v["number"] for v in info["versions"] if v["number"] < chosen.version.number]
    if earlier:
        previous = datasets.select_version(get_session(), chosen.dataset.id, earlier[-1])
        column = compare.Column(sel.phase, sel.measure, previous.version.number)
        names = [
            gettext("Version %(n)s", n=previous.version.number),
            gettext("Version %(n)s", n=chosen.version.number),
        ]
        try:
            found.append(
                {
                    "kind": "versions",
                    **_pair(
                        chosen,
                        sel,
                        base,
                        ref,
                        [column, compare.Column(sel.phase, sel.measure)],
                        measures,
                        fmt,
                        {previous.version.number: previous},
                        names,
                    ),
                }
            )
        except BadRequest:
            pass  # the earlier version has no such measure: nothing to compare
    return found
