"""Readers turn a file into sheets of cells; they do not interpret anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location


@dataclass
class Sheet:
    """A grid of cell values; rows[i] is the file's row i + 1. Empty cells are None."""

    file: str
    name: str | None
    rows: list[list[Any]] = field(default_factory=list)

    def where(self, row: int | None = None, col: int | None = None) -> Location:
        return Location(self.file, self.name, row, col)


def read(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Sheet:
    """Read one sheet (the named one, or the first) of an .xlsx, .xls or .csv file."""
    from ingest.readers import csvfile, xls, xlsx

    if not path.is_file():
        raise IngestError("file not found", Location(path.name))
    if path.stat().st_size == 0:
        raise IngestError("the file is empty", Location(path.name))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return xlsx.read(path, sheet)
    if suffix == ".xls":
        return xls.read(path, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return csvfile.read(path, encoding)
    raise IngestError(
        f"unsupported file type '{suffix}': expected .xlsx, .xls or .csv", Location(path.name)
    )


def pick_sheet(names: list[str], wanted: str | None, file: str) -> str:
    """The wanted sheet, or the first; a clear error names the sheets there are."""
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    raise IngestError(
        f"no sheet named '{wanted}'; the file has: {', '.join(repr(n) for n in names)}",
        Location(file),
    )
