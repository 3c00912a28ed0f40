"""Find the table in a sheet: its header row(s) by their words, flattened to column names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import IngestError
from ingest.readers import Sheet

SEARCH_ROWS = 300  # headers sit near the top; a title block is never this long


def text(value: Any) -> str:
    """A cell as the text a person reads: 2005.0 -> '2005', whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def norm(value: Any) -> str:
    """For matching only: case-folded, whitespace collapsed."""
    return text(value).casefold()


@dataclass
class Column:
    index: int  # 1-based
    parts: list[str]  # header text from the top band row to the bottom row

    @property
    def name(self) -> str:
        return " ".join(self.parts)

    def matches(self, ref: str) -> bool:
        """A recipe names a column by its full name, its bottom header, or a 're:' pattern."""
        if ref.startswith("re:"):
            return re.search(ref[3:], self.name, re.IGNORECASE) is not None
        wanted = norm(ref)
        return wanted == norm(self.name) or bool(self.parts) and wanted == norm(self.parts[-1])


@dataclass
class Table:
    sheet: Sheet
    columns: list[Column]
    header_top: int  # 0-based index of the first header row
    data_start: int  # 0-based index of the first row under the header
    preamble: list[str] = field(default_factory=list)

    def find(self, ref: str, required: bool = True) -> Column | None:
        """The first column the reference names; an error lists the columns there are."""
        for column in self.columns:
            if column.matches(ref):
                return column
        if not required:
            return None
        names = ", ".join(repr(c.name) for c in self.columns if c.parts)
        raise IngestError(
            f"no column '{ref}' in the header; the header has: {names}",
            self.sheet.where(self.data_start),
        )

    def find_all(self, ref: str) -> list[Column]:
        return [c for c in self.columns if c.matches(ref)]

    def rows(self) -> list[tuple[int, list[Any]]]:
        """(1-based row number, cells) for each row under the header."""
        return [(i + 1, row) for i, row in enumerate(self.sheet.rows) if i >= self.data_start]


def _filled(row: list[Any]) -> list[int]:
    return [i for i, v in enumerate(row) if text(v)]


def _is_band(row: list[Any], header: list[Any]) -> bool:
    """A band row above the header: fewer cells than the header, all above header columns."""
    cells, below = _filled(row), set(_filled(header))
    if len(cells) == 1 and _states_unit(row[cells[0]]):
        return False  # a unit ("тыс. тенге") alone above the last column belongs to the title
    return bool(cells) and len(cells) < len(below) and all(i in below for i in cells)


def _states_unit(value: Any) -> bool:
    from ingest.steps.units import detect_factor

    return detect_factor([text(value)]) is not None


def _is_continuation(row: list[Any], header: list[Any]) -> bool:
    """A header split over rows goes on while the next row is text-only under the header."""
    from ingest.steps.values import NotANumber, parse_amount

    cells, above = _filled(row), set(_filled(header))
    if not cells or not all(i in above for i in cells):
        return False
    for i in cells:
        try:
            if parse_amount(row[i]) is not None:
                return False
        except NotANumber:
            continue
    return True


def locate(sheet: Sheet, words: list[str], header_rows: int | None = None) -> Table:
    """The table whose header holds every one of `words`.

    The header is the first row holding them all; band rows above it (years over repeated
    measure names) and text-only rows below it (print layouts that split one header over
    several rows) are joined into each column's name.
    """
    rows = sheet.rows
    wanted = [w for w in words if not w.startswith("re:")]
    if not wanted:
        # Only patterns (e.g. year columns, when the label column's header is blank).
        wanted = [w for w in words if w.startswith("re:")]
    closest: tuple[int, int, Table | None] = (0, 0, None)  # most columns found, row, table
    for i in range(min(len(rows), SEARCH_ROWS)):
        top, bottom = i, i
        if header_rows:
            bottom = i + header_rows - 1
        else:
            while top > 0 and _is_band(rows[top - 1], rows[i]):
                top -= 1
            while bottom + 1 < len(rows) and _is_continuation(rows[bottom + 1], rows[i]):
                bottom += 1
        columns = _flatten(rows[top : bottom + 1])
        table = Table(sheet, columns, top, bottom + 1)
        hits = sum(1 for w in wanted if table.find(w, required=False))
        if hits == len(wanted) and wanted:
            table.preamble = [text(v) for r in rows[:top] for v in r if text(v)]
            return table
        if hits > closest[0]:
            closest = (hits, i + 1, table)
        if not wanted:
            break
    near = closest[2]
    if near is not None and 2 * closest[0] >= len(wanted):
        # A header with most of the columns: most often one was renamed in a new edition.
        lacking = [w for w in wanted if not near.find(w, required=False)]
        names = ", ".join(repr(c.name) for c in near.columns if c.parts)
        raise IngestError(
            f"the header has no column {', '.join(repr(w) for w in lacking)} (named by the "
            f"recipe); it has: {names}",
            sheet.where(closest[1]),
        )
    raise IngestError(
        f"no header row with the columns {wanted} in the first {SEARCH_ROWS} rows",
        sheet.where(),
    )


def _flatten(band: list[list[Any]]) -> list[Column]:
    """Column names from header rows; upper rows' labels span right over merged cells."""
    width = max((len(r) for r in band), default=0)
    grid = [[text(r[c]) if c < len(r) else "" for c in range(width)] for r in band]
    for k, upper in enumerate(grid[:-1]):
        carry = ""
        for c in range(width):
            if upper[c]:
                carry = upper[c]
            elif carry and any(grid[j][c] for j in range(k + 1, len(grid))):
                # A merged band cell leaves its label in its first cell only.
                upper[c] = carry
            else:
                carry = ""
    return [
        Column(c + 1, [grid[k][c] for k in range(len(grid)) if grid[k][c]]) for c in range(width)
    ]
