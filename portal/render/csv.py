"""RFC 4180 CSV, streamed row by row, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response

from portal.render.table import Result, columns_of, flatten

# A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """Numbers as exact text; text neutralised against formula injection; None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def stream(result: Result, bom: bool = False) -> Iterator[str]:
    rows: Iterable[dict[str, Any]]
    if result.columns is None:
        rows = [flatten(row) for row in result.rows]
        columns = columns_of(rows)
    else:
        rows, columns = (flatten(row) for row in result.rows), result.columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        yield "\ufeff"  # Excel opens a UTF-8 file as UTF-8 only with a byte-order mark
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def render(result: Result, bom: bool = False) -> Response:
    response = Response(stream(result, bom), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}.csv"'
    return response
