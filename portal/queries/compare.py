"""Comparisons built on aggregate(): plan versus actual, budget revisions, series over time.

Each compares whole series side by side (one column per phase and measure, or per version);
nothing here adds two series together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portal.queries.aggregate import aggregate
from portal.queries.datasets import Selected
from portal.queries.memo import memo
from portal.queries.params import MAX_PAGESIZE, Cut, Ref

MAX_CELLS = 10_000


@dataclass(frozen=True)
class Column:
    """One side of a comparison: a phase of a measure (and the version it is read from)."""

    phase: str
    measure: str
    version: int | None = None


@dataclass
class Row:
    node: dict[str, Any]
    values: list[Decimal | None] = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        """Last column minus first, when both are there."""
        first, last = self.values[0], self.values[-1]
        return None if first is None or last is None else last - first

    @property
    def rate(self) -> Decimal | None:
        """Last column as a share of the first (the execution rate of a plan)."""
        first, last = self.values[0], self.values[-1]
        if first is None or last is None or first == 0:
            return None
        return last / first


def all_cells(
    session: Session, selected: Selected, drilldowns: list[Ref], cuts: list[Cut]
) -> tuple[list[dict[str, Any]], bool]:
    """Every cell of an aggregate (up to MAX_CELLS); whether it was cut short."""
    cells: list[dict[str, Any]] = []
    page = 1
    while True:
        result = aggregate(
            session, selected, drilldowns, cuts, order=None, page=page, pagesize=MAX_PAGESIZE
        )
        cells += result.cells
        if page * MAX_PAGESIZE >= result.total_cell_count:
            return cells, False
        if len(cells) >= MAX_CELLS:
            return cells, True
        page += 1


def _node_key(node: dict[str, Any]) -> tuple[Any, ...]:
    # Across versions node ids differ: a node is its level and code (or label).
    return (node["level"], node["code"] if node["code"] is not None else node["label"])


def side_by_side(
    session: Session,
    selected: Selected,
    ref: Ref,
    cuts: list[Cut],
    columns: list[Column],
    versions: dict[int, Selected] | None = None,
) -> tuple[list[Row], bool]:
    """One row per node of `ref`, one value per column; `cuts` must not name phase or measure.

    A column with a version reads that stored version of the dataset instead of `selected`.
    """
    rows: dict[tuple[Any, ...], Row] = {}
    truncated = False
    for index, column in enumerate(columns):
        source = (versions or {}).get(column.version or 0, selected)
        wanted = [*cuts, Cut(Ref("phase"), (column.phase,)), Cut(Ref("measure"), (column.measure,))]
        cells, short = all_cells(session, source, [ref], wanted)
        truncated = truncated or short
        for cell in cells:
            node = cell[ref.name]
            row = rows.setdefault(_node_key(node), Row(node, [None] * len(columns)))
            current = row.values[index]
            row.values[index] = cell["amount"] if current is None else current + cell["amount"]
    return list(rows.values()), truncated


def biggest_changes(rows: list[Row], count: int = 10) -> tuple[list[Row], list[Row]]:
    """The rows that went down most and up most (last column against the first)."""
    changed = [r for r in rows if r.change]
    down = sorted(
        (r for r in changed if r.change is not None and r.change < 0), key=lambda r: r.change or 0
    )[:count]
    up = sorted(
        (r for r in changed if r.change is not None and r.change > 0),
        key=lambda r: -(r.change or 0),
    )[:count]
    return down, up


def over_time(
    session: Session, selected: Selected, cuts: list[Cut]
) -> dict[tuple[str, str], list[tuple[int, Decimal]]]:
    """Totals by year for each phase (and period, when the years hold several); `cuts`
    must not name year or phase."""
    cells, _ = memo(
        session,
        selected,
        ("over_time", tuple(cuts)),
        lambda: all_cells(session, selected, [Ref("year")], cuts),
    )
    series: dict[tuple[str, str], list[tuple[int, Decimal]]] = {}
    for cell in cells:
        key = (cell["phase"], cell.get("period") or "")
        series.setdefault(key, []).append((cell["year"], cell["amount"]))
    for points in series.values():
        points.sort()
    return series
