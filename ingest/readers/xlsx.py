"""Office Open XML workbooks, read for the values Excel cached for formulas."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import IngestError, Location
from ingest.readers import Sheet, pick_sheet


def read(path: Path, sheet: str | None) -> Sheet:
    import openpyxl

    try:
        # data_only: the cached results of formulas such as =SUM(B10:B12), not the formulas.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise IngestError(
            f"not a readable .xlsx workbook ({error.__class__.__name__}: {error})",
            Location(path.name),
        ) from None
    try:
        name = pick_sheet(book.sheetnames, sheet, path.name)
        rows = [
            [None if v == "" else v for v in row] for row in book[name].iter_rows(values_only=True)
        ]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise IngestError(f"the workbook is damaged ({error})", Location(path.name)) from None
    finally:
        book.close()
    return Sheet(path.name, name, rows)
