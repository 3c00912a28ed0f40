"""Office Open XML workbooks, read for the values Excel cached for formulas."""

from __future__ import annotations

import re
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location
from ingest.readers import Sheet, Uncalculated, pick_sheet

# A formula cell with no result after it: <c r="C3"><f>C2*2</f></c> or <f>..</f><v/>.
_NS = rb"(?:\w+:)?"
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<"
    + _NS
    + rb"c\b([^>]*)(?<!/)>\s*<"
    + _NS
    + rb"f\b[^>]*?(?:/>|>([^<]*)</"
    + _NS
    + rb"f>)\s*(?:<"
    + _NS
    + rb"v\s*/>|<"
    + _NS
    + rb"v>\s*</"
    + _NS
    + rb"v>)?\s*</"
    + _NS
    + rb"c>"
)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')


def read(path: Path, sheet: str | None) -> Sheet:
    import openpyxl

    try:
        # data_only: the cached results of formulas such as =SUM(B10:B12), not the formulas.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as error:  # openpyxl lets zipfile, zlib and XML errors through
        raise IngestError(
            f"not a readable .xlsx workbook ({error.__class__.__name__}: {error}); "
            "download it again or open and re-save it in a spreadsheet program",
            Location(path.name),
        ) from None
    name: str | None = None
    try:
        name = pick_sheet(book.sheetnames, sheet, path.name)
        worksheet = book[name]
        rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
        member = getattr(worksheet, "_worksheet_path", None)
    except (IngestError, MemoryError):
        raise
    except Exception as error:
        raise IngestError(
            f"the workbook is damaged ({error.__class__.__name__}: {error}); download it "
            "again or open and re-save it in a spreadsheet program",
            Location(path.name, name),
        ) from None
    finally:
        book.close()
    if member:
        _mark_uncalculated(path, member, rows)
    assert name is not None
    return Sheet(path.name, name, [[_blank_is_none(v) for v in row] for row in rows])


def _blank_is_none(value: Any) -> Any:
    """A cell of spaces looks empty to the person who reads the file: it is empty."""
    return None if isinstance(value, str) and not value.strip() else value


def _mark_uncalculated(path: Path, member: str, rows: list[list[Any]]) -> None:
    """Put an Uncalculated in each formula cell that has no saved result."""
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read(member.lstrip("/"))
    except Exception:  # openpyxl has just read this part; nothing more to learn from it
        return
    if b"</f>" not in xml and b"<f " not in xml and b":f>" not in xml:
        return  # no formulas at all: the common case, decided without a regex pass
    for match in _FORMULA_WITHOUT_VALUE.finditer(xml):
        attributes, formula = match[1], match[2]
        kind = _TYPE.search(attributes)
        if kind and kind[1] in (b"str", b"e", b"s", b"inlineStr"):
            continue  # a formula whose result is the empty string is saved with no value
        ref = _REF.search(attributes)
        if not ref:
            continue
        row, col = int(ref[2]) - 1, _column_number(ref[1].decode()) - 1
        while len(rows) <= row:
            rows.append([])
        cells = rows[row]
        cells.extend([None] * (col + 1 - len(cells)))
        if cells[col] is None:
            text = unescape(formula.decode("utf-8", errors="replace")) if formula else "…"
            cells[col] = Uncalculated("=" + text if formula else "a shared formula")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number
