"""Legacy Excel 97-2003 (BIFF) workbooks; xlrd decodes their code page (cp1251, Hebrew)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location
from ingest.readers import Sheet, pick_sheet

ADVICE = "download it again or open and re-save it in a spreadsheet program"


def read(path: Path, sheet: str | None) -> Sheet:
    import xlrd

    # xlrd prints its warnings ("file size not 512 + multiple of sector size") to stdout.
    log = io.StringIO()
    try:
        book = xlrd.open_workbook(path, on_demand=True, logfile=log)
    except MemoryError:
        raise
    except Exception as error:  # xlrd raises struct, KeyError, CompDocError... on damage
        raise IngestError(
            f"not a readable .xls workbook ({_describe(error)}); {ADVICE}", Location(path.name)
        ) from None
    name: str | None = None
    try:
        name = pick_sheet(book.sheet_names(), sheet, path.name)
        grid = book.sheet_by_name(name)
        rows = [[_value(cell) for cell in grid.row(i)] for i in range(grid.nrows)]
    except (IngestError, MemoryError):
        raise
    except Exception as error:
        raise IngestError(
            f"the workbook is damaged ({_describe(error)}); {ADVICE}", Location(path.name, name)
        ) from None
    finally:
        book.release_resources()
    return Sheet(path.name, name, rows)


def _describe(error: Exception) -> str:
    return f"{error.__class__.__name__}: {error}"


def _value(cell: Any) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return None
    if cell.ctype == xlrd.XL_CELL_TEXT and not cell.value.strip():
        return None  # a cell of spaces looks empty to the person who reads the file
    return cell.value
