"""Legacy Excel 97-2003 (BIFF) workbooks; xlrd decodes their code page (cp1251, Hebrew)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location
from ingest.readers import Sheet, pick_sheet


def read(path: Path, sheet: str | None) -> Sheet:
    import xlrd

    try:
        book = xlrd.open_workbook(path, on_demand=True)
    except (xlrd.XLRDError, AssertionError, ValueError, IndexError, OSError) as error:
        raise IngestError(f"not a readable .xls workbook ({error})", Location(path.name)) from None
    try:
        name = pick_sheet(book.sheet_names(), sheet, path.name)
        grid = book.sheet_by_name(name)
        rows = [[_value(cell) for cell in grid.row(i)] for i in range(grid.nrows)]
    except (xlrd.XLRDError, AssertionError, ValueError, IndexError) as error:
        raise IngestError(f"the workbook is damaged ({error})", Location(path.name)) from None
    finally:
        book.release_resources()
    return Sheet(path.name, name, rows)


def _value(cell: Any) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return None
    return cell.value
