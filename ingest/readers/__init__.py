"""Readers turn a file into sheets of cells; they do not interpret anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location

# What a file really is, told by its first bytes; a download often saves something else.
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


class Uncalculated(str):
    """A formula cell whose result the file does not hold; its text is the formula.

    Programs that write workbooks without calculating them (report generators, scripts) leave
    formula results empty; such a cell is not empty, its figure is unknown.
    """


@dataclass
class Sheet:
    """A grid of cell values; rows[i] is the file's row i + 1. Empty cells are None."""

    file: str
    name: str | None
    rows: list[list[Any]] = field(default_factory=list)

    def where(self, row: int | None = None, col: int | None = None) -> Location:
        return Location(self.file, self.name, row, col)


def sniff(head: bytes) -> str | None:
    """What the first bytes say the file is, when they say it clearly."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_OLE):
        return "a legacy Excel .xls workbook"
    if head.startswith(_ZIP):
        return "a zip archive (an .xlsx workbook is one)"
    if head.startswith(b"%PDF-"):
        return "a PDF document"
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML web page (often an error or login page saved instead of the data)"
    if start.startswith(b"<?xml"):
        return "an XML document"
    if head.startswith(b"{\\rtf"):
        return "an RTF document"
    return None


def read(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Sheet:
    """Read one sheet (the named one, or the first) of an .xlsx, .xls or .csv file."""
    from ingest.readers import csvfile, xls, xlsx

    if not path.is_file():
        raise IngestError("file not found", Location(path.name))
    if path.stat().st_size == 0:
        raise IngestError("the file is empty (0 bytes); download it again", Location(path.name))
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        kind = sniff(handle.read(512))
    if suffix in (".xlsx", ".xlsm"):
        if kind and "zip" not in kind:
            raise _misnamed(path, kind, "an .xlsx workbook")
        return xlsx.read(path, sheet)
    if suffix == ".xls":
        if kind and "legacy" not in kind:
            raise _misnamed(path, kind, "a legacy .xls workbook")
        return xls.read(path, sheet)
    if suffix in TEXT_SUFFIXES:
        if kind:
            raise _misnamed(path, kind, "a CSV text file")
        return csvfile.read(path, encoding)
    raise IngestError(
        f"unsupported file type '{suffix}': expected .xlsx, .xls or .csv", Location(path.name)
    )


def _misnamed(path: Path, kind: str, expected: str) -> IngestError:
    advice = {
        "a legacy Excel .xls workbook": "; rename it to .xls",
        "a zip archive (an .xlsx workbook is one)": "; if it is a workbook, rename it to .xlsx",
    }.get(kind, "; download the data file itself")
    return IngestError(
        f"expected {expected} ('{path.suffix}'), but the file is {kind}{advice}",
        Location(path.name),
    )


def pick_sheet(names: list[str], wanted: str | None, file: str) -> str:
    """The wanted sheet, or the first; a clear error names the sheets there are."""
    if not names:
        raise IngestError("the workbook has no sheets", Location(file))
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    raise IngestError(
        f"no sheet named '{wanted}'; the file has: {', '.join(repr(n) for n in names)}",
        Location(file),
    )
