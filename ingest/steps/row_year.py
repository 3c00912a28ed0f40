"""The year written on each row (a fiscal-year column), for `year = { column = "FY" }`.

Open-data extracts often carry the fiscal year as a column rather than in the header, so
one recipe reads every year's file, and a file holding several years keeps them apart.
"""

from __future__ import annotations

from typing import Any

from ingest.errors import IngestError, Location
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount


def year_column(spec: dict[str, Any], table: Table) -> Column | None:
    """The column a measure reads its year from, when it says so."""
    year = spec.get("year")
    if not isinstance(year, dict):
        return None
    if "column" not in year:
        raise IngestError(
            f'measure \'{spec.get("key")}\': year must be a number, "header", "text" or '
            f'{{ column = "..." }}; got {year}'
        )
    return table.find(str(year["column"]))


def year_in_row(row: list[Any], column: Column, where: Location) -> int:
    """The row's year from its year column; an error when it is not a year."""
    raw = row[column.index - 1] if column.index - 1 < len(row) else None
    try:
        value = parse_amount(raw)
    except NotANumber:
        value = None
    if value is None or value != value.to_integral_value() or not 1800 <= value <= 2999:
        raise IngestError(f"expected a year in column '{column.name}', found '{text(raw)}'", where)
    return int(value)
